package org.nova.hw;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The SR-IOV physical-function side of a function with an SR-IOV extended capability
 * (PCI_EXT_CAP_ID_SRIOV), driven the way drivers/pci/iov.c drives it.
 */
@ProviderType
public interface SriovControl {

    /** @return TotalVFs from the capability */
    int totalVfs();

    /** @return the number of VFs enabled now (0 when VF Enable is clear) */
    int numVfs();

    /**
     * Writes NumVFs, sets VF Enable and VF Memory Space Enable, and adds the virtual functions to
     * the bridge at the routing IDs given by First VF Offset and VF Stride (listeners get
     * functionAdded for each, in VF order).
     *
     * @param n number of VFs, 1..{@link #totalVfs()}
     * @return the new VFs, in VF order
     * @throws HwException EINVAL if n &lt; 1, ERANGE if n exceeds TotalVFs or a VF would lie
     *                     beyond bus 255, EBUSY if VFs are already enabled or an address is
     *                     taken, ENODEV if the function was removed
     */
    List<PciFunction> enableVfs(int n);

    /**
     * Removes the VFs (listeners get functionRemoved, last VF first), clears VF Enable and sets
     * NumVFs to 0. Does nothing when no VFs are enabled.
     */
    void disableVfs();

    /** @return the VFs enabled now, in VF order */
    List<PciFunction> vfs();
}
