package org.nova.it.pci;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * Removing a bound simulated GPU through its configuration, on the runtime as {@code ./nova -c}
 * runs it (issue 14, item 6). Orderly (the default) is drivers/pci/remove.c
 * pci_stop_and_remove_bus_device: nova-core unbinds while the GPU still works — its unload RPC is
 * acknowledged and booter_unload tears WPR2 down — and only then is the function taken away.
 * {@code removal=surprise} is the card pulled: the function is gone before the driver hears of it,
 * and the driver's unbind meets a dead device, as the kernel's does after pci_dev_set_disconnected.
 */
@Category(SeparateProcess.class)
public class GpuRemovalIT {
    private static final String GPU = "org.nova.hw.sim.device~default-nvidia-ga102";
    private static final String SLOT = "0000:00:05.0";
    /** A warning or error on the console, or a stack frame. */
    private static final Pattern TROUBLE = Pattern.compile("^(\\S+ (WARN|ERROR) .*|\\s+at \\S+\\(.*\\)|.*Exception.*)$");
    /** The one warning a loaded machine may print before the platform settles: not about removal. */
    private static final String SLOW_START = "probing unblocked although the runtime has not settled";

    private static Path work(String name) {
        return NovaProcess.repo().resolve("integration-tests/target/gpu-removal").resolve(name);
    }

    private static String log(Path work) throws Exception {
        return Files.readString(NovaProcess.logFile(work), StandardCharsets.UTF_8);
    }

    private static int indexOf(String text, String regex) {
        var m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        return m.find() ? m.start() : -1;
    }

    @Test
    public void deletingABoundGpuUnbindsItWhileItWorksThenRemovesIt() throws Exception {
        Path work = work("orderly");
        Files.deleteIfExists(NovaProcess.logFile(work));
        List<String> out = NovaProcess.runBatch("nova.jar", work,
                "lspci -k -s 00:05.0; cm:delete " + GPU + "; lspci -s 00:05.0");
        String console = String.join("\n", out);
        assertTrue(console, console.contains("Kernel driver in use: NovaCore"));
        assertTrue(console, console.contains(GPU + " deleted"));
        for (String l : out) {
            assertFalse("an orderly removal is quiet, but the console shows:\n" + l + "\nin:\n" + console,
                    TROUBLE.matcher(l).matches() && !l.contains(SLOW_START));
        }
        String file = log(work);
        int unloaded = indexOf(file, "sim GA102: GSP-RM unloaded");
        int torn = indexOf(file, "sim GA102: booter_unload: WPR2 torn down");
        int unbound = indexOf(file, "pci " + SLOT + ": unbound from NovaCore");
        int removed = indexOf(file, "sim0: hot remove " + SLOT);
        assertTrue("the unload RPC was acknowledged:\n" + file, unloaded >= 0);
        assertTrue("booter_unload ran against the live GPU:\n" + file, torn > unloaded);
        assertTrue("the driver unbound, then the hardware went:\n" + file, unbound > torn && removed > unbound);
        assertFalse(file, file.contains("RevokedException") || file.contains("GSP-RM stopped"));
    }

    @Test
    public void aSurpriseRemovalTakesTheGpuAwayFirstAndTheDriverStillLetsGo() throws Exception {
        Path work = work("surprise");
        Files.deleteIfExists(NovaProcess.logFile(work));
        List<String> out = NovaProcess.runBatch("nova.jar", work, "cm:set " + GPU
                + " model=nvidia-gpu slot=00:05.0 chip=ga102 removal=surprise; cm:delete " + GPU
                + "; drv:devices");
        String console = String.join("\n", out);
        assertTrue(console, console.contains(GPU + " deleted"));
        assertTrue("the table of drv:devices:\n" + console, indexOf(console, "^pci +0000:00:06\\.0 +NovaCore") >= 0);
        assertTrue("the GPU's device is gone:\n" + console, indexOf(console, "^pci +" + Pattern.quote(SLOT)) < 0);
        String file = log(work);
        int removed = indexOf(file, "sim0: surprise remove " + SLOT);
        assertTrue("the surprise removal:\n" + file, removed >= 0);
        String after = file.substring(removed);
        assertTrue("the driver unbound after the function went:\n" + after,
                after.contains("pci " + SLOT + ": unbound from NovaCore"));
        assertFalse("no unload reached a GPU that is gone:\n" + after, after.contains("sim GA102: GSP-RM unloaded"));
    }
}
