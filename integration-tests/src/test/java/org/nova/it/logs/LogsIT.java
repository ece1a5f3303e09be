package org.nova.it.logs;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * Logs where people look (issue 13), on the runtime as {@code ./nova -c} runs it: the console shows
 * warnings and errors only, runtime/etc/logback.xml's rolling file gets everything, {@code dmesg}
 * prints the session's kernel-like log (probe, bind and unbind lines with their timings, uevents,
 * the startup summary), and {@code log:level}, {@code dmesg -n} and NOVA_LOG change what goes where.
 */
@Category(SeparateProcess.class)
public class LogsIT {
    /** A Logback console line at INFO or DEBUG (the console pattern of logback.xml). */
    private static final Pattern CONSOLE_INFO = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (INFO|DEBUG) .*");
    /** java.util.logging's own console format: "INFO: ..." after a date line (FileInstall logs there). */
    private static final Pattern JUL_INFO = Pattern.compile("^INFO: .*");
    /** A dmesg line: [seconds.micros] message. */
    private static final String STAMP = "^\\[ *\\d+\\.\\d{6}\\] ";

    private static Path work(String name) {
        return NovaProcess.repo().resolve("integration-tests/target/logs").resolve(name);
    }

    private static String text(List<String> lines) {
        return String.join("\n", lines);
    }

    private static void assertLine(String what, String regex, String text) {
        assertTrue(what + ": no line matches /" + regex + "/ in:\n" + text,
                Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find());
    }

    @Test
    public void theConsoleIsQuietTheFileHasEverythingAndDmesgTheSession() throws Exception {
        Path work = work("quiet");
        Files.deleteIfExists(NovaProcess.logFile(work));
        List<String> out = NovaProcess.runBatch("nova.jar", work, "dmesg; dmesg -x -l warn,err; drv:devices");
        String console = text(out);
        for (String l : out) {
            assertFalse("the console shows warnings and errors only, not:\n" + l + "\nin:\n" + console,
                    CONSOLE_INFO.matcher(l).matches() || JUL_INFO.matcher(l).matches());
        }
        // dmesg: the driver core's lines with timings, registrations, uevents, the summary
        assertLine("a probe with its time", STAMP + "pci 0000:00:05\\.0: bound to NovaCore, probe took [\\d.]+ (ms|us)$",
                console);
        assertLine("an auxiliary device bound", STAMP + "auxiliary NovaCore\\.nova-drm\\.\\d: bound to Nova\\.nova-drm, ",
                console);
        assertLine("a driver registration", STAMP + "pci driver NovaCore registered ", console);
        assertLine("a uevent", STAMP + "uevent \\d+ add /devices/(\\S+/)?0000:00:05\\.0 \\(pci\\)$", console);
        assertLine("a bind uevent", STAMP + "uevent \\d+ bind /devices/\\S+ \\(pci\\) DRIVER=NovaCore$", console);
        assertLine("the startup summary", STAMP + "nova: settled in [\\d.]+ s: 2 buses \\(auxiliary, pci\\), "
                + "\\d+/\\d+ devices bound, \\d+ drivers(, \\d+ deferred)?$", console);
        assertLine("the table after dmesg", "^pci +0000:00:05\\.0 +NovaCore +bound", console);

        String file = Files.readString(NovaProcess.logFile(work), StandardCharsets.UTF_8);
        assertLine("the file has the INFO lines", "^\\S+ \\S+ INFO  \\[[^]]+\\] org\\.nova\\.driver\\.internal\\.Binding - "
                + "pci 0000:00:05\\.0: bound to NovaCore, probe took ", file);
        assertLine("the file has the summary", " INFO .* nova: settled in ", file);
        assertFalse("in -c mode the summary is for the file and dmesg, not printed on the console:\n" + console,
                out.stream().anyMatch(l -> l.startsWith("nova: settled")));
    }

    @Test
    public void logLevelAndDmesgDashNChangeWhatGoesWhereAtRunTime() throws Exception {
        Path work = work("levels");
        Files.deleteIfExists(NovaProcess.logFile(work));
        List<String> out = NovaProcess.runBatch("nova.jar", work,
                "log:level org.nova debug; dmesg -n info; "
                        + "drv:unbind pci 0000:00:03.0; drv:bind pci 0000:00:03.0 edu_sample; "
                        + "log:level org.nova; log:level");
        String console = text(out);
        assertLine("log:level set", "^org\\.nova: DEBUG$", console);
        assertLine("dmesg -n", "^console level: info$", console);
        assertLine("after dmesg -n info the console shows INFO: the unbind with its devres",
                "^\\S+ INFO  o\\.n\\.d\\.internal\\.Binding - pci 0000:00:03\\.0: unbound from edu_sample, "
                        + "remove and devres release took [\\d.]+ (ms|us), [1-9]\\d* devres released$", console);
        assertFalse("DEBUG stays off a console at INFO:\n" + console,
                out.stream().anyMatch(l -> l.matches("^\\S+ DEBUG .*")));
        assertLine("log:level lists the console", "^console +INFO$", console);
        String file = Files.readString(NovaProcess.logFile(work), StandardCharsets.UTF_8);
        assertLine("the DEBUG level reached the file", " DEBUG \\[[^]]+\\] org\\.nova\\.", file);
    }

    @Test
    public void novaLogDebugStillShowsDebugOnTheConsole() throws Exception {
        Path work = work("debug");
        List<String> out = NovaProcess.runBatch("nova.jar", work, Map.of("NOVA_LOG", "debug"), "drv:buses");
        assertTrue("NOVA_LOG=debug shows debug lines on the console:\n" + text(out),
                out.stream().anyMatch(l -> l.matches("^\\S+ DEBUG .*")));
        String file = Files.readString(NovaProcess.logFile(work), StandardCharsets.UTF_8);
        assertLine("and in the file", " DEBUG \\[", file);
    }
}
