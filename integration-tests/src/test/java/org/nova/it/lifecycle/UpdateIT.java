package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Test;
import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * {@code update ID} on the exported launcher's bundles (issue 14, item 9). Before, Gogo's update
 * failed for every project bundle with "MalformedURLException: no protocol: jar/…jar" (the
 * launcher installs them from inside its jar) and reported success. Now the runtime's own
 * {@code update} replaces a bundle from its module's build output and refreshes it: the driver
 * unregisters, its device unbinds on the old code and binds again on the new code; and it refuses,
 * with a non-zero exit and nothing changed, what it cannot do.
 */
@Category(SeparateProcess.class)
public class UpdateIT {
    /** lb's row: "   40|Active     |   10|Nova samples: ...". */
    private static final Pattern LB_ROW = Pattern.compile("^\\s*(\\d+)\\|Active\\s*\\|.*");

    private static Path work(String name) {
        return NovaOptions.target().resolve("lifecycle/update/" + name);
    }

    private static String home() {
        return "nova.home=" + NovaProcess.repo();
    }

    /** @return the id the launcher gives the bundle (the same at every start of the same jar) */
    private static long id(String bsn) throws Exception {
        List<String> out = NovaProcess.runBatch("nova.jar", work("lb-" + bsn), "lb " + bsn, home());
        for (String l : out) {
            Matcher m = LB_ROW.matcher(l);
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("lb " + bsn + " listed no active bundle:\n" + String.join("\n", out));
    }

    @Test
    public void aDriverBundleIsReplacedFromItsBuildAndItsDeviceRebinds() throws Exception {
        long samples = id("samples");
        List<String> out = NovaProcess.runBatch("nova.jar", work("samples"),
                "update " + samples + "; drv:devices pci; dmesg edu_sample", home());
        String text = String.join("\n", out);
        assertTrue(text, text.contains("updated samples (bundle " + samples + ") from "
                + NovaProcess.repo().resolve("samples/target")));
        assertTrue(text, out.stream().anyMatch(l -> l.matches("^pci\\s+0000:00:03\\.0\\s+edu_sample\\s+bound.*")));
        int unregistered = indexOf(out, "pci driver edu_sample unregistered");
        assertTrue("the old driver left:\n" + text, unregistered >= 0);
        List<String> after = out.subList(unregistered, out.size());
        assertTrue("the device bound again on the new code:\n" + text,
                after.stream().anyMatch(l -> l.contains("0000:00:03.0: bound to edu_sample")));
        // the update's own failure before the fix; Gogo's runtime may still print its own
        // NullPointerException while the framework stops (its session map's weak keys), not this
        assertFalse(text, text.contains("MalformedURLException"));
        assertFalse(text, out.stream().anyMatch(l -> l.startsWith("nova: ")));
    }

    @Test
    public void whatCannotBeUpdatedIsRefusedAndNothingChanges() throws Exception {
        long drm = id("nova.drm");
        refused("in-use", "update " + drm, "nova: EBUSY: nova.drm is in use by runtime");
        refused("no-bundle", "update 999", "nova: ENOENT: no bundle 999");
        refused("not-a-url", "update " + drm + " notaurl", "nova: EINVAL: 'notaurl' is not a URL");
        refused("framework", "update 0", "nova: EINVAL: bundle 0 is the framework");
        refused("usage", "update a b c", "nova: EINVAL: usage: gogo:update ID [URL]");
    }

    private static void refused(String name, String command, String message) throws Exception {
        try (RuntimeProcess p = RuntimeProcess.start(work(name), command + "; echo not-reached", home())) {
            assertEquals(p.text(), 1, p.awaitExit());
            assertTrue(p.text(), p.output().stream().anyMatch(l -> l.startsWith(message)));
            assertFalse(p.text(), p.text().contains("not-reached"));
        }
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
