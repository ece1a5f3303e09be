package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.Device;
import org.nova.driver.DriverRegistration;
import org.nova.driver.DriverRepository;
import org.nova.driver.TestJars;
import org.nova.driver.Uevent;

/**
 * Autoload on the test bus (MODALIAS "test:ID"): a device no driver matches gets the repository
 * bundles its alias resolves to, installed through the installer; nothing else is touched.
 */
class AutoloadTest extends CoreTestBase {
    @TempDir
    Path dir;

    /** The id each fake bundle's driver matches (the test bus's "a:b:c" ids, not alias patterns). */
    private final Map<String, String> driverIds = new ConcurrentHashMap<>();

    /** Installs by registering the driver the jar's bundle would register, named as the bundle. */
    private final class FakeInstaller implements Autoload.Installer {
        final List<String> installs = new CopyOnWriteArrayList<>();
        final Map<String, DriverRegistration> installed = new ConcurrentHashMap<>();
        final Map<String, String> failing = new ConcurrentHashMap<>();

        @Override
        public boolean installed(String bsn) {
            return installed.containsKey(bsn);
        }

        @Override
        public String install(Path jar) throws Exception {
            String bsn = jar.getFileName().toString().replace(".jar", "");
            installs.add(bsn);
            String why = failing.get(bsn);
            if (why != null) {
                throw new IllegalStateException(why);
            }
            installed.put(bsn, register(TestDriver.of(bsn, driverIds.get(bsn))));
            return bsn;
        }
    }

    private FakeInstaller installer() {
        FakeInstaller f = new FakeInstaller();
        core.configureAutoload(new DriverRepository(dir), f, true);
        return f;
    }

    /** A jar declaring {@code patterns}; its driver, once installed, matches the device id {@code driverId}. */
    private void bundle(String bsn, String driverId, String... patterns) throws IOException {
        driverIds.put(bsn, driverId);
        TestJars.write(dir, bsn + ".jar", bsn, List.of(patterns));
    }

    @Test
    void aDeviceWithoutDriverGetsTheMatchingBundleOnly() throws IOException {
        bundle("a", "a1", "test:a1");
        bundle("b", "b7", "test:b*");
        FakeInstaller f = installer();
        Device d = add("d0", "b7");
        settle();
        assertEquals(List.of("b"), f.installs);
        assertEquals("b", d.driver().orElseThrow());
    }

    @Test
    void aDeviceThatADriverMatchesLoadsNothing() throws IOException {
        bundle("b", "b7", "test:b*");
        FakeInstaller f = installer();
        register(TestDriver.of("present", "b7"));
        Device d = add("d0", "b7");
        settle();
        assertEquals(List.of(), f.installs);
        assertEquals("present", d.driver().orElseThrow());
    }

    @Test
    void noMatchStaysUnboundWithItsAddUeventAndWhySaysSo() throws IOException {
        bundle("a", "a1", "test:a1");
        FakeInstaller f = installer();
        Device d = add("d0", "zz");
        settle();
        assertEquals(List.of(), f.installs);
        assertFalse(d.isBound());
        assertEquals(List.of(Uevent.Action.ADD), awaitActions("d0", 1));
        assertEquals("test:zz", ueventsOf("d0").get(0).env().get(Uevent.MODALIAS));
        String why = bus.why("d0").verdict();
        assertTrue(why.contains("no bundle of the repository") && why.contains("test:zz"), why);
    }

    @Test
    void everyBundleAnAliasResolvesToIsLoadedAndAnInstalledOneIsNotTouched() throws IOException {
        bundle("x1", "same", "test:same");
        bundle("x2", "same", "test:s*");
        bundle("x3", "same", "test:same");
        FakeInstaller f = installer();
        f.installed.put("x3", register(TestDriver.of("x3-elsewhere", "nothing")));
        Device d = add("d0", "same");
        settle();
        assertEquals(List.of("x1", "x2"), f.installs);
        assertTrue(d.isBound());
    }

    @Test
    void aFailedInstallIsReportedAndTheDeviceStaysUnbound() throws IOException {
        bundle("broken", "q1", "test:q*");
        FakeInstaller f = installer();
        f.failing.put("broken", "missing requirement osgi.wiring.package=org.nowhere");
        Device d = add("d0", "q1");
        settle();
        assertEquals(List.of("broken"), f.installs);
        assertFalse(d.isBound());
        String why = bus.why("d0").verdict();
        assertTrue(why.contains("broken (not installed)") && why.contains("test:q1"), why);
    }

    @Test
    void offLoadsNothingUntilOnAndAnotherAttach() throws IOException {
        bundle("b", "b7", "test:b*");
        FakeInstaller f = installer();
        core.setAutoload(false);
        Device d = add("d0", "b7");
        settle();
        assertEquals(List.of(), f.installs);
        String why = bus.why("d0").verdict();
        assertTrue(why.contains("autoload is off"), why);
        core.setAutoload(true);
        bus.probe("d0");
        settle();
        assertEquals(List.of("b"), f.installs);
        assertEquals("b", d.driver().orElseThrow());
    }

    @Test
    void autoprobeOffLoadsTheBundleAtAddAndLeavesTheDeviceForAProbe() throws IOException {
        bundle("b", "b7", "test:b*");
        FakeInstaller f = installer();
        bus.setAutoprobe(false);
        Device d = add("d0", "b7");
        settle();
        assertEquals(List.of("b"), f.installs, "udev loads the driver for the ADD uevent");
        assertTrue(d.driver().isEmpty(), "drivers_autoprobe off: nothing binds it");
        bus.probe("d0");
        settle();
        assertEquals(List.of("b"), f.installs, "looked up once");
        assertEquals("b", d.driver().orElseThrow());
    }

    @Test
    void aDeviceIsLookedUpOnceEvenWhenItsDriverGoes() throws IOException {
        bundle("b", "b7", "test:b*");
        FakeInstaller f = installer();
        Device d = add("d0", "b7");
        settle();
        close(f.installed.remove("b")); // the user uninstalls the bundle: it must not come back
        settle();
        assertFalse(d.isBound());
        assertEquals(List.of("b"), f.installs);
    }

    @Test
    void theModaliasIsTheBussUeventVariable() {
        installer();
        Device d = add("d0", "b7");
        assertEquals("test:b7", core.modalias(d).orElseThrow());
    }
}
