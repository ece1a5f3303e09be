package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The start levels of a batch run ({@code ./nova -c}) against the runtime's bundles: the script
 * raises the framework to a level below the web page's bundles only (the Web Console and Jetty stay
 * down, since a batch run serves no page) and at or above every other bundle's, and bundles installed
 * while it runs get a level it reaches. The two files state the numbers; this test keeps them in step.
 */
class RuntimeLevelsTest {
    /** The bundles of the web page (Felix's Web Console and its HTTP service), and nothing else, stay down. */
    private static final Set<String> WEB_PAGE = Set.of("org.apache.felix.webconsole", "org.apache.felix.http.jetty12");

    private static final Pattern RUN_BUNDLE = Pattern.compile("^\\s*([\\w.-]+);version='[^']*';startlevel=(\\d+)", Pattern.MULTILINE);
    private static final Pattern BATCH_LEVELS = Pattern.compile("^batch_levels=\\((.*)\\)$", Pattern.MULTILINE);

    @Test
    void aBatchRunStartsEveryBundleButTheWebPagesAndWhatItInstallsLater() throws IOException {
        Map<String, Integer> levels = runBundleLevels();
        assertTrue(levels.keySet().containsAll(WEB_PAGE), "nova.bndrun runs " + levels.keySet());

        Map<String, String> batch = batchProperties();
        int beginning = Integer.parseInt(batch.get("org.osgi.framework.startlevel.beginning"));
        int installed = Integer.parseInt(batch.get("launch.startlevel.default"));

        Set<String> down = new TreeSet<>();
        levels.forEach((bsn, level) -> {
            if (level > beginning) {
                down.add(bsn);
            }
        });
        assertEquals(new TreeSet<>(WEB_PAGE), down, "bundles a batch run (beginning level " + beginning + ") leaves down");
        assertTrue(installed <= beginning,
                "bundles installed during a batch run get level " + installed + ", above the framework's " + beginning);
    }

    @Test
    void askingForTheWebServerKeepsTheWebPagesBundles() throws IOException {
        String script = Files.readString(checkout().resolve("nova"));
        assertTrue(script.contains("*\" -Dnova.web.server=true \"*) batch_levels=() ;;"),
                "./nova must not lower the start level when NOVA_OPTS asks for the web server");
    }

    /** @return each run bundle's start level, from the resolved -runbundles of runtime/nova.bndrun */
    private static Map<String, Integer> runBundleLevels() throws IOException {
        String bndrun = Files.readString(checkout().resolve("runtime/nova.bndrun"));
        int at = bndrun.indexOf("\n-runbundles:");
        assertTrue(at >= 0, "nova.bndrun has no resolved -runbundles");
        Map<String, Integer> levels = new TreeMap<>();
        Matcher m = RUN_BUNDLE.matcher(bndrun.substring(at + 1));
        while (m.find()) {
            levels.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        assertFalse(levels.isEmpty(), "no startlevel=N in nova.bndrun's -runbundles");
        return levels;
    }

    /** @return the -Dname=value pairs of the script's batch_levels */
    private static Map<String, String> batchProperties() throws IOException {
        Matcher m = BATCH_LEVELS.matcher(Files.readString(checkout().resolve("nova")));
        assertTrue(m.find(), "./nova has no batch_levels=(...) line");
        Map<String, String> props = new TreeMap<>();
        for (String word : m.group(1).trim().split("\\s+")) {
            assertTrue(word.startsWith("-D") && word.contains("="), "not a -Dname=value: " + word);
            props.put(word.substring(2, word.indexOf('=')), word.substring(word.indexOf('=') + 1));
        }
        return props;
    }

    /** @return the checkout's root: the tests run in the runtime module's directory */
    private static Path checkout() {
        Path module = Path.of("").toAbsolutePath();
        return Files.isRegularFile(module.resolve("nova")) ? module : module.getParent();
    }
}
