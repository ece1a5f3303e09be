package org.nova.it.lifecycle;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nova.driver.Modalias;
import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * A driver project of one's own (issue 15, item 1), from a fresh temporary directory outside the
 * checkout as a user makes it: {@code ./nova new-driver} writes the project, {@code mvn -o -q
 * package} builds it offline against the API {@code ./nova build} installed (nova-bom,
 * nova-testkit) and runs its generated unit test, and the runtime binds a simulated device with
 * the chosen IDs to the new bundle's driver. With {@code --aux} the project is a split driver: the
 * PCI driver adds an auxiliary device that the project's auxiliary driver binds.
 */
@Category(SeparateProcess.class)
public class NewDriverIT {
    /** The driver's name: its bundle, package and name on the PCI bus. */
    private static final String NAME = "hello_pci";
    /** IDs no driver of the runtime claims. */
    private static final String VENDOR = "1234";
    private static final String DEVICE = "c0de";
    /** A slot the default simulated platform leaves free. */
    private static final String SLOT = "00:07.0";
    /** The split driver's name: its bundle, package, PCI driver and auxiliary devices' module. */
    private static final String AUX_NAME = "hello_aux";

    @Rule
    public final TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void aGeneratedPciDriverBuildsPassesItsTestAndBindsItsDeviceInTheRuntime() throws Exception {
        Path cwd = tmp.newFolder("work").toPath();
        DriverProjects.Outcome made = DriverProjects.newDriver(cwd, "hello", NAME, VENDOR + ":" + DEVICE);
        assertEquals(made.text(), 0, made.status());
        Path project = cwd.resolve("hello");
        assertEquals(List.of("README.md", "bnd.bnd", "pom.xml", "src/main/java/hello_pci/HelloPciDriver.java",
                "src/test/java/hello_pci/HelloPciDriverTest.java"), DriverProjects.files(project));
        assertEquals("a README of three lines", 3, Files.readAllLines(project.resolve("README.md")).size());

        Path jar = DriverProjects.build(project, NAME);
        assertEquals("the generated unit test ran", 1, DriverProjects.assertUnitTestsPassed(project));
        Attributes manifest = DriverProjects.manifest(jar).getMainAttributes();
        assertEquals(NAME, manifest.getValue("Bundle-SymbolicName"));
        String component = manifest.getValue("Service-Component");
        assertTrue("Service-Component: " + component, component != null
                && component.contains("OSGI-INF/hello_pci.HelloPciDriver.xml"));
        assertTrue(DriverProjects.hasEntry(jar, "OSGI-INF/hello_pci.HelloPciDriver.xml"));
        assertTrue(manifest.getValue("Import-Package"), manifest.getValue("Import-Package").contains("org.nova.bus.pci"));
        assertEquals("the driver's alias, for autoload", List.of("pci hello_pci pci:v00001234d0000C0DEsv*sd*bc*sc*i*"),
                aliases(manifest));

        List<String> out = NovaProcess.runBatch("nova.jar", NovaOptions.target().resolve("lifecycle/new-driver/pci"),
                "start " + jar.toUri() + "; cm:set org.nova.hw.sim.device~hello model=pci-generic slot=" + SLOT
                        + " vendor=" + VENDOR + " device=" + DEVICE + "; drv:settle; drv:devices pci; dmesg " + NAME,
                "nova.home=" + NovaProcess.repo());
        String text = String.join("\n", out);
        assertTrue("the device is bound to the new driver:\n" + text,
                out.stream().anyMatch(l -> l.matches("^pci\\s+0000:" + SLOT.replace(".", "\\.") + "\\s+" + NAME + "\\s+bound.*")));
        assertTrue("the driver's probe logged:\n" + text,
                out.stream().anyMatch(l -> l.contains(NAME + " probed") && l.contains("BAR0 mapped")));
    }

    @Test
    public void aGeneratedAuxiliaryDriverBuildsPassesItsTestsAndBothDriversBind() throws Exception {
        Path cwd = tmp.newFolder("work").toPath();
        DriverProjects.Outcome made = DriverProjects.newDriver(cwd, "split", AUX_NAME, VENDOR + ":" + DEVICE, "--aux");
        assertEquals(made.text(), 0, made.status());
        Path project = cwd.resolve("split");
        assertEquals(List.of("README.md", "bnd.bnd", "pom.xml", "src/main/java/hello_aux/HelloAuxCtlDriver.java",
                "src/main/java/hello_aux/HelloAuxDriver.java", "src/test/java/hello_aux/HelloAuxDriverTest.java"),
                DriverProjects.files(project));

        Path jar = DriverProjects.build(project, AUX_NAME);
        assertEquals("the generated unit test ran", 1, DriverProjects.assertUnitTestsPassed(project));
        Attributes manifest = DriverProjects.manifest(jar).getMainAttributes();
        assertEquals(AUX_NAME, manifest.getValue("Bundle-SymbolicName"));
        for (String xml : List.of("OSGI-INF/hello_aux.HelloAuxDriver.xml", "OSGI-INF/hello_aux.HelloAuxCtlDriver.xml")) {
            assertTrue(xml, DriverProjects.hasEntry(jar, xml));
        }
        assertTrue(manifest.getValue("Import-Package"), manifest.getValue("Import-Package").contains("org.nova.bus.auxiliary"));
        assertEquals("both drivers' aliases, as file2alias.c writes them", List.of(
                "auxiliary hello_aux.ctl auxiliary:hello_aux.ctl",
                "pci hello_aux pci:v00001234d0000C0DEsv*sd*bc*sc*i*"), aliases(manifest));

        String pciDevice = "0000:" + SLOT;
        List<String> out = NovaProcess.runBatch("nova.jar", NovaOptions.target().resolve("lifecycle/new-driver/aux"),
                "start " + jar.toUri() + "; cm:set org.nova.hw.sim.device~split model=pci-generic slot=" + SLOT
                        + " vendor=" + VENDOR + " device=" + DEVICE + "; drv:settle; drv:devices"
                        + "; drv:unbind pci " + pciDevice + "; drv:devices auxiliary; dmesg " + AUX_NAME,
                "nova.home=" + NovaProcess.repo());
        String text = String.join("\n", out);
        assertTrue("the PCI device is bound to the PCI driver:\n" + text, out.stream().anyMatch(
                l -> l.matches("^pci\\s+" + pciDevice.replace(".", "\\.") + "\\s+" + AUX_NAME + "\\s+bound.*")));
        String auxDevice = "^auxiliary\\s+" + AUX_NAME + "\\.ctl\\.\\d+\\s.*";
        assertTrue("the auxiliary device is bound to the auxiliary driver, its parent the PCI device:\n" + text,
                out.stream().anyMatch(l -> l.matches(auxDevice) && l.matches(".*\\s" + AUX_NAME + "\\.ctl\\s+bound\\s+"
                        + pciDevice.replace(".", "\\.") + "\\s.*")));
        assertEquals("the parent's unbind removed the auxiliary device (listed once, before it):\n" + text, 1,
                out.stream().filter(l -> l.matches(auxDevice)).count());
        assertTrue("the auxiliary driver's probe reached the parent's BAR0, and it was removed:\n" + text,
                out.stream().anyMatch(l -> l.matches(".*" + AUX_NAME + "\\.ctl\\.\\d+: probed, parent " + pciDevice + ".*"))
                        && out.stream().anyMatch(l -> l.matches(".*" + AUX_NAME + "\\.ctl\\.\\d+: removed.*")));
    }

    @Test
    public void badInputIsOneClearLineExitTwoAndNothingWritten() throws Exception {
        Path cwd = tmp.newFolder("bad").toPath();
        Files.writeString(Files.createDirectories(cwd.resolve("full")).resolve("keep.txt"), "mine");
        refused(cwd, "full", NAME, "1234:c0de", "EEXIST: full exists and is not an empty directory");
        refused(cwd, "a", "Hello", "1234:c0de", "EINVAL: NAME 'Hello' must be a lowercase Java identifier");
        refused(cwd, "b", "hello-pci", "1234:c0de", "EINVAL: NAME 'hello-pci' must be a lowercase Java identifier");
        refused(cwd, "c", "class", "1234:c0de", "EINVAL: NAME 'class' is a Java keyword");
        refused(cwd, "d", NAME, "123:c0de", "EINVAL: '123:c0de' is not VENDOR:DEVICE");
        refused(cwd, "e", NAME, "1234-c0de", "EINVAL: '1234-c0de' is not VENDOR:DEVICE");
        refused(cwd, "f", NAME, "ffff:c0de", "EINVAL: vendor ffff");
        refused(cwd, "g", NAME, "1234:c0de", "EINVAL: unknown option '--frob'", "--frob");
        refused(cwd, "h", NAME, "1234:c0de", "EINVAL: unknown option '-a'", "--aux", "-a");
        DriverProjects.Outcome first = DriverProjects.run(List.of(NovaProcess.repo().resolve("nova").toString(),
                "new-driver", "--frob", "i", NAME, "1234:c0de"), cwd, DriverProjects.env());
        assertEquals(first.text(), 2, first.status());
        assertEquals(first.text(), List.of("nova: new-driver: EINVAL: unknown option '--frob' (the one option is --aux);"
                + " usage: ./nova new-driver [--aux] DIR NAME VENDOR:DEVICE"), first.lines());
        assertEquals("nothing written", List.of("full/keep.txt"), DriverProjects.files(cwd));
    }

    /** @return the manifest's driver aliases, each "bus driver pattern", sorted */
    private static List<String> aliases(Attributes manifest) {
        return Modalias.declared(manifest.getValue("Provide-Capability")).stream()
                .map(d -> d.bus() + " " + d.driver() + " " + d.pattern()).sorted().toList();
    }

    private static void refused(Path cwd, String dir, String name, String ids, String message, String... flags)
            throws Exception {
        DriverProjects.Outcome o = DriverProjects.newDriver(cwd, dir, name, ids, flags);
        assertEquals(o.text(), 2, o.status());
        assertEquals(o.text(), 1, o.lines().size());
        assertTrue(o.text(), o.lines().get(0).startsWith("nova: new-driver: " + message));
    }
}
