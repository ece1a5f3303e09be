package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;

/**
 * The PCI Express capability of an endpoint (PCIe Base Spec 7.5.3), as QEMU's hw/pci/pcie.c lays
 * it out for a x1 2.5 GT/s link ({@link #add}), and Function Level Reset through it: a write that
 * sets Initiate Function Level Reset in Device Control starts an FLR (PCIe Base Spec 6.6.2), which
 * drivers/pci/pci.c pcie_flr triggers.
 *
 * <p>Its state is config space; guarded by the function's lock.
 */
final class ExpressCapability {
    private final ConfigSpace config;
    private final int cap;

    /**
     * Lays out a PCI Express capability v2 of an endpoint on a x1 2.5 GT/s link.
     *
     * @param flr whether the function advertises and implements Function Level Reset
     */
    static void add(ConfigSpaceBuilder b, boolean flr) {
        int cap = b.addCap(PCI_CAP_ID_EXP, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
        b.put16(cap + PCI_EXP_FLAGS, PCI_EXP_FLAGS_VERS_2 | PCI_EXP_TYPE_ENDPOINT << PCI_EXP_FLAGS_TYPE_SHIFT);
        b.put32(cap + PCI_EXP_DEVCAP, flr ? PCI_EXP_DEVCAP_FLR : 0);
        b.put16(cap + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ_512B);
        b.mask16(cap + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE
                | PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD
                | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0));
        b.w1c16(cap + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED
                | PCI_EXP_DEVSTA_URD);
        b.put32(cap + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | PCI_EXP_LNKCAP_MLW_X1);
        b.put16(cap + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1);
    }

    /** @param cap the capability's offset */
    ExpressCapability(ConfigSpace config, int cap) {
        this.config = config;
        this.cap = cap;
    }

    /**
     * After a software write: whether it initiated an FLR. Initiate FLR reads as zero (PCIe Base
     * Spec 7.5.3.4); the caller resets the function once the write is done.
     */
    boolean flrInitiated(int offset, int width) {
        if (!ConfigSpace.overlaps(offset, width, cap + PCI_EXP_DEVCTL, Short.BYTES)) {
            return false;
        }
        int devctl = config.get16(cap + PCI_EXP_DEVCTL);
        if ((devctl & PCI_EXP_DEVCTL_BCR_FLR) == 0) {
            return false;
        }
        config.set16(cap + PCI_EXP_DEVCTL, devctl & ~PCI_EXP_DEVCTL_BCR_FLR);
        return true;
    }
}
