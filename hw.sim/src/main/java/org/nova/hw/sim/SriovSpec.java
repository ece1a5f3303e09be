package org.nova.hw.sim;

import java.util.List;
import org.nova.hw.pci.PciRegs;

/**
 * The fields of an SR-IOV capability a device model declares (PCI SR-IOV spec 1.1, 3.3), laid out
 * by {@link SriovState#add}.
 *
 * @param totalVfs      TotalVFs (InitialVFs equals it: VF migration is not modelled, PCI
 *                      SR-IOV spec 1.1, 3.3.6)
 * @param firstVfOffset First VF Offset (routing ID distance from the PF to VF 1)
 * @param vfStride      VF Stride (routing ID distance between VFs)
 * @param vfDeviceId    VF Device ID
 * @param vfBars        the per-VF BARs
 */
record SriovSpec(int totalVfs, int firstVfOffset, int vfStride, int vfDeviceId, List<BarSpec> vfBars) {
    /** Validates the counts. */
    SriovSpec {
        if (totalVfs < 1 || totalVfs > PciRegs.PCI_ID_ABSENT || firstVfOffset < 1
                || (vfStride < 1 && totalVfs > 1)) {
            throw new IllegalArgumentException("inconsistent SR-IOV capability: total " + totalVfs
                    + ", offset " + firstVfOffset + ", stride " + vfStride);
        }
        vfBars = List.copyOf(vfBars);
    }
}
