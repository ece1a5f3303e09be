package org.nova.it.host;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The read-only host backend against pciutils on this machine: runs the runtime's jar
 * (runtime/target/nova.jar) with {@code -Dnova.host.enabled=true -Dnova.sim.defaults=false} and
 * the batch command {@code lspci -n}, runs pciutils' {@code lspci -n}, and compares the listings
 * line by line. Fails (never skips) when pciutils or the jar is missing. A machine with few PCI
 * functions makes this a weak check; VfioQemuIT makes the same comparison inside the QEMU guest,
 * whose q35 machine has eight functions (host bridge, ISA/LPC, SATA, SMBus, two virtio-9p, edu,
 * pci-testdev), with pciutils' lspci copied into the guest.
 */
@Category(SeparateProcess.class)
public class HostLspciIT {
    @Test
    public void ourLspciNEqualsPciutilsLspciN() throws Exception {
        Path lspci = NovaProcess.pciutilsLspci();
        Path work = NovaProcess.repo().resolve("integration-tests/target/host-lspci");
        List<String> expected = NovaProcess.run(List.of(lspci.toString(), "-n"), work.resolve("pciutils.log"));
        List<String> output = NovaProcess.runBatch("nova.jar", work, "lspci -n",
                "nova.host.enabled=true", "nova.sim.defaults=false");
        List<String> ours = output.stream().filter(l -> NovaProcess.LSPCI_LINE.matcher(l).matches()).toList();

        int functions;
        try (Stream<Path> s = Files.list(Path.of("/sys/bus/pci/devices"))) {
            functions = (int) s.count();
        } catch (IOException e) {
            functions = 0;
        }
        System.out.println("host PCI functions in sysfs: " + functions + "\npciutils:\n" + String.join("\n", expected)
                + "\nnova:\n" + String.join("\n", ours));
        assertEquals("one lspci line per function sysfs lists", functions, expected.size());
        assertEquals("nova's lspci -n (host backend) vs pciutils' lspci -n; nova's output:\n" + String.join("\n", output),
                String.join("\n", expected), String.join("\n", ours));
    }
}
