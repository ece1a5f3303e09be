package org.nova.it.qemu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.BeforeClass;
import org.junit.Test;

/**
 * The real-kernel suite: boots Debian's kernel in QEMU (q35, TCG) with edu and pci-testdev
 * behind an emulated Intel IOMMU, runs the Nova runtime in the guest with the VFIO backend (the
 * simulated platform's defaults off) and the Gogo script integration-tests/qemu/guest/suite.gosh,
 * and asserts on the console. One boot serves the whole class. If QEMU, a package or the kernel
 * is missing the class FAILS with the reason (prepare.sh installs and fetches what it needs); it is
 * never skipped.
 */
public class VfioQemuIT {
    private static final long PREPARE_TIMEOUT_S = 900;
    private static final long BOOT_TIMEOUT_S = 280;

    private static Path work;
    private static List<String> console = List.of();
    private static String text = "";
    private static long wallMs;
    private static int qemuExit;

    @BeforeClass
    public static void bootOnce() throws Exception {
        Path itDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path qemu = itDir.resolve("qemu");
        work = itDir.resolve("target/qemu");
        Files.createDirectories(work);
        Path prepLog = work.resolve("prepare.log");
        int rc = run(List.of("bash", qemu.resolve("prepare.sh").toString()), Map.of(), prepLog, PREPARE_TIMEOUT_S);
        if (rc != 0) {
            fail("integration-tests/qemu/prepare.sh failed (exit " + rc + "); the real-kernel suite cannot run:\n"
                    + tail(prepLog, 30));
        }
        Path consoleLog = work.resolve("console.log");
        Files.deleteIfExists(consoleLog);
        Map<String, String> env = new TreeMap<>();
        env.put("LOG", consoleLog.toString());
        env.put("TIMEOUT", Long.toString(BOOT_TIMEOUT_S));
        env.put("JDK", System.getProperty("java.home"));
        env.put("JAVA_OPTS_GUEST", "-XX:TieredStopAtLevel=1,-XX:+UseSerialGC");
        long t0 = System.nanoTime();
        qemuExit = run(List.of("bash", qemu.resolve("run.sh").toString()), env, work.resolve("run.log"), BOOT_TIMEOUT_S + 30);
        wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (!Files.exists(consoleLog)) {
            fail("QEMU did not run (exit " + qemuExit + "):\n" + tail(work.resolve("run.log"), 30));
        }
        console = Files.readAllLines(consoleLog, StandardCharsets.ISO_8859_1);
        text = String.join("\n", console);
        StringBuilder fig = new StringBuilder();
        fig.append("guest boot + suite wall time: ").append(wallMs).append(" ms (QEMU exit ").append(qemuExit).append(")\n");
        for (String l : console) {
            if (l.startsWith("BENCH ")) {
                fig.append(l).append('\n');
            }
        }
        Files.writeString(work.resolve("figures.txt"), fig);
        System.out.print(fig);
    }

    private static int run(List<String> cmd, Map<String, String> env, Path log, long timeoutS) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            fail("cannot start " + cmd + ": " + e.getMessage());
            return -1;
        }
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(cmd + " did not finish within " + timeoutS + " s:\n" + tail(log, 30));
        }
        return p.exitValue();
    }

    private static String tail(Path log, int n) {
        try {
            List<String> l = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", l.subList(Math.max(0, l.size() - n), l.size()));
        } catch (IOException e) {
            return "(no " + log + ")";
        }
    }

    private static String context() {
        List<String> interesting = new ArrayList<>();
        for (String l : console) {
            if (l.startsWith("GUEST") || l.startsWith("nova:") || l.contains("ERROR") || l.startsWith("CHECK")
                    || l.startsWith("open[") || l.contains("FAIL")) {
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
    public void backendOpenedBothFunctionsWithTheType1Iommu() {
        assertConsole("IOMMU model", "VFIO group /dev/vfio/\\d+ in container fd \\d+ with IOMMU model type1v2");
        assertEquals(1, census("open", "boot", "bridges"));
        assertEquals(2, census("open", "boot", "devices"));
        assertEquals(2, census("open", "boot", "groups"));
        assertConsole("lspci edu", "^\\S+ 00ff: 1234:11e8");
        assertConsole("lspci pci-testdev", "^\\S+ 00ff: 1b36:0005");
    }

    @Test
    public void pciTestdevSampleCountsItsWrite() {
        assertConsole("rust_driver_pci probe", "rust_driver_pci \\S+: test 0 offset 0x\\p{XDigit}+ data 0x\\p{XDigit}+ data-match count [1-9]");
    }

    @Test
    public void eduSampleIdentificationLivenessFactorialMsiAndDma() {
        assertConsole("identification", "^PASS identification: 0x010000ed");
        assertConsole("liveness", "^PASS liveness: ");
        assertConsole("factorial with the MSI completion interrupt", "^PASS factorial.*");
        assertConsole("DMA round trip", "^PASS dma: \\d+ bytes RAM -> edu -> RAM at iova 0x\\p{XDigit}+, identical");
        assertTrue("a sample check failed" + context(), !Pattern.compile("^FAIL ", Pattern.MULTILINE).matcher(text).find());
    }

    @Test
    public void dmaToAnUnmappedIovaIsBlockedAndTheGuestLogsTheFault() {
        int begin = console.indexOf("GUEST dmesg-begin");
        int end = console.indexOf("GUEST dmesg-end");
        assertTrue("no dmesg in the console" + context(), begin >= 0 && end > begin);
        boolean fault = console.subList(begin, end).stream().anyMatch(l -> l.contains("DMAR") && l.contains("fault"));
        assertTrue("the guest kernel logged no DMAR fault:\n" + String.join("\n", console.subList(begin, end)), fault);
        assertConsole("backend self-check: device write into a device-read-only buffer blocked", "^CHECK edu.dma.readonly.blocked PASS");
        assertConsole("backend self-check: device write to an unmapped IOVA", "^CHECK edu.dma.unmapped.blocked PASS");
    }

    @Test
    public void backendSelfChecksPass() {
        assertConsole("vfio:testdev (BAR0 mmap, BAR1 I/O through pread/pwrite)", "^CHECKS testdev \\S+ PASS");
        assertConsole("vfio:edu (MSI, INTx with unmask, DMA, fds released)", "^CHECKS edu \\S+ PASS");
    }

    @Test
    public void driverUnbindReleasesEveryMappingAndFd() {
        assertEquals("mappings after unbinding the sample drivers", 0, census("open", "drivers-unbound", "mappings"));
        assertEquals("DMA maps after unbinding", 0, census("open", "drivers-unbound", "dmamaps"));
        assertEquals("IRQ eventfds: only the poller's and the request interrupts", 3, census("open", "drivers-unbound", "irqfds"));
        assertEquals("eventfds in /proc/self/fd at boot: the backend's (the edu sample's MSI included)",
                census("open", "boot", "irqfds"), census("proc-fds", "boot", "eventfd"));
        assertEquals("eventfds in /proc/self/fd after unbinding: the MSI eventfd closed",
                census("open", "drivers-unbound", "irqfds"), census("proc-fds", "drivers-unbound", "eventfd"));
        assertEquals("vfio fds in /proc/self/fd", census("proc-fds", "boot", "vfio"), census("proc-fds", "drivers-unbound", "vfio"));
        assertEquals("VFIO device fds", 2, census("proc-fds", "drivers-unbound", "vfio-device"));
        assertEquals(0, census("open", "after-selfchecks", "mappings"));
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
        assertEquals(1, census("open", "kernel-unbound", "devices"));
        assertEquals(1, census("open", "kernel-unbound", "groups"));
        assertEquals("/dev/vfio fds: container + group of edu only", 2, census("proc-fds", "kernel-unbound", "vfio"));
        assertEquals("VFIO device fds: edu only", 1, census("proc-fds", "kernel-unbound", "vfio-device"));
        assertEquals(2, census("open", "kernel-rebound", "devices"));
        assertEquals("/dev/vfio fds after the kernel rebind and rescan", 4, census("proc-fds", "kernel-rebound", "vfio"));
        assertEquals("VFIO device fds after the rebind", 2, census("proc-fds", "kernel-rebound", "vfio-device"));
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
        assertEquals(2, census("open", "switch-vfio-on", "devices"));
        assertConsole("the simulated devices were awaited before use", "^await: 0000:00:03.0 present in bridge sim0 \\(sim\\)");
    }

    /** @return the lspci first lines between two marker lines of the console */
    private static List<String> lspciBetween(String begin, String end) {
        int b = console.indexOf(begin);
        int e = b < 0 ? -1 : console.subList(b, console.size()).indexOf(end);
        assertTrue("no " + begin + " ... " + end + " in the console" + context(), b >= 0 && e > 0);
        return console.subList(b + 1, b + e).stream().filter(l -> LSPCI_LINE.matcher(l).matches()).toList();
    }

    private static final Pattern LSPCI_LINE = Pattern.compile("^(\\p{XDigit}{4}:)?\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7] .*");

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

    @Test
    public void benchmarkFiguresReported() {
        assertConsole("mmio read32 figure", "^BENCH mmio.read32 [0-9.]+ ns/op");
        assertConsole("pread read32 figure", "^BENCH pread.read32 [0-9.]+ ns/op");
        assertConsole("ratio", "^BENCH ratio ");
    }
}
