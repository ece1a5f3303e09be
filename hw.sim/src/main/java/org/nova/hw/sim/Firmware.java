package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_INTERRUPT_LINE;
import static org.nova.hw.pci.PciRegs.PCI_INTERRUPT_PIN;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciRegs;

/**
 * The platform firmware's part in PCI: it assigns each BAR an address in the bridge's windows,
 * naturally aligned (as SeaBIOS src/fw/pciinit.c pci_bios_map_devices does; PCI Local Bus Spec
 * 3.0, 6.2.5.1: a BAR decodes a naturally aligned range of its size), 64-bit prefetchable BARs in
 * the 64-bit window, and the interrupt line of a function with an interrupt pin. When a function
 * is removed its ranges go back to their windows for later functions, as drivers/pci/remove.c
 * pci_destroy_dev → pci_free_resources releases each BAR's resource (kernel/resource.c
 * release_resource).
 *
 * <p>Thread-safe: every method is synchronized; the assignments of a function are owned here
 * from {@link #assign} to {@link #release}.
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

    /** One range handed out: the window and the start of the range in it. */
    private record Assigned(ResourceWindow window, long start) {
    }

    private final ResourceWindow mem32 = new ResourceWindow("32-bit memory", MEM32_BASE, MEM32_LIMIT);
    private final ResourceWindow mem64 = new ResourceWindow("64-bit prefetchable memory", MEM64_BASE, MEM64_LIMIT);
    private final ResourceWindow io = new ResourceWindow("I/O", IO_BASE, IO_LIMIT);
    /** The ranges each assigned function holds. */
    private final Map<SimulatedFunction, List<Assigned>> assigned = new IdentityHashMap<>();

    /**
     * Assigns the BARs, ROM, VF BARs and interrupt line of a physical function. All or nothing:
     * on failure the ranges taken for earlier BARs of the function are free again.
     *
     * @throws HwException ENOSPC naming the BAR, its size and the window when a window has no free
     *                     naturally aligned range for it; EEXIST if the function is assigned already
     */
    synchronized void assign(SimulatedFunction f) {
        if (assigned.containsKey(f)) {
            throw new HwException(HwException.EEXIST, f.address() + ": BARs already assigned");
        }
        ConfigSpace config = f.config();
        List<Assigned> taken = new ArrayList<>();
        try {
            for (int i = 0; i <= RegionInfo.ROM_INDEX; i++) {
                BarSpec bar = config.bar(i);
                if (bar != null) {
                    config.assignBar(i, allocate(bar, bar.size(), barName(bar), f, taken));
                }
            }
            if (config.sriovCap() != 0) {
                int total = config.get16(config.sriovCap() + PciRegs.PCI_SRIOV_TOTAL_VF);
                for (int i = 0; i < PciRegs.PCI_SRIOV_NUM_BARS; i++) {
                    BarSpec bar = config.vfBar(i);
                    if (bar != null) {
                        // The VF BAR region holds TotalVFs BARs back to back (PCI SR-IOV spec 1.1, 2.1.1.1).
                        config.assignVfBar(i, allocate(bar, bar.size() * total, "VF BAR" + i + " (" + total
                                + " VFs)", f, taken));
                    }
                }
            }
        } catch (HwException e) {
            taken.forEach(a -> a.window().release(a.start()));
            throw e;
        }
        assigned.put(f, taken);
        int pin = config.get8(PCI_INTERRUPT_PIN);
        if (pin != 0) {
            // Swizzle by slot (PCI-to-PCI Bridge Architecture Spec 1.2, 9.1), as SeaBIOS does.
            config.set8(PCI_INTERRUPT_LINE, PCI_IRQS[(pin - 1 + f.address().device()) % PCI_NUM_PINS]);
        }
    }

    /** Gives a removed function's ranges back to their windows; a function holding none is ignored. */
    synchronized void release(SimulatedFunction f) {
        List<Assigned> ranges = assigned.remove(f);
        if (ranges != null) {
            ranges.forEach(a -> a.window().release(a.start()));
        }
    }

    /** @return the bytes of each window handed out now, by window name (for tests and leak checks) */
    synchronized Map<String, Long> used() {
        return Map.of(mem32.name(), mem32.used(), mem64.name(), mem64.used(), io.name(), io.used());
    }

    private static String barName(BarSpec bar) {
        return bar.kind() == BarSpec.Kind.ROM ? "expansion ROM" : "BAR" + bar.index();
    }

    private long allocate(BarSpec bar, long length, String what, SimulatedFunction f, List<Assigned> taken) {
        ResourceWindow w = switch (bar.kind()) {
            case IO -> io;
            // Non-prefetchable BARs must sit in the 32-bit window behind bridges (PCI-to-PCI Bridge Spec 1.2, 4.4).
            case MEM64 -> bar.prefetchable() ? mem64 : mem32;
            default -> mem32;
        };
        long start = w.allocate(bar.size(), length);
        if (start < 0) {
            throw new HwException(HwException.ENOSPC, f.address() + ": " + what + " (" + bar.kind() + ", "
                    + length + " bytes) does not fit: the " + w.name() + " window 0x" + Long.toHexString(w.base())
                    + "-0x" + Long.toHexString(w.limit() - 1) + " has no free range of that size at its natural alignment");
        }
        taken.add(new Assigned(w, start));
        return start;
    }
}
