package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import static org.nova.hw.pci.PciRegs.PCI_INTERRUPT_LINE;
import static org.nova.hw.pci.PciRegs.PCI_INTERRUPT_PIN;

import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;

/**
 * The platform firmware's part in PCI: it assigns each BAR an address in the bridge's windows,
 * naturally aligned (as SeaBIOS src/fw/pciinit.c pci_bios_map_devices does), and the interrupt
 * line of a function with an interrupt pin. Addresses are handed out once and not reused.
 */
final class Firmware {
    /** 32-bit memory window start: below 4 GiB, above RAM (this platform's layout). */
    static final long MEM32_BASE = 0xc000_0000L;
    /** 32-bit memory window end (exclusive): the x86 IOAPIC sits at 0xfec00000. */
    static final long MEM32_LIMIT = 0xfec0_0000L;
    /** 64-bit prefetchable window start: 512 GiB (this platform's layout). */
    static final long MEM64_BASE = 0x80_0000_0000L;
    /** 64-bit prefetchable window end (exclusive): 1 TiB. */
    static final long MEM64_LIMIT = 0x100_0000_0000L;
    /** I/O window start (SeaBIOS starts PCI I/O at 0xc000). */
    static final long IO_BASE = 0xc000;
    /** I/O window end (exclusive): x86 port space is 64 KiB. */
    static final long IO_LIMIT = 0x1_0000;
    /** Legacy IRQs INTA#..INTD# route to (SeaBIOS src/fw/pciinit.c pci_irqs). */
    private static final int[] PCI_IRQS = {10, 10, 11, 11};
    /** Pins per slot (INTA#..INTD#). */
    private static final int PCI_NUM_PINS = 4;

    /** One address window, handed out upwards. */
    private static final class Window {
        private final String name;
        private final long limit;
        private long next;

        Window(String name, long base, long limit) {
            this.name = name;
            this.next = base;
            this.limit = limit;
        }

        /** @return a base aligned to align with length bytes free above it */
        long take(long align, long length, SimulatedFunction f) {
            long base = (next + align - 1) & -align;
            if (base < next || base + length > limit || base + length < base) {
                throw new HwException(HwException.ENOMEM, f.address() + ": the " + name
                        + " window has no room for " + length + " bytes");
            }
            next = base + length;
            return base;
        }
    }

    private final Window mem32 = new Window("32-bit memory", MEM32_BASE, MEM32_LIMIT);
    private final Window mem64 = new Window("64-bit prefetchable memory", MEM64_BASE, MEM64_LIMIT);
    private final Window io = new Window("I/O", IO_BASE, IO_LIMIT);

    /**
     * Assigns the BARs, ROM, VF BARs and interrupt line of a physical function.
     *
     * @throws HwException ENOMEM if a window is exhausted
     */
    synchronized void assign(SimulatedFunction f) {
        ConfigSpace config = f.config();
        for (int i = 0; i <= RegionInfo.ROM_INDEX; i++) {
            BarSpec bar = config.bar(i);
            if (bar != null) {
                config.assignBar(i, allocate(bar, bar.size(), f));
            }
        }
        if (config.sriovCap() != 0) {
            int total = config.get16(config.sriovCap() + PciRegs.PCI_SRIOV_TOTAL_VF);
            for (int i = 0; i < PciRegs.PCI_SRIOV_NUM_BARS; i++) {
                BarSpec bar = config.vfBar(i);
                if (bar != null) {
                    // The VF BAR region holds TotalVFs BARs back to back (PCI SR-IOV spec 1.1, 2.1.1.1).
                    config.assignVfBar(i, allocate(bar, bar.size() * total, f));
                }
            }
        }
        int pin = config.get8(PCI_INTERRUPT_PIN);
        if (pin != 0) {
            // Swizzle by slot (PCI-to-PCI Bridge Architecture Spec 1.2, 9.1), as SeaBIOS does.
            config.set8(PCI_INTERRUPT_LINE, PCI_IRQS[(pin - 1 + f.address().device()) % PCI_NUM_PINS]);
        }
    }

    private long allocate(BarSpec bar, long length, SimulatedFunction f) {
        Window w = switch (bar.kind()) {
            case IO -> io;
            // Non-prefetchable BARs must sit in the 32-bit window behind bridges (PCI-to-PCI Bridge Spec 1.2, 4.4).
            case MEM64 -> bar.prefetchable() ? mem64 : mem32;
            default -> mem32;
        };
        return w.take(bar.size(), length, f);
    }
}
