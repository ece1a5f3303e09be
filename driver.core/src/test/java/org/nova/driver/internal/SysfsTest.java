package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.Uevent;
import org.nova.driver.WhyReport;

/** bind, unbind, driver_override, drivers_autoprobe and drivers_probe. */
class SysfsTest extends CoreTestBase {
    private final TestDriver alpha = TestDriver.of("alpha", "acme:widget:1");
    private final TestDriver beta = TestDriver.of("beta", "acme:*:*");
    private final TestDriver gamma = TestDriver.of("gamma", "zeta:*:*");

    @Test
    void manualUnbindDoesNotReprobeAndManualBindPicksTheNamedDriver() {
        register(alpha);
        register(beta);
        Device d = add("d0", "acme:widget:1");
        assertEquals(Optional.of("alpha"), d.driver());
        int mark = type.log.size();
        bus.unbind("d0");
        assertFalse(d.isBound());
        settle();
        assertFalse(d.isBound(), "unbind does not reprobe");
        assertEquals(List.of("remove:alpha:d0"), type.since(mark, "remove"));
        assertEquals(List.of(), type.since(mark, "probe:"));

        bus.bind("d0", "beta");
        assertEquals(Optional.of("beta"), d.driver());
        assertEquals(Optional.of("data:beta@d0"), d.driverData(String.class));
        assertEquals(List.of("d0"), bus.driver("beta").orElseThrow().devices());
        assertEquals(List.of(), bus.driver("alpha").orElseThrow().devices());
        assertEquals(List.of(Uevent.Action.ADD, Uevent.Action.BIND, Uevent.Action.UNBIND, Uevent.Action.BIND),
                awaitActions("d0", 4));
        assertEquals("beta", ueventsOf("d0").get(3).env().get(Uevent.DRIVER));
    }

    @Test
    void anOverrideNamingAnotherDriverBlocksTheMatchAndAdmitsItsOwn() {
        register(alpha);
        register(beta);
        register(gamma);
        bus.setAutoprobe(false);
        Device d = add("d0", "acme:widget:1");
        assertFalse(d.isBound());
        bus.setDriverOverride("d0", "beta\n");
        assertEquals(Optional.of("beta"), d.driverOverride(), "the trailing newline is stripped");
        bus.setAutoprobe(true);
        assertFalse(d.isBound(), "turning autoprobe on does not probe");

        WhyReport why = bus.why("d0");
        assertEquals(Optional.of("beta"), why.override());
        assertEquals("beta", why.candidates().get(0).driver());
        assertFalse(why.candidates().stream().filter(c -> c.driver().equals("alpha")).findFirst().orElseThrow()
                .result().matches(), "alpha, the better id match, is blocked by the override");

        DriverException e = assertThrows(DriverException.class, () -> bus.bind("d0", "alpha"));
        assertEquals(Errno.ENODEV, e.errno());
        assertFalse(d.isBound());
        assertEquals(0, alpha.probeCalls());

        bus.probe("d0");
        assertEquals(Optional.of("beta"), d.driver());
        assertEquals(0, alpha.probeCalls());

        // setting an override does not reprobe a bound device
        bus.setDriverOverride("d0", "gamma");
        assertEquals(Optional.of("beta"), d.driver());
        bus.unbind("d0");
        bus.probe("d0");
        assertEquals(Optional.of("gamma"), d.driver(), "the override admits a driver whose ids do not match");

        // "" and null and "\n" clear
        bus.setDriverOverride("d0", "");
        assertEquals(Optional.empty(), d.driverOverride());
        bus.setDriverOverride("d0", "beta");
        bus.setDriverOverride("d0", null);
        assertEquals(Optional.empty(), d.driverOverride());
        bus.setDriverOverride("d0", "beta");
        bus.setDriverOverride("d0", "\n");
        assertEquals(Optional.empty(), d.driverOverride());
        bus.unbind("d0");
        bus.probe("d0");
        assertEquals(Optional.of("alpha"), d.driver(), "without an override the best match wins again");
    }

    @Test
    void anOverrideOfPageSizeMinusOneIsRejectedAndChangesNothing() {
        add("d0", "none:none:1");
        bus.setDriverOverride("d0", "beta");
        DriverException e = assertThrows(DriverException.class,
                () -> bus.setDriverOverride("d0", "x".repeat(4095)));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("EINVAL"));
        assertEquals(Optional.of("beta"), bus.device("d0").orElseThrow().driverOverride());
        e = assertThrows(DriverException.class, () -> bus.setDriverOverride("d0", "y".repeat(5000)));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(Optional.of("beta"), bus.device("d0").orElseThrow().driverOverride());
        // one less is accepted (the kernel refuses len >= PAGE_SIZE - 1)
        bus.setDriverOverride("d0", "z".repeat(4094));
        assertEquals(4094, bus.device("d0").orElseThrow().driverOverride().orElseThrow().length());
    }

    @Test
    void autoprobeOffThenProbe() {
        bus.setAutoprobe(false);
        assertFalse(bus.autoprobe());
        register(beta);
        Device d = add("d0", "acme:widget:1");
        register(alpha);
        settle();
        assertFalse(d.isBound());
        assertEquals(0, alpha.probeCalls() + beta.probeCalls());
        bus.probe("d0");
        assertEquals(Optional.of("alpha"), d.driver());
        bus.setAutoprobe(true);
        assertTrue(bus.autoprobe());
        Device e = add("e0", "acme:gizmo:1");
        assertEquals(Optional.of("beta"), e.driver(), "autoprobe back on: new devices probe");
    }

    @Test
    void withAutoprobeOffADeferredDeviceIsNotBoundByTheDeferredWork() {
        AtomicBoolean ready = new AtomicBoolean();
        register(TestDriver.of("waiter", "acme:widget:*").probe((dev, drv) -> {
            if (!ready.get()) {
                throw new ProbeDeferException("not ready");
            }
            return "ok";
        }));
        Device d = add("d0", "acme:widget:1");
        assertTrue(d.isProbeDeferred());
        bus.setAutoprobe(false);
        ready.set(true);
        core.triggerDeferredProbe();
        settle();
        assertFalse(d.isBound(), "the deferred work is bus_probe_device: it honours drivers_autoprobe");
        bus.probe("d0");
        assertTrue(d.isBound());
    }
}
