package org.nova.it.autoload;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Device;
import org.nova.driver.DriverRepository;
import org.nova.driver.Modalias;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.it.Uevents;
import org.nova.it.autoload.drivers.alpha.AlphaAuto;
import org.nova.it.autoload.drivers.drift.DriftAuto;
import org.nova.it.autoload.drivers.klass.ClassAuto;
import org.nova.it.autoload.drivers.twina.TwinA;
import org.nova.it.autoload.drivers.wild.WildAuto;
import org.nova.it.pci.PciItSupport;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;

/**
 * Drivers found by alias, as a user meets them: a repository folder ({@code nova.drivers.dir})
 * holding several driver bundles, a jar that is not a bundle and a bundle that cannot resolve;
 * simulated devices hot-added through Configuration Admin. Only the bundles whose declared
 * aliases cover a device's MODALIAS are installed; the device binds to their driver; a device no
 * alias covers stays unbound after its ADD uevent; two bundles with the same alias are both
 * loaded (modprobe loads every module an alias resolves to); a bundle that fails leaves nothing
 * installed. The last test measures device add → bound through the repository with 100
 * candidate bundles (median of 10, printed).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AutoloadIT extends PciItSupport {
    /** The slot the tests hot-add their device at (free on the default platform). */
    private static final String SLOT = "00:18.0";
    /** The hw.sim model whose ids and class come from the configuration. */
    private static final String MODEL_GENERIC = "pci-generic";
    /** A class code no driver of the runtime claims. */
    private static final String CLASS_OTHER = "ff0000";
    /** The runs of the timing; the median is printed. */
    private static final int TIMED_RUNS = 10;
    /** How long a GPU may take to bind again (nova-core boots the simulated GSP). */
    private static final Duration GPU_TIMEOUT = Duration.ofSeconds(30);
    /** Candidate bundles in the repository while timing, as the figure asks. */
    private static final int CANDIDATES = 100;

    private Path repo;

    @Configuration
    public Option[] config() throws IOException {
        AutoloadBundles.buildAll();
        Path dir = Files.createTempDirectory(NovaOptions.target(), "autoload-repo");
        return new Option[] { composite(options()),
                frameworkProperty("nova.drivers.dir").value(dir.toString()) };
    }

    @Before
    public void fillTheRepository() throws Exception {
        awaitSamplesBound();
        repo = Path.of(context.getProperty("nova.drivers.dir"));
        for (String b : List.of(AutoloadBundles.ALPHA, AutoloadBundles.CLASS, AutoloadBundles.WILD,
                AutoloadBundles.BROKEN)) {
            copy(b);
        }
        Files.writeString(repo.resolve("not-a-bundle.jar"), "not a zip file");
        manifestOnly(repo.resolve("plain.jar"), null, null);
        Gogo.run(processor, "drv:autoload on");
    }

    @After
    public void emptyTheRepository() throws IOException, BundleException {
        // the next test adds its device at the same slot: this one must be gone first
        if (deviceConfig != null) {
            try {
                deviceConfig.delete();
            } catch (IllegalStateException alreadyDeleted) {
                // the test deleted it
            }
            String dev = deviceName(SIM0, SLOT);
            Await.until(dev + " removed", () -> pciBus().device(dev).isEmpty(), () -> boundTo(dev));
            deviceConfig = null;
        }
        for (Bundle b : context.getBundles()) {
            if (b.getSymbolicName() != null && b.getSymbolicName().startsWith("autoload-")) {
                b.uninstall();
            }
        }
        try (Stream<Path> s = Files.list(repo)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }

    private void copy(String bundle) throws IOException {
        Files.copy(AutoloadBundles.jar(bundle), repo.resolve(bundle + ".jar"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A jar with a manifest only: a bundle that is never loaded (bsn non-null), or no bundle. */
    private static void manifestOnly(Path jar, String bsn, String alias) throws IOException {
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            m.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            m.getMainAttributes().putValue("Bundle-SymbolicName", bsn);
            m.getMainAttributes().putValue("Provide-Capability",
                    Modalias.NAMESPACE + ";alias=\"" + alias + "\";bus=pci;driver=" + bsn);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
    }

    /** Hot-adds a pci-generic function with these ids at {@link #SLOT}; @return its device name */
    private String addDevice(String vendor, String device, String cls) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bridge", SIM0);
        p.put("slot", SLOT);
        p.put("model", MODEL_GENERIC);
        p.put("vendor", vendor);
        p.put("device", device);
        p.put("class", cls);
        deviceConfig = createConfig(DEVICE_PID, p);
        return deviceName(SIM0, SLOT);
    }

    private org.osgi.service.cm.Configuration deviceConfig;

    private List<String> autoloaded() {
        return Arrays.stream(context.getBundles()).map(Bundle::getSymbolicName)
                .filter(n -> n != null && n.startsWith("autoload-")).sorted().toList();
    }

    private String boundTo(String name) {
        return pciBus().device(name).flatMap(Device::driver).orElse("-");
    }

    /** Waits until the device is on the PCI bus, then until no probe (autoload included) is pending. */
    private void awaitAdded(String name) {
        Await.until(name + " on the PCI bus", () -> pciBus().device(name).isPresent(), this::autoloaded);
        settle();
    }

    private void awaitBound(String name, String driver) {
        Await.until(name + " bound to " + driver, () -> boundTo(name).equals(driver),
                () -> boundTo(name) + ", bundles " + autoloaded());
        settle();
    }

    @Test
    public void onlyTheMatchingBundleIsInstalledAndBindsTheDevice() throws Exception {
        String dev = addDevice("abc1", "0001", CLASS_OTHER);
        awaitBound(dev, AlphaAuto.NAME);
        assertEquals(List.of(AutoloadBundles.ALPHA), autoloaded());
        String out = Gogo.run(processor, "drv:modalias " + dev);
        assertTrue(out, out.contains("pci:v0000ABC1d00000001sv"));
        assertTrue(out, out.contains(AutoloadBundles.ALPHA) && out.contains("installed (not touched)"));
    }

    @Test
    public void aClassEntryUnderAMaskMatchesAnyVendorAndProgIf() throws Exception {
        String dev = addDevice("abc2", "0042", "118007");
        awaitBound(dev, ClassAuto.NAME);
        assertEquals(List.of(AutoloadBundles.CLASS), autoloaded());
    }

    @Test
    public void aWildcardDeviceMatchesEveryDeviceOfTheVendor() throws Exception {
        String dev = addDevice("abc3", "7777", CLASS_OTHER);
        awaitBound(dev, WildAuto.NAME);
        assertEquals(List.of(AutoloadBundles.WILD), autoloaded());
    }

    @Test
    public void aDeviceNoAliasCoversStaysUnboundAfterItsAddUevent() throws Exception {
        try (Uevents uevents = new Uevents(context)) {
            long mark = uevents.mark();
            String dev = addDevice("abc9", "0001", CLASS_OTHER);
            uevents.await("pci", dev, "ADD", null, mark);
            settle();
            assertEquals("-", boundTo(dev));
            assertEquals(List.of(), autoloaded());
            String why = Gogo.run(processor, "drv:why pci " + dev);
            assertTrue(why, why.contains("no bundle of the repository") && why.contains("pci:v0000ABC9d00000001"));
        }
    }

    @Test
    public void twoBundlesWithTheSameAliasAreBothLoaded() throws Exception {
        copy(AutoloadBundles.TWIN_A);
        copy(AutoloadBundles.TWIN_B);
        String dev = addDevice("abc4", "0001", CLASS_OTHER);
        // both started, as modprobe loads every module an alias resolves to; equal matches: the
        // driver registered first (twin-a, file-name order) is tried first
        awaitBound(dev, TwinA.NAME);
        assertEquals(List.of(AutoloadBundles.TWIN_A, AutoloadBundles.TWIN_B), autoloaded());
        for (Bundle b : context.getBundles()) {
            if (autoloaded().contains(b.getSymbolicName())) {
                assertEquals(b.getSymbolicName(), Bundle.ACTIVE, b.getState());
            }
        }
    }

    @Test
    public void aBundleThatCannotResolveLeavesNothingInstalled() throws Exception {
        String dev;
        try (LogLines log = new LogLines()) {
            dev = addDevice("abc5", "0001", CLASS_OTHER);
            awaitAdded(dev);
            List<String> errors = log.containing("ERROR", AutoloadBundles.BROKEN + ".jar", dev);
            assertEquals(log.all().toString(), 1, errors.size());
            assertTrue(errors.get(0), errors.get(0).contains(AutoloadBundles.MISSING_PACKAGE));
        }
        assertEquals("-", boundTo(dev));
        assertEquals("the broken bundle was uninstalled again", List.of(), autoloaded());
        String why = Gogo.run(processor, "drv:why pci " + dev);
        assertTrue(why, why.contains(AutoloadBundles.BROKEN + " (not installed)"));
    }

    @Test
    public void autoloadOffLeavesTheDeviceUnboundUntilOnAndProbe() throws Exception {
        Gogo.run(processor, "drv:autoload off");
        String dev = addDevice("abc1", "0001", CLASS_OTHER);
        awaitAdded(dev);
        assertEquals("-", boundTo(dev));
        assertEquals(List.of(), autoloaded());
        String why = Gogo.run(processor, "drv:why pci " + dev);
        assertTrue(why, why.contains("autoload is off"));
        assertTrue(Gogo.run(processor, "drv:autoload on").startsWith("autoload on"));
        Gogo.run(processor, "drv:probe pci " + dev);
        awaitBound(dev, AlphaAuto.NAME);
    }

    @Test
    public void aJarThatIsNotABundleIsOneWarnLine() throws Exception {
        try (LogLines log = new LogLines()) {
            Files.writeString(repo.resolve("junk.jar"), "not a zip file either");
            Gogo.run(processor, "drv:autoload");
            Gogo.run(processor, "drv:autoload");
            addDevice("abc9", "0002", CLASS_OTHER);
            awaitAdded(deviceName(SIM0, SLOT));
            assertEquals(log.all().toString(), 1, log.containing("WARN", "junk.jar", "skipped").size());
        }
    }

    @Test
    public void aDriverWhoseManifestDisagreesWithItsTableIsNamedInAWarn() throws Exception {
        try (LogLines log = new LogLines()) {
            Bundle b = context.installBundle(AutoloadBundles.jar(AutoloadBundles.DRIFT).toUri().toString());
            b.start();
            Await.until("autoload_drift registered", () -> pciBus().driver(DriftAuto.NAME).isPresent(),
                    this::autoloaded);
            List<String> warns = log.containing("WARN", "pci driver " + DriftAuto.NAME,
                    "not declared: pci:v0000ABC6d00000001sv*sd*bc*sc*i*",
                    "declared but not in the table: pci:v0000ABC6d00000002sv*sd*bc*sc*i*");
            assertEquals(log.all().toString(), 1, warns.size());
        }
    }

    /**
     * The runtime's own nova-drm found by alias: with nova.drm uninstalled and its jar in the
     * repository, a GPU that nova-core binds again registers its auxiliary device
     * (auxiliary:NovaCore.nova-drm), which no driver matches; autoload installs nova.drm from the
     * repository and the device binds to it.
     */
    @Test
    public void novaDrmIsFoundByTheAuxiliaryDeviceNovaCoreRegisters() throws Exception {
        String drmDriver = "Nova.nova-drm";
        Files.copy(NovaOptions.target().resolve("bundles").resolve("nova.drm.jar"), repo.resolve("nova.drm.jar"));
        String gpu = pciBus().devices().stream().filter(d -> d.driver().orElse("").equals("NovaCore"))
                .map(Device::name).sorted().findFirst().orElseThrow();
        Bundle drm = Arrays.stream(context.getBundles()).filter(b -> "nova.drm".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        drm.uninstall();
        settle();
        Gogo.run(processor, "drv:unbind pci " + gpu);
        Gogo.run(processor, "drv:probe pci " + gpu);
        Await.until("a nova-drm auxiliary device of " + gpu + " bound to " + drmDriver, GPU_TIMEOUT,
                () -> auxBus().driver(drmDriver).map(d -> !d.devices().isEmpty()).orElse(false),
                () -> auxBus().devices().stream().map(d -> d.name() + "=" + d.driver().orElse("-")).toList());
        Bundle loaded = Arrays.stream(context.getBundles()).filter(b -> "nova.drm".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        assertTrue(loaded.getLocation(), loaded.getLocation().contains(repo.getFileName().toString()));
        assertEquals(Bundle.ACTIVE, loaded.getState());
    }

    @Test
    public void theRepositorySkipsWhatIsNotABundle() {
        DriverRepository r = core.driverRepository().orElseThrow();
        List<String> names = r.refresh().stream().map(DriverRepository.Candidate::symbolicName).sorted().toList();
        assertEquals(List.of(AutoloadBundles.ALPHA, AutoloadBundles.BROKEN, AutoloadBundles.CLASS,
                AutoloadBundles.WILD), names);
    }

    /** Device add → bound through the repository, with 100 candidates: the median of 10, printed. */
    @Test
    public void timeFromDeviceAddToBoundWithAHundredCandidates() throws Exception {
        for (int i = 0; i < CANDIDATES - 1; i++) {
            String bsn = String.format("filler-%03d", i);
            manifestOnly(repo.resolve(bsn + ".jar"), bsn, String.format("pci:v0000F%03Xd*sv*sd*bc*sc*i*", i));
        }
        assertEquals(CANDIDATES + 3, core.driverRepository().orElseThrow().refresh().size());
        List<Long> micros = new ArrayList<>();
        for (int run = 0; run < TIMED_RUNS; run++) {
            long t0 = System.nanoTime();
            String dev = addDevice("abc1", "0001", CLASS_OTHER);
            Await.until(dev + " bound", () -> boundTo(dev).equals(AlphaAuto.NAME), () -> boundTo(dev));
            micros.add((System.nanoTime() - t0) / 1000);
            settle();
            deviceConfig.delete();
            Await.until(dev + " removed", () -> pciBus().device(dev).isEmpty(), () -> boundTo(dev));
            for (Bundle b : context.getBundles()) {
                if (AutoloadBundles.ALPHA.equals(b.getSymbolicName())) {
                    b.uninstall();
                }
            }
            settle();
        }
        List<Long> sorted = micros.stream().sorted().toList();
        System.out.printf("autoload: device add -> bound through the repository, %d candidates: median %.1f ms"
                + " (min %.1f, max %.1f, %d runs)%n", CANDIDATES, sorted.get(sorted.size() / 2) / 1000.0,
                sorted.get(0) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0, sorted.size());
    }
}
