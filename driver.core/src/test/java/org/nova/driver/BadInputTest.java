package org.nova.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.driver.internal.CoreTestBase;
import org.nova.driver.internal.TestBus;
import org.nova.driver.internal.TestDriver;

/**
 * Bad input, through the public API only: each gets the kernel's errno, a message starting with
 * its name, and leaves the state as it was.
 */
class BadInputTest extends CoreTestBase {
    private TestDriver alpha;
    private TestDriver beta;
    private TestDriver deferrer;
    private TestDriver other;

    @BeforeEach
    void populate() {
        alpha = TestDriver.of("alpha", "acme:widget:*");
        beta = TestDriver.of("beta", "acme:*:*");
        deferrer = TestDriver.of("deferrer", "slow:dev:*").probe((d, drv) -> {
            throw new ProbeDeferException("regulator missing");
        });
        other = TestDriver.of("other", "other:thing:*");
        register(alpha);
        register(beta);
        register(other);
        add("bound0", "acme:widget:1");
        add("free0", "lonely:dev:1");
        bus.setAutoprobe(false);
        register(deferrer);
        add("slow0", "slow:dev:1");
        settle();
    }

    /** Everything a failed operation must leave alone. */
    private String state() {
        settle();
        StringBuilder sb = new StringBuilder();
        sb.append("buses=").append(core.buses().stream().map(Bus::name).toList()).append('\n');
        for (Bus b : core.buses()) {
            for (Device d : b.devices()) {
                sb.append(b.name()).append(':').append(d.name()).append(" data=").append(d.busData())
                        .append(" driver=").append(d.driver()).append(" override=").append(d.driverOverride())
                        .append(" deferred=").append(d.isProbeDeferred()).append(" dead=").append(d.isDead())
                        .append(" devres=").append(d.devres().liveCount()).append('\n');
            }
            for (DriverInfo i : b.drivers()) {
                sb.append(b.name()).append(" driver ").append(i).append('\n');
            }
            sb.append("autoprobe=").append(b.autoprobe()).append('\n');
        }
        sb.append("deferred=").append(core.deferredDevices()).append('\n');
        sb.append("devres=").append(core.devres().liveTotal()).append('\n');
        return sb.toString();
    }

    /** Which drivers were called, and how often. */
    private String calls() {
        StringBuilder sb = new StringBuilder();
        sb.append("calls=").append(List.of(alpha, beta, deferrer, other).stream()
                .map(t -> t.name + ":" + t.probeCalls() + "/" + t.removeCalls()).collect(Collectors.joining(",")));
        return sb.toString();
    }

    /** The operation fails with errno, no driver is called and nothing changes. */
    private void fails(Errno errno, Executable op) {
        String calls = calls();
        failsAfterProbe(errno, op);
        assertEquals(calls, calls(), "a driver was called");
    }

    /** The operation fails with errno and nothing changes (a probe may have run and failed). */
    private void failsAfterProbe(Errno errno, Executable op) {
        String before = state();
        DriverException e = assertThrows(DriverException.class, op);
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().startsWith(errno.name() + ": "), e.getMessage());
        assertEquals(before, state(), "state changed by a failed operation");
    }

    @Test
    void unknownBus() {
        fails(Errno.ENOENT, () -> core.requireBus("nosuchbus"));
        DriverException e = assertThrows(DriverException.class, () -> core.requireBus("nosuchbus"));
        assertTrue(e.getMessage().contains("nosuchbus"));
        assertEquals(Optional.empty(), core.bus("nosuchbus"));
    }

    @Test
    void unknownDevice() {
        fails(Errno.ENODEV, () -> bus.bind("ghost", "alpha"));
        fails(Errno.ENODEV, () -> bus.unbind("ghost"));
        fails(Errno.ENODEV, () -> bus.probe("ghost"));
        fails(Errno.ENODEV, () -> bus.why("ghost"));
        fails(Errno.ENODEV, () -> bus.setDriverOverride("ghost", "alpha"));
        fails(Errno.ENODEV, () -> core.requireBus("test").unbind("ghost"));
    }

    @Test
    void unknownDriver() {
        fails(Errno.ENOENT, () -> bus.bind("free0", "nosuchdriver"));
        fails(Errno.ENOENT, () -> bus.bind("ghost", "nosuchdriver"));
    }

    @Test
    void bindingABoundDevice() {
        fails(Errno.EBUSY, () -> bus.bind("bound0", "beta"));
        fails(Errno.EBUSY, () -> bus.bind("bound0", "alpha"));
        assertEquals(Optional.of("alpha"), bus.device("bound0").orElseThrow().driver());
    }

    @Test
    void unbindingAnUnboundDevice() {
        fails(Errno.ENODEV, () -> bus.unbind("free0"));
    }

    @Test
    void bindingWithADriverThatDoesNotMatch() {
        fails(Errno.ENODEV, () -> bus.bind("free0", "alpha"));
        fails(Errno.ENODEV, () -> bus.bind("slow0", "other"));
        assertEquals(0, other.probeCalls());
    }

    @Test
    void bindingWhoseProbeDefers() {
        int calls = deferrer.probeCalls();
        failsAfterProbe(Errno.EAGAIN, () -> bus.bind("slow0", "deferrer"));
        assertEquals(calls + 1, deferrer.probeCalls(), "the probe ran");
        // sysfs bind is device_driver_attach: a deferral is reported, not queued
        assertEquals(List.of(), core.deferredDevices());
        add("trigger0", "other:thing:1");
        bus.probe("trigger0"); // a successful bind triggers the deferred work
        core.triggerDeferredProbe();
        settle();
        assertTrue(bus.device("trigger0").orElseThrow().isBound());
        assertEquals(calls + 1, deferrer.probeCalls(), "slow0 was not retried behind the user's back");
        assertFalse(bus.device("slow0").orElseThrow().isBound());
        assertFalse(bus.device("slow0").orElseThrow().isProbeDeferred());
    }

    @Test
    void bindingWhoseMatchDefers() {
        TestDriver unsure = TestDriver.of("unsure", "lonely:dev:*").deferMatch(true);
        register(unsure);
        fails(Errno.EAGAIN, () -> bus.bind("free0", "unsure"));
        assertEquals(0, unsure.probeCalls());
        assertEquals(List.of(), core.deferredDevices());
    }

    @Test
    void duplicateDeviceName() {
        Device original = bus.device("free0").orElseThrow();
        fails(Errno.EEXIST, () -> bus.addDevice("free0", null, new TestBus.TestDev("acme:widget:9")));
        assertSame(original, bus.device("free0").orElseThrow());
        add("sentinel", "lonely:dev:2");
        awaitActions("sentinel", 1);
        assertEquals(List.of(Uevent.Action.ADD), actionsOf("free0"), "no second ADD");
    }

    @Test
    void emptyDeviceNameAndDeadParent() {
        fails(Errno.EINVAL, () -> bus.addDevice("", null, new TestBus.TestDev("acme:widget:9")));
        Device gone = add("gone", "lonely:dev:3");
        bus.removeDevice(gone);
        fails(Errno.EINVAL, () -> bus.addDevice("orphan", gone, new TestBus.TestDev("acme:widget:9")));
    }

    @Test
    void duplicateDriverName() {
        TestDriver impostor = TestDriver.of("alpha", "lonely:dev:*");
        fails(Errno.EBUSY, () -> bus.registerDriver(impostor.descriptor()));
        assertEquals(0, impostor.probeCalls());
        DriverInfo kept = bus.driver("alpha").orElseThrow();
        assertEquals(alpha.descriptor().serviceId(), kept.serviceId());
        assertEquals("test.bundle.alpha", kept.bundle());
        assertEquals(List.of("bound0"), kept.devices());
    }

    @Test
    void duplicateBus() {
        fails(Errno.EBUSY, () -> core.registerBus(new TestBus("test", null)));
        assertEquals(1, core.buses().size());
        add("still0", "acme:widget:2");
    }

    @Test
    void overLongOverride() {
        bus.setDriverOverride("free0", "beta");
        fails(Errno.EINVAL, () -> bus.setDriverOverride("free0", "q".repeat(4095)));
        assertEquals(Optional.of("beta"), bus.device("free0").orElseThrow().driverOverride());
    }
}
