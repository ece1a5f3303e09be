package org.nova.nvidia;

/**
 * How NVIDIA's functions identify themselves on PCI: the facts the GPU (its config space and
 * VBIOS) and its drivers share.
 */
public final class NvidiaPciIds {
    private NvidiaPciIds() {
    }

    /** NVIDIA's PCI vendor ID (include/linux/pci_ids.h PCI_VENDOR_ID_NVIDIA). */
    public static final int PCI_VENDOR_ID_NVIDIA = 0x10de;
}
