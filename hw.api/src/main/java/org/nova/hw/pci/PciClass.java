package org.nova.hw.pci;

/**
 * PCI class codes (base class and subclass, 16 bits) as include/linux/pci_ids.h names them, for
 * the models that present them and the ID tables that match them. The 24-bit class code of
 * config space and of an ID table entry is {@link #withProgIf}{@code (class, progIf)}.
 */
public final class PciClass {
    private PciClass() {
    }

    /** Display controller, VGA compatible (PCI_CLASS_DISPLAY_VGA). */
    public static final int PCI_CLASS_DISPLAY_VGA = 0x0300;
    /** Display controller, 3D: a GPU without display (PCI_CLASS_DISPLAY_3D). */
    public static final int PCI_CLASS_DISPLAY_3D = 0x0302;
    /** Unclassified device, the class QEMU gives its test devices (PCI_CLASS_OTHERS). */
    public static final int PCI_CLASS_OTHERS = 0x00ff;

    /** Bits of the programming interface below the class in the 24-bit class code. */
    private static final int PROG_IF_BITS = 8;
    /** Mask of the programming interface. */
    private static final int PROG_IF_MASK = 0xff;

    /**
     * @param pciClass a 16-bit class code of this table
     * @param progIf   the programming interface, 0..255
     * @return the 24-bit class code, as config space holds it at PCI_CLASS_PROG and the kernel's
     *         {@code pci_dev.class} holds it
     */
    public static int withProgIf(int pciClass, int progIf) {
        return pciClass << PROG_IF_BITS | progIf & PROG_IF_MASK;
    }
}
