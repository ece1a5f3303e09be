package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

import jakarta.servlet.http.HttpServletResponse;

/** The page's actions on the real driver core: the shell's rules, errors and messages. */
class DeviceActionsTest {
    private ToyBus toy;
    private Device widget;
    private Device spare;

    @BeforeEach
    void bus() {
        toy = new ToyBus();
        toy.driver("alpha", "widget");
        toy.driver("beta", "gadget");
        widget = toy.add("widget0", "widget");
        spare = toy.add("spare0", "spare");
    }

    @AfterEach
    void close() {
        toy.close();
    }

    private String perform(String action, String bus, String device, String driver) {
        return DeviceActions.perform(toy.core(), action, bus, device, driver);
    }

    private Errno refused(String action, String bus, String device, String driver) {
        Optional<String> before = widget.driver();
        DriverException e = assertThrows(DriverException.class, () -> perform(action, bus, device, driver));
        assertEquals(before, widget.driver(), "a refused action changes nothing");
        assertEquals(e.errno().name() + ": ", e.getMessage().substring(0, e.errno().name().length() + 2));
        return e.errno();
    }

    @Test
    void unbindThenBindMoveTheDevice() {
        assertEquals(Optional.of("alpha"), widget.driver());
        assertEquals("widget0 unbound from alpha", perform(DeviceActions.UNBIND, ToyBus.NAME, "widget0", null));
        assertEquals(Optional.empty(), widget.driver());
        assertEquals(0, widget.devres().liveCount(), "the binding's devres went with it");
        assertEquals("widget0 bound to alpha", perform(DeviceActions.BIND, ToyBus.NAME, "widget0", "alpha"));
        assertEquals(Optional.of("alpha"), widget.driver());
    }

    @Test
    void overrideSetsAndClearsWithoutReprobing() {
        assertEquals("spare0 driver_override beta", perform(DeviceActions.OVERRIDE, ToyBus.NAME, "spare0", "beta"));
        assertEquals(Optional.of("beta"), spare.driverOverride());
        assertEquals(Optional.empty(), spare.driver(), "setting driver_override does not probe");
        assertEquals("spare0 bound to beta", perform(DeviceActions.BIND, ToyBus.NAME, "spare0", "beta"));
        perform(DeviceActions.UNBIND, ToyBus.NAME, "spare0", null);
        assertEquals("spare0 driver_override (cleared)", perform(DeviceActions.OVERRIDE, ToyBus.NAME, "spare0", ""));
        assertEquals(Optional.empty(), spare.driverOverride());
        assertEquals("spare0 driver_override (cleared)", perform(DeviceActions.OVERRIDE, ToyBus.NAME, "spare0", null));
    }

    @Test
    void badInputGetsTheCoresErrno() {
        assertEquals(Errno.ENOENT, refused(DeviceActions.BIND, "nosuchbus", "widget0", "alpha"));
        // bind_store checks the match before "already bound": beta does not match widget0
        assertEquals(Errno.ENODEV, refused(DeviceActions.BIND, ToyBus.NAME, "widget0", "beta"));
        assertEquals(Errno.EBUSY, refused(DeviceActions.BIND, ToyBus.NAME, "widget0", "alpha"));
        assertEquals(Errno.ENOENT, refused(DeviceActions.BIND, ToyBus.NAME, "spare0", "nosuchdriver"));
        assertEquals(Errno.ENODEV, refused(DeviceActions.BIND, ToyBus.NAME, "spare0", "alpha"));
        assertEquals(Errno.ENODEV, refused(DeviceActions.UNBIND, ToyBus.NAME, "spare0", null));
        assertEquals(Errno.ENODEV, refused(DeviceActions.UNBIND, ToyBus.NAME, "nosuch0", null));
        assertEquals(Errno.ENODEV, refused(DeviceActions.OVERRIDE, ToyBus.NAME, "nosuch0", "alpha"));
        assertEquals(Errno.EINVAL, refused(DeviceActions.BIND, ToyBus.NAME, "spare0", null));
        assertEquals(Errno.EINVAL, refused(DeviceActions.UNBIND, ToyBus.NAME, "", null));
        assertEquals(Errno.EINVAL, refused(DeviceActions.UNBIND, null, "widget0", null));
        assertEquals(Errno.EINVAL, refused("rebind", ToyBus.NAME, "widget0", "alpha"));
    }

    @Test
    void theMessageIsTheBussOwn() {
        DriverException direct = assertThrows(DriverException.class, () -> toy.bus.bind("widget0", "beta"));
        DriverException page = assertThrows(DriverException.class,
                () -> perform(DeviceActions.BIND, ToyBus.NAME, "widget0", "beta"));
        assertEquals(direct.getMessage(), page.getMessage());
    }

    @Test
    void errnosMapToHttpStatuses() {
        assertEquals(HttpServletResponse.SC_BAD_REQUEST, DeviceActions.httpStatus(Errno.EINVAL));
        assertEquals(HttpServletResponse.SC_NOT_FOUND, DeviceActions.httpStatus(Errno.ENOENT));
        assertEquals(HttpServletResponse.SC_NOT_FOUND, DeviceActions.httpStatus(Errno.ENODEV));
        assertEquals(HttpServletResponse.SC_CONFLICT, DeviceActions.httpStatus(Errno.EBUSY));
        assertEquals(HttpServletResponse.SC_CONFLICT, DeviceActions.httpStatus(Errno.EAGAIN));
        assertEquals(HttpServletResponse.SC_FORBIDDEN, DeviceActions.httpStatus(Errno.EPERM));
        assertEquals(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, DeviceActions.httpStatus(Errno.EIO));
    }
}
