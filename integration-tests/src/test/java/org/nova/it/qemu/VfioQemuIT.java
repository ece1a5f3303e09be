package org.nova.it.qemu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The real-kernel suite: boots Debian's kernel in QEMU (q35, TCG) with edu, pci-testdev and
 * e1000e (the MSI-X device) behind an emulated Intel IOMMU, runs the Nova runtime in the guest with the VFIO backend (the
 * simulated platform's defaults off) and the Gogo script integration-tests/qemu/guest/suite.gosh,
 * then the JMH benchmark VfioMmioBench (from benchmarks/target/benchmarks.jar, which the build
 * packages before this module's tests run), and asserts on the console. One boot serves the whole class. If QEMU, a package or the kernel
 * is missing the class FAILS with the reason (prepare.sh installs and fetches what it needs); it is
 * never skipped.
 */
@Category(SeparateProcess.class)
public class VfioQemuIT {
    /** The guest boots, runs the suite and the benchmark in 2-3 minutes on an idle machine; a busy one needs more. */
    private static final long BOOT_TIMEOUT_S = 420;

    private static Path work;
    private static List<String> console = List.of();
    private static String text = "";
    private static long wallMs;
    private static int qemuExit;

    @BeforeClass
    public static void bootOnce() throws Exception {
        Map<String, String> env = new TreeMap<>();
        env.put("JMH", "1");
        // in the guest's one JVM, with the runtime's options: under TCG every JVM start and C2
        // compilation costs tens of seconds, and the figures of an emulated CPU are no performance data
        env.put("JMH_ARGS", "-f,0,-wi,1,-i,3");
        QemuGuest guest = QemuGuest.boot("qemu", env, BOOT_TIMEOUT_S);
        work = guest.work();
        qemuExit = guest.exit();
        wallMs = guest.wallMs();
        console = guest.console();
        text = guest.text();
        StringBuilder fig = new StringBuilder();
        fig.append("guest boot + suite wall time: ").append(wallMs).append(" ms (QEMU exit ").append(qemuExit).append(")\n");
        Map<String, Double> scores = jmhScores();
        scores.forEach((name, score) -> fig.append(String.format("VfioMmioBench.%s %.1f ns/op%n", name, score)));
        if (scores.containsKey(MMIO) && scores.containsKey(PREAD)) {
            fig.append(String.format("ratio pread/mmio.read32 %.1f%n", scores.get(PREAD) / scores.get(MMIO)));
        }
        Matcher latency = MSIX_LATENCY.matcher(text);
        if (latency.find()) {
            fig.append("MSI-X interrupt latency (e1000e ICS write -> handler, in the TCG guest): median ")
                    .append(latency.group(1)).append(" us over ").append(latency.group(2)).append(" interrupts\n");
        }
        Files.writeString(work.resolve("figures.txt"), fig);
        System.out.print(fig);
    }

    private static String context() {
        List<String> interesting = new ArrayList<>();
        for (String l : console) {
            if (l.startsWith("GUEST") || l.startsWith("nova:") || l.contains("ERROR") || l.startsWith("PASS")
                    || l.startsWith("open[") || l.startsWith("host-irqs[") || l.contains("FAIL") || l.startsWith("JMH")
                    || l.startsWith("    irq ") || l.startsWith("    region caps") || l.startsWith("    mapping ")) {
                interesting.add(l);
            }
        }
        return "\n--- console (target/qemu/console.log), selected lines ---\n" + String.join("\n", interesting);
    }

    private static void assertConsole(String what, String regex) {
        assertTrue(what + ": no console line matches /" + regex + "/" + context(),
                Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find());
    }

    /** @return the value of key in the line "open[label]: ..." or "proc-fds[label]: ..." */
    private static int census(String prefix, String label, String key) {
        Matcher m = Pattern.compile("^" + Pattern.quote(prefix + "[" + label + "]:") + ".*[ :]" + Pattern.quote(key) + "=(\\d+)", Pattern.MULTILINE)
                .matcher(text);
        assertTrue("no " + prefix + "[" + label + "] line with " + key + context(), m.find());
        return Integer.parseInt(m.group(1));
    }

    @Test
    public void guestRanTheWholeSuite() {
        // (SeaBIOS's screen reset precedes it on the same console line)
        assertConsole("guest init started", "GUEST init uptime=");
        assertConsole("edu and pci-testdev bound to vfio-pci", "^GUEST bound \\S+ driver=vfio-pci iommu_group=\\d+");
        assertEquals("QEMU exit status (124 = timeout)" + context(), 0, qemuExit);
        assertConsole("the runtime ran every command of suite.gosh and exited 0", "^GUEST NOVA_EXIT=0 ");
    }

    @Test
    public void backendOpenedEveryFunctionWithTheType1Iommu() {
        assertConsole("IOMMU model", "VFIO group /dev/vfio/\\d+ in container fd \\d+ with IOMMU model type1v2");
        assertEquals(1, census("open", "boot", "bridges"));
        assertEquals(3, census("open", "boot", "devices"));
        assertEquals(3, census("open", "boot", "groups"));
        assertConsole("lspci edu", "^\\S+ 00ff: 1234:11e8");
        assertConsole("lspci pci-testdev", "^\\S+ 00ff: 1b36:0005");
        assertConsole("lspci e1000e", "^\\S+ 0200: 8086:10d3");
    }

    /** "PASS msix-latency: median 123 us over 200 interrupts": the median and the count. */
    private static final Pattern MSIX_LATENCY = Pattern.compile("^PASS msix-latency: median (\\d+) us over (\\d+) interrupts",
            Pattern.MULTILINE);

    /**
     * MSI-X through VFIO: vfio-pci enabled five vectors (SET_IRQS with one eventfd each, the kernel
     * setting MSI-X Enable), each cause raised through e1000e's ICS arrives on the vector IVAR names
     * and on no other, a masked vector holds its interrupt in the PBA until it is unmasked, and the
     * latency of at least 100 interrupts is reported.
     */
    @Test
    public void e1000eMsixRoutingMaskingAndLatency() {
        assertConsole("the kernel enabled MSI-X with five vectors", "^PASS msix-capability: Message Control 0x\\p{XDigit}+:"
                + " MSI-X enabled, table size 5; 5 MSIX vectors allocated$");
        assertConsole("each cause on its IVAR vector only", "^PASS msix-routing: 4 causes raised through ICS, each on its IVAR"
                + " vector only: RXQ0->2 RXQ1->0 TXQ0->4 TXQ1->1; \\d+ repeated on the right vector$");
        assertConsole("a masked vector held in the PBA, delivered at unmask", "^PASS msix-mask: RXQ0 raised while vector 2 was"
                + " masked: held, PBA 0x4; TXQ1 meanwhile on vector 1; after unmask delivered on vector 2, PBA 0x0, counts"
                + " \\[0, [1-9], [1-9], 0, 0\\]$");
        Matcher m = MSIX_LATENCY.matcher(text);
        assertTrue("no msix-latency line" + context(), m.find());
        assertTrue("at least 100 interrupts timed", Integer.parseInt(m.group(2)) >= 100);
        assertConsole("the driver's MSI-X set in vfio:status", "^    irq MSIX x5 eventfds \\[[0-9, ]+\\], delivered \\d+$");
    }

    /**
     * The MSI-X BAR's region info carries a capability chain (asked for again with the argsz the
     * kernel wants): vfio-pci since Linux 4.16 says MSIX_MAPPABLE there instead of a sparse map
     * around the table, so the whole BAR is mmap'd, the PBA read through it.
     */
    @Test
    public void msixBarCapabilityChainReadAndTheBarMapped() {
        assertConsole("e1000e's BAR3 region caps", "^    region caps BAR3 msix-mappable$");
        assertConsole("the PBA's BAR mapped whole with mmap", "^    mapping region 3 16384 bytes mmap@0x\\p{XDigit}+, caps msix-mappable$");
    }

    /** Unbinding the driver closes the five eventfds and vfio-pci frees its five host IRQs. */
    @Test
    public void e1000eUnbindReleasesTheVectors() {
        assertEquals("vfio-msix IRQs while the e1000e sample is bound", 5, census("host-irqs", "after-selfchecks", "vfio-msix"));
        assertEquals("vfio-msix IRQs after unbinding", 0, census("host-irqs", "drivers-unbound", "vfio-msix"));
        assertEquals("edu's MSI IRQ after unbinding", 0, census("host-irqs", "drivers-unbound", "vfio-msi"));
        assertEquals("eventfds: the e1000e's five and edu's MSI one closed at unbind",
                census("proc-fds", "after-selfchecks", "eventfd") - 6, census("proc-fds", "drivers-unbound", "eventfd"));
    }

    @Test
    public void pciTestdevSampleCountsItsWrite() {
        assertConsole("rust_driver_pci probe", "rust_driver_pci \\S+: test 0 offset 0x\\p{XDigit}+ data 0x\\p{XDigit}+ data-match count [1-9]");
    }

    @Test
    public void eduSampleIdentificationLivenessFactorialMsiAndDma() {
        assertConsole("identification", "^PASS identification: 0x010000ed");
        assertConsole("liveness", "^PASS liveness: ");
        assertConsole("factorial with the MSI completion interrupt", "^PASS factorial: .*completion interrupt 0x1 on MSI$");
        assertConsole("DMA round trip", "^PASS dma: \\d+ bytes RAM -> edu -> RAM at iova 0x\\p{XDigit}+, identical");
        assertTrue("a sample check failed" + context(), !Pattern.compile("^FAIL ", Pattern.MULTILINE).matcher(text).find());
    }

    /** INTx through VFIO: automasked by the kernel when it fires, unmasked by the backend, so the second one arrives. */
    @Test
    public void eduSampleGetsIntxTwice() {
        assertConsole("INTx raised twice, both delivered", "^PASS intx: 2 of 2 interrupts raised through IRQ_RAISE arrived on"
                + " INTx; back on MSI$");
    }

    /** BAR0 through the mmap'd region, BAR1 (I/O ports) through pread/pwrite on the device fd. */
    @Test
    public void pciTestdevSampleRunsEveryTestOnBothBars() {
        assertConsole("the memory BAR's counting test, mmap'd", "^PASS mmio-no-eventfd: BAR0 memory \\(mapped\\), width 1,"
                + " offset 0x\\p{XDigit}+, data 0xfa, count 0 -> 1$");
        assertConsole("the I/O BAR's counting test, through the device fd", "^PASS portio-no-eventfd: BAR1 I/O ports"
                + " \\(register accesses\\), width 1, offset 0x\\p{XDigit}+, data 0xfa, count 0 -> 1$");
        assertConsole("the eventfd tests reported", "^INFO portio-datamatch-eventfd: BAR1 I/O ports");
    }

    /** While a driver holds edu, its BAR0 is an mmap of the device fd. */
    @Test
    public void eduBar0IsMmapped() {
        assertConsole("edu's 1 MiB BAR0 mapped with mmap", "^    mapping region 0 1048576 bytes mmap@0x\\p{XDigit}+$");
    }

    /** The self-tests took BAR1, an INTx eventfd and DMA buffers, and gave all of it back. */
    @Test
    public void selftestsGiveBackWhatTheyTook() {
        for (String key : List.of("devices", "mappings", "dmamaps", "irqfds")) {
            assertEquals("open " + key + " before and after the self-tests", census("open", "samples-bound", key),
                    census("open", "after-selfchecks", key));
        }
        for (String key : List.of("vfio", "vfio-device", "eventfd")) {
            assertEquals("/proc/self/fd " + key + " before and after the self-tests", census("proc-fds", "samples-bound", key),
                    census("proc-fds", "after-selfchecks", key));
        }
        assertEquals("DMA maps while the samples are bound (their buffers are freed after each check)", 0,
                census("open", "after-selfchecks", "dmamaps"));
    }

    @Test
    public void dmaToAnUnmappedIovaIsBlockedAndTheGuestLogsTheFault() {
        int begin = console.indexOf("GUEST dmesg-begin");
        int end = console.indexOf("GUEST dmesg-end");
        assertTrue("no dmesg in the console" + context(), begin >= 0 && end > begin);
        boolean fault = console.subList(begin, end).stream().anyMatch(l -> l.contains("DMAR") && l.contains("fault"));
        assertTrue("the guest kernel logged no DMAR fault:\n" + String.join("\n", console.subList(begin, end)), fault);
        assertConsole("the edu sample's device write into a device-read-only buffer blocked", "^PASS dma-readonly: \\d+ bytes"
                + " edu read from the read-only iova 0x\\p{XDigit}+; its write into it was blocked, the buffer is unchanged$");
        assertConsole("the edu sample's device write to an unmapped IOVA", "^PASS dma-unmapped: edu -> RAM to unmapped iova");
    }

    /**
     * dma_map_sg through VFIO: two tables of non-contiguous pages, each one IOVA range the guest's
     * emulated IOMMU really maps, fewer DMA segments than entries, edu's engine copying the one
     * into the other segment by segment, and its write into the TO_DEVICE table blocked.
     */
    @Test
    public void eduCopiesAScatterGatherTableThroughTheIommu() {
        assertConsole("the edu sample's scatter-gather round trip", "^PASS dma-sg: 16384 bytes: 3 sg entries -> 2 DMA segments"
                + " \\[0x\\p{XDigit}+\\+8192, 0x\\p{XDigit}+\\+8192\\], into 4 entries -> 2 segments \\[0x\\p{XDigit}+\\+8192,"
                + " 0x\\p{XDigit}+\\+8192\\], RAM -> edu -> RAM identical; edu's write into the TO_DEVICE table was blocked$");
    }

    @Test
    public void driverUnbindReleasesEveryMappingAndFd() {
        assertEquals("mappings after unbinding the sample drivers", 0, census("open", "drivers-unbound", "mappings"));
        assertEquals("DMA maps after unbinding", 0, census("open", "drivers-unbound", "dmamaps"));
        assertEquals("IRQ eventfds: only the poller's and the request interrupts", 4, census("open", "drivers-unbound", "irqfds"));
        assertEquals("eventfds in /proc/self/fd at boot: the backend's (the edu sample's MSI included)",
                census("open", "boot", "irqfds"), census("proc-fds", "boot", "eventfd"));
        assertEquals("eventfds in /proc/self/fd after unbinding: the MSI eventfd closed",
                census("open", "drivers-unbound", "irqfds"), census("proc-fds", "drivers-unbound", "eventfd"));
        assertEquals("vfio fds in /proc/self/fd", census("proc-fds", "boot", "vfio"), census("proc-fds", "drivers-unbound", "vfio"));
        assertEquals("VFIO device fds", 3, census("proc-fds", "drivers-unbound", "vfio-device"));
    }

    @Test
    public void driverRebindProbesAgain() {
        assertTrue("rebinding (drv:probe after drv:unbind) maps the BAR again",
                census("open", "drivers-rebound", "mappings") > 0);
    }

    @Test
    public void kernelRequestHotUnplugsAndRebindWorks() {
        assertConsole("vfio:bind reopened the function", "^vfio: \\S+ bound to vfio-pci; vfio: bridge vfio0 added \\[\\S+\\]");
        assertConsole("request interrupt", "the kernel requests the device back \\(VFIO request interrupt\\)");
        assertConsole("kernel unbind completed", "^vfio: \\S+ unbound from vfio-pci by the kernel in \\d+ ms");
        assertEquals(2, census("open", "kernel-unbound", "devices"));
        assertEquals(2, census("open", "kernel-unbound", "groups"));
        assertEquals("/dev/vfio fds: container + group of edu and of e1000e", 4, census("proc-fds", "kernel-unbound", "vfio"));
        assertEquals("VFIO device fds: edu and e1000e", 2, census("proc-fds", "kernel-unbound", "vfio-device"));
        assertEquals(3, census("open", "kernel-rebound", "devices"));
        assertEquals("/dev/vfio fds after the kernel rebind and rescan", 6, census("proc-fds", "kernel-rebound", "vfio"));
        assertEquals("VFIO device fds after the rebind", 3, census("proc-fds", "kernel-rebound", "vfio-device"));
    }

    @Test
    public void backendSwitchVfioSimVfioAtRuntime() {
        assertEquals(0, census("open", "switch-vfio-off", "bridges"));
        assertEquals(0, census("open", "switch-vfio-off", "devices"));
        assertEquals("no /dev/vfio fd left after the switch", 0, census("proc-fds", "switch-vfio-off", "vfio"));
        assertEquals("no VFIO device fd left after the switch", 0, census("proc-fds", "switch-vfio-off", "vfio-device"));
        assertEquals("no eventfd left after the switch", 0, census("proc-fds", "switch-vfio-off", "eventfd"));
        assertConsole("the simulated edu probed", "simulated bridge sim0 \\(domain 0\\) registered");
        assertEquals(1, census("open", "switch-vfio-on", "bridges"));
        assertEquals(3, census("open", "switch-vfio-on", "devices"));
        assertEquals("the e1000e sample bound again after the switch: its five MSI-X IRQs", 5,
                census("host-irqs", "switch-vfio-on", "vfio-msix"));
        assertConsole("the simulated devices were awaited before use", "^await: 0000:00:03.0 present in bridge sim0 \\(sim\\)");
    }

    /** @return the lspci first lines between two marker lines of the console */
    private static List<String> lspciBetween(String begin, String end) {
        int b = console.indexOf(begin);
        int e = b < 0 ? -1 : console.subList(b, console.size()).indexOf(end);
        assertTrue("no " + begin + " ... " + end + " in the console" + context(), b >= 0 && e > 0);
        return console.subList(b + 1, b + e).stream().filter(l -> NovaProcess.LSPCI_LINE.matcher(l).matches()).toList();
    }


    private static String guestAddress(String key) {
        Matcher m = Pattern.compile("^GUEST edu=(\\S+) testdev=(\\S+)", Pattern.MULTILINE).matcher(text);
        assertTrue("no GUEST edu=... line" + context(), m.find());
        return m.group(key.equals("edu") ? 1 : 2);
    }

    /**
     * The read-only host backend in the guest (VFIO off, the host backend switched on through
     * ConfigAdmin): its lspci -n equals pciutils' lspci -n run by the guest's init on the same
     * machine (pciutils' binary and libraries are copied into the initramfs by prepare.sh).
     */
    @Test
    public void hostBackendLspciEqualsPciutilsInTheGuest() {
        List<String> ours = lspciBetween("HOST-LSPCI-BEGIN", "HOST-LSPCI-END");
        List<String> pciutils = lspciBetween("GUEST pciutils-lspci-begin", "GUEST pciutils-lspci-end");
        assertTrue("pciutils listed the guest's functions" + context(), pciutils.size() >= 4);
        assertEquals("nova lspci -n (backend host) vs pciutils lspci -n in the guest", String.join("\n", pciutils),
                String.join("\n", ours));
    }

    /** Drivers cannot bind through the host backend: the probes fail at their first config write, leaving nothing open. */
    @Test
    public void hostBackendRefusesDriversCleanly() {
        String edu = guestAddress("edu");
        String testdev = guestAddress("testdev");
        assertConsole("the edu sample's probe refused with EROFS naming the function",
                "EROFS: " + Pattern.quote(edu) + " belongs to the host \\(backend host, read-only\\): config write");
        assertConsole("edu listed unbound", "^pci\\s+" + Pattern.quote(edu) + "\\s+-\\s+unbound");
        assertConsole("pci-testdev listed unbound", "^pci\\s+" + Pattern.quote(testdev) + "\\s+-\\s+unbound");
        assertEquals("no /dev/vfio fd while the host backend is on", 0, census("proc-fds", "host-listed", "vfio"));
        assertEquals("no eventfd while the host backend is on", 0, census("proc-fds", "host-listed", "eventfd"));
        assertEquals(0, census("proc-fds", "host-off", "vfio-device"));
    }

    /** "JMH VfioMmioBench.mmioRead32  0  0000:00:03.0  0  avgt  3  12.345 ± 1.234  ns/op": name and score. */
    private static final Pattern JMH_RESULT = Pattern.compile(
            "^JMH VfioMmioBench\\.(\\w+)\\s.*\\savgt\\s+\\d+\\s+([0-9]+\\.[0-9]+)\\s.*ns/op$");
    private static final String SEGMENT = "segmentRead32";
    private static final String MMIO = "mmioRead32";
    private static final String PREAD = "preadRead32";

    /** @return the score (ns/op) of each VfioMmioBench benchmark the guest ran */
    private static Map<String, Double> jmhScores() {
        Map<String, Double> scores = new TreeMap<>();
        for (String l : console) {
            Matcher m = JMH_RESULT.matcher(l);
            if (m.matches()) {
                scores.put(m.group(1), Double.parseDouble(m.group(2)));
            }
        }
        return scores;
    }

    /** The JMH benchmark ran on edu in the guest and reported each path (figures only: no timing is asserted). */
    @Test
    public void benchmarkFiguresReported() {
        assertConsole("JMH ran in the guest", "^GUEST jmh-end ");
        Map<String, Double> scores = jmhScores();
        assertEquals("VfioMmioBench's benchmarks in the JMH results" + context(), List.of(MMIO, PREAD, SEGMENT),
                List.copyOf(scores.keySet()));
        for (double score : scores.values()) {
            assertTrue("a positive ns/op figure: " + scores, score > 0);
        }
    }
}
