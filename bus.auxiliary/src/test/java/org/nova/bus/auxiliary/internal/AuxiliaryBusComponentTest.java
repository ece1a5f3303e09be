package org.nova.bus.auxiliary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryRegistration;
import org.nova.driver.DriverCore;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.driver.testing.TestContexts;
import org.nova.devres.Devres;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.MatchResult;
import org.nova.driver.ProbeType;

/** The auxiliary bus against the real driver core, with a parent on a trivial "platform" bus. */
class AuxiliaryBusComponentTest {
    StandaloneDriverCore standalone;
    DriverCore core;
    AuxiliaryBusComponent aux;
    BusRegistration auxBus;
    BusRegistration platform;
    final List<String> log = new CopyOnWriteArrayList<>();
    /** What the parent driver's probe does with its device. */
    Function<Device, Object> parentProbe = d -> null;

    /** A bus whose drivers are Strings and match every device. */
    final class PlatformType implements BusType {
        @Override
        public String name() {
            return "platform";
        }

        @Override
        public MatchResult match(Device device, DriverDescriptor driver) {
            return MatchResult.match(1, null, "always");
        }

        @Override
        public Object probe(Device device, DriverDescriptor driver, MatchResult match) {
            log.add("parent.probe");
            return parentProbe.apply(device);
        }

        @Override
        public void remove(Device device, DriverDescriptor driver, Object data) {
            log.add("parent.remove");
        }
    }

    /** An auxiliary driver that logs; its data is closed with a log line, and remove keeps what it got. */
    final class TestAuxDriver implements AuxiliaryDriver<AutoCloseable> {
        final List<String> ids;
        final List<AutoCloseable> removed = new CopyOnWriteArrayList<>();
        volatile AuxiliaryDevice bound;
        volatile String matched;
        volatile AutoCloseable data;

        TestAuxDriver(List<String> ids) {
            this.ids = ids;
        }

        @Override
        public String name() {
            return "test.aux";
        }

        @Override
        public List<String> idTable() {
            return ids;
        }

        @Override
        public AutoCloseable probe(AuxiliaryDevice dev, String matchedId) {
            bound = dev;
            matched = matchedId;
            log.add("aux.probe " + dev.name());
            dev.device().devres().addAction("aux-resource", () -> log.add("aux.devres"));
            data = () -> log.add("aux.data.close");
            return data;
        }

        @Override
        public void remove(AuxiliaryDevice dev, AutoCloseable d) {
            log.add("aux.remove " + dev.name());
            removed.add(d);
        }
    }

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        core = standalone.core();
        core.setTestDriverRemove(false); // these tests count probes; the core's own suite covers test remove
        aux = new AuxiliaryBusComponent(TestContexts.nullContext(), core);
        auxBus = aux.bus.registration();
        platform = core.registerBus(new PlatformType());
    }

    @AfterEach
    void tearDown() {
        aux.deactivate();
        standalone.close();
    }

    private DriverRegistration registerAux(AuxiliaryDriver<?> d) {
        return auxBus.registerDriver(new DriverDescriptor(AuxiliaryBusImpl.driverName(d), d, "t", 0, 1,
                d.probeType()));
    }

    private Device boundParent() {
        Device p = platform.addDevice("parent0", null, "parent");
        platform.registerDriver(new DriverDescriptor("parent-drv", "parent-drv", "t", 0, 2, ProbeType.DEFAULT_STRATEGY));
        assertEquals(Optional.of("parent-drv"), p.driver());
        return p;
    }

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    @Test
    void initErrorsCreateNothing() {
        Device unbound = platform.addDevice("lonely", null, "x");
        assertEquals(Errno.EINVAL, errno(() -> aux.register(null, "m", "d", 0, null)));
        Device p = boundParent();
        assertEquals(Errno.EINVAL, errno(() -> aux.register(p, "m", null, 0, null)));
        assertEquals(Errno.EINVAL, errno(() -> aux.register(p, "m", "", 0, null)));
        assertEquals(Errno.EINVAL, errno(() -> aux.register(p, null, "d", 0, null)));
        platform.unbind("lonely");
        assertEquals(Errno.EINVAL, errno(() -> aux.register(unbound, "m", "d", 0, null)), "parent not bound");
        assertTrue(auxBus.devices().isEmpty());
        assertTrue(p.devres().isEmpty());
    }

    @Test
    void registeredDeviceMatchesAndSeesItsParentAndData() {
        TestAuxDriver drv = new TestAuxDriver(List.of("other.thing", "nova_core.nova-drm"));
        registerAux(drv);
        Device p = boundParent();
        Devres<AuxiliaryRegistration> reg = aux.register(p, "nova_core", "nova-drm", 0, 42);
        assertEquals("nova_core.nova-drm.0", drv.bound.name());
        assertEquals("nova_core.nova-drm", drv.matched);
        assertEquals(0, drv.bound.id());
        assertEquals(Optional.of(42), drv.bound.registrationData(Integer.class));
        assertEquals(Optional.empty(), drv.bound.registrationData(String.class));
        assertEquals("parent", drv.bound.parent().busData(String.class));
        assertEquals("parent0", drv.bound.device().parent().orElseThrow().name());
        assertEquals("auxiliary:nova_core.nova-drm", drv.bound.device().ueventEnv().get("MODALIAS"));
        try (var g = reg.access()) {
            assertEquals("nova_core.nova-drm.0", g.get().device().name());
        }
    }

    @Test
    void duplicateNameIsEexistAndLeavesNothing() {
        Device p = boundParent();
        aux.register(p, "m", "d", 1, null);
        int entries = p.devres().liveCount();
        assertEquals(Errno.EEXIST, errno(() -> aux.register(p, "m", "d", 1, null)));
        assertEquals(1, auxBus.devices().size());
        assertEquals(entries, p.devres().liveCount());
        aux.register(p, "m", "d", 2, null);
        assertEquals(2, auxBus.devices().size());
    }

    @Test
    void parentUnbindRemovesTheAuxDeviceFirst() {
        registerAux(new TestAuxDriver(List.of("m.d")));
        parentProbe = d -> {
            aux.register(d, "m", "d", 0, null);
            return null;
        };
        Device p = boundParent();
        assertEquals(1, auxBus.devices().size());
        Device child = auxBus.devices().get(0);
        platform.unbind("parent0");
        assertEquals(List.of("parent.probe", "aux.probe m.d.0", "aux.remove m.d.0", "aux.devres", "aux.data.close",
                "parent.remove"), log);
        assertTrue(auxBus.devices().isEmpty());
        assertTrue(child.isDead());
        assertTrue(p.devres().isEmpty());
    }

    @Test
    void theDeviceReachesTheDriverDataAndRemoveGetsItBack() {
        TestAuxDriver drv = new TestAuxDriver(List.of("m.d"));
        registerAux(drv);
        Device p = boundParent();
        aux.register(p, "m", "d", 0, null);
        Device child = auxBus.device("m.d.0").orElseThrow();
        assertSame(drv.data, child.driverData(AutoCloseable.class).orElseThrow());
        assertEquals(Optional.empty(), child.driverData(String.class), "typed: data of another type is not there");
        platform.unbind("parent0");
        assertEquals(List.of(drv.data), drv.removed);
        assertEquals(Optional.empty(), child.driverData(AutoCloseable.class), "unbound: no data");
    }

    @Test
    void closingTheRegistrationDeletesTheDevice() {
        registerAux(new TestAuxDriver(List.of("m.d")));
        Device p = boundParent();
        Devres<AuxiliaryRegistration> reg = aux.register(p, "m", "d", 0, null);
        reg.close();
        assertTrue(auxBus.devices().isEmpty());
        assertTrue(log.contains("aux.remove m.d.0"));
        assertTrue(p.devres().isEmpty(), "the parent's devres entry went with it");
    }

    @Test
    void driversNeedANameAndAnIdTable() {
        assertEquals(Errno.EINVAL, errno(() -> AuxiliaryBusImpl.driverName(new TestAuxDriver(List.of()))));
        assertEquals("test.aux", AuxiliaryBusImpl.driverName(new TestAuxDriver(List.of("a.b"))));
    }

    @Test
    void driverRegisteredLaterBindsExistingDevices() {
        Device p = boundParent();
        aux.register(p, "m", "d", 3, null);
        TestAuxDriver drv = new TestAuxDriver(List.of("m.d"));
        registerAux(drv);
        assertEquals("m.d.3", drv.bound.name());
    }
}
