package org.nova.it.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The runtime without the simulator, as {@code ./nova --hw -c} runs it: runtime/target/nova-hw.jar
 * (exported from runtime/nova-hw.bndrun) must start with no hw.sim bundle installed, bind nothing
 * it cannot, and list this machine's PCI functions through the read-only host backend exactly as
 * pciutils' {@code lspci -n} does. Proves that nothing between hw.api and the drivers needs the
 * simulated platform.
 */
@Category(SeparateProcess.class)
public class HardwareRuntimeIT {
    /** A line of Gogo's {@code lb -s}: id|state|level|symbolic name (version)|version. */
    private static final Pattern LB_LINE = Pattern.compile("^\\s*\\d+\\|(\\w+)\\s*\\|\\s*\\d+\\|([^ (|]+).*");

    @Test
    public void startsWithoutTheSimulatorAndListsTheHostLikePciutils() throws Exception {
        Path lspci = NovaProcess.pciutilsLspci();
        Path work = NovaProcess.repo().resolve("integration-tests/target/hw-runtime");
        List<String> expected = NovaProcess.run(List.of(lspci.toString(), "-n"), work.resolve("pciutils.log"));
        List<String> out = NovaProcess.runBatch("nova-hw.jar", work, "lb -s; lspci -n");

        List<String> bundles = out.stream().map(LB_LINE::matcher).filter(m -> m.matches())
                .map(m -> m.group(2) + "=" + m.group(1)).toList();
        String all = String.join("\n", out);
        assertFalse("no bundle is listed: " + all, bundles.isEmpty());
        assertFalse("hw.sim must not be installed: " + bundles, bundles.stream().anyMatch(b -> b.startsWith("hw.sim=")));
        for (String b : List.of("hw.api", "hw.vfio", "bus.pci", "nova.core", "samples", "runtime")) {
            assertTrue(b + " is active: " + bundles, bundles.contains(b + "=Active"));
        }
        List<String> ours = out.stream().filter(l -> NovaProcess.LSPCI_LINE.matcher(l).matches()).toList();
        assertFalse("the host backend lists at least the host bridge", expected.isEmpty());
        assertEquals("lspci -n of the runtime without the simulator vs pciutils'; its output:\n" + all,
                String.join("\n", expected), String.join("\n", ours));
    }
}
