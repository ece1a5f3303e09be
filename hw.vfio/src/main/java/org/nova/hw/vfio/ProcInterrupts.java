package org.nova.hw.vfio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The host IRQs vfio-pci holds for user space, counted from the kernel's own table
 * (/proc/interrupts, kernel/irq/proc.c show_interrupts: one line per IRQ, its actions' names
 * last) by the names vfio_pci_intrs.c gives them: {@code vfio-intx(BDF)},
 * {@code vfio-msi[N](BDF)} and {@code vfio-msix[N](BDF)}. {@code vfio:status} prints it beside
 * the backend's own count, so an interrupt left enabled after its set was closed shows.
 *
 * @param intx INTx lines requested (vfio_intx_enable)
 * @param msi  MSI vectors with an eventfd (vfio_msi_set_vector_signal)
 * @param msix MSI-X vectors with an eventfd
 */
record ProcInterrupts(int intx, int msi, int msix) {
    /** The kernel's IRQ table (proc(5)). */
    private static final Path PROC_INTERRUPTS = Path.of("/proc/interrupts");
    /** The name vfio-pci requests an INTx line under ("vfio-intx(%s)"). */
    private static final String INTX = "vfio-intx(";
    /** The name of an MSI vector ("vfio-msi[%d](%s)"). */
    private static final String MSI = "vfio-msi[";
    /** The name of an MSI-X vector ("vfio-msix[%d](%s)"). */
    private static final String MSIX = "vfio-msix[";
    /** What {@link #take()} answers when /proc cannot be read. */
    static final ProcInterrupts UNKNOWN = new ProcInterrupts(-1, -1, -1);

    /** @return the counts now, or {@link #UNKNOWN} */
    static ProcInterrupts take() {
        try {
            return count(Files.readAllLines(PROC_INTERRUPTS));
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    /** @return the counts in the lines of /proc/interrupts */
    static ProcInterrupts count(List<String> lines) {
        int intx = 0;
        int msi = 0;
        int msix = 0;
        for (String l : lines) {
            intx += occurrences(l, INTX);
            msi += occurrences(l, MSI);
            msix += occurrences(l, MSIX);
        }
        return new ProcInterrupts(intx, msi, msix);
    }

    private static int occurrences(String line, String name) {
        int n = 0;
        for (int at = line.indexOf(name); at >= 0; at = line.indexOf(name, at + name.length())) {
            n++;
        }
        return n;
    }
}
