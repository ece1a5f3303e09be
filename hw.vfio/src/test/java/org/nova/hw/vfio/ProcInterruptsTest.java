package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Counting vfio-pci's IRQs in /proc/interrupts lines as kernel/irq/proc.c prints them. */
class ProcInterruptsTest {

    @Test
    void countsEachVfioActionByKind() {
        List<String> lines = List.of(
                "           CPU0       CPU1       ",
                "  0:         45          0   IO-APIC   2-edge      timer",
                " 24:          0          0  IR-PCI-MSIX-0000:00:04.0    0-edge      vfio-msix[0](0000:00:04.0)",
                " 25:        201          0  IR-PCI-MSIX-0000:00:04.0    1-edge      vfio-msix[1](0000:00:04.0)",
                " 26:          3          0  IR-PCI-MSI-0000:00:03.0    0-edge      vfio-msi[0](0000:00:03.0)",
                " 11:          2          0  IR-IO-APIC  11-fasteoi   virtio0, vfio-intx(0000:00:02.0)",
                "NMI:          0          0   Non-maskable interrupts");
        assertEquals(new ProcInterrupts(1, 1, 2), ProcInterrupts.count(lines));
    }

    @Test
    void noVfioIrqsCountsZero() {
        assertEquals(new ProcInterrupts(0, 0, 0), ProcInterrupts.count(List.of("  0:  45  IO-APIC 2-edge timer")));
    }
}
