package org.nova.it.pci;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * {@code pci:reset} and {@code pci:reset_method} on the runtime as {@code ./nova -c} runs it
 * (issue 14, item 4): a simulated GPU wedged by what a previous driver left (WPR2 set, so
 * nova-core's probe fails with EBUSY) is reset by FLR, the method the kernel picks for a function
 * whose PCI Express capability advertises it, and probes again; a function without FLR, PM soft
 * reset or a bridge above it has no reset method and is refused with ENOTTY.
 */
@Category(SeparateProcess.class)
public class PciResetIT {
    private static final String WEDGED = "0000:00:07.0";

    private static boolean has(String text, String regex) {
        return Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find();
    }

    @Test
    public void aWedgedGpuRecoversAfterAResetAndProbesAgain() throws Exception {
        Path work = NovaProcess.repo().resolve("integration-tests/target/pci-reset/wedged");
        Files.deleteIfExists(NovaProcess.logFile(work));
        List<String> out = NovaProcess.runBatch("nova.jar", work,
                "cm:set org.nova.hw.sim.device~wedged model=nvidia-gpu chip=ad102 fault=wpr2-set slot=00:07.0; "
                        + "drv:settle; drv:devices pci; pci:reset_method " + WEDGED + "; pci:reset " + WEDGED + "; "
                        + "drv:bind pci " + WEDGED + " NovaCore; drv:devices pci");
        String console = String.join("\n", out);
        assertTrue("the probe of the wedged GPU failed with EBUSY:\n" + console,
                has(console, "pci " + Pattern.quote(WEDGED) + ": probe with driver NovaCore failed .* EBUSY: WPR2"));
        assertTrue(console, has(console, "^pci +" + Pattern.quote(WEDGED) + " +- +unbound"));
        assertTrue("FLR is its method:\n" + console, console.contains(WEDGED + ": reset_method flr"));
        assertTrue(console, console.contains(WEDGED + ": reset (flr)"));
        assertTrue(console, console.contains(WEDGED + " bound to NovaCore"));
        assertTrue("bound after the reset:\n" + console, has(console, "^pci +" + Pattern.quote(WEDGED) + " +NovaCore +bound"));
    }

    @Test
    public void aFunctionWithoutAResetMethodIsRefusedWithEnotty() throws Exception {
        Path work = NovaProcess.repo().resolve("integration-tests/target/pci-reset/none");
        String console;
        try {
            NovaProcess.runBatch("nova.jar", work, "pci:reset_method 0000:00:03.0; pci:reset 0000:00:03.0");
            throw new IllegalStateException("pci:reset of edu, which has no reset method, succeeded");
        } catch (AssertionError failedBatch) {
            // the failed command ends the batch with a non-zero status; its output is in the message
            console = failedBatch.getMessage();
        }
        assertTrue(console, console.contains("exit status"));
        assertTrue(console, has(console, "^0000:00:03\\.0: reset_method $"));
        assertTrue(console, has(console, "ENOTTY: 0000:00:03\\.0: no reset method"));
    }
}
