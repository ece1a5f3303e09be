package org.nova.web;

import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

import jakarta.servlet.http.HttpServletResponse;

/**
 * The page's actions on a device: the sysfs writes {@code drivers/X/bind}, {@code drivers/X/unbind}
 * and {@code driver_override}, through the driver core's {@link Bus} as the shell's
 * {@code drv:bind}, {@code drv:unbind} and {@code drv:override} do — the same rules, the same
 * {@link DriverException} (errno first in its message) for bad input, and nothing changed then.
 */
final class DeviceActions {
    /** The actions, as the last segment of the POST's path. */
    static final String BIND = "bind", UNBIND = "unbind", OVERRIDE = "override";
    /** The parameters of an action (form fields of the POST). */
    static final String BUS = "bus", DEVICE = "device", DRIVER = "driver";

    private DeviceActions() {
    }

    /**
     * Performs one action now, synchronously.
     *
     * @param action {@link #BIND}, {@link #UNBIND} or {@link #OVERRIDE}
     * @param bus the bus name
     * @param device the device name on that bus
     * @param driver the driver to bind, or the driver_override to set ("" clears it); unused by unbind
     * @return what happened, in the words of the shell command
     * @throws DriverException EINVAL for an unknown action or a missing parameter; ENOENT for an
     *     unknown bus; otherwise what {@link Bus#bind}, {@link Bus#unbind} or
     *     {@link Bus#setDriverOverride} throws
     */
    static String perform(DriverCore core, String action, String bus, String device, String driver) {
        Bus b = core.requireBus(required(BUS, bus));
        String dev = required(DEVICE, device);
        return switch (action) {
            case BIND -> {
                String drv = required(DRIVER, driver);
                b.bind(dev, drv);
                yield dev + " bound to " + drv;
            }
            case UNBIND -> {
                String was = b.device(dev).flatMap(Device::driver).orElse("?");
                b.unbind(dev);
                yield dev + " unbound from " + was;
            }
            case OVERRIDE -> {
                b.setDriverOverride(dev, driver == null ? "" : driver);
                yield dev + " driver_override " + b.device(dev).flatMap(Device::driverOverride).orElse("(cleared)");
            }
            default -> throw new DriverException(Errno.EINVAL, "unknown action '" + action + "': "
                    + BIND + ", " + UNBIND + " or " + OVERRIDE);
        };
    }

    /**
     * The HTTP status a failed action answers with: the client's mistake (400 bad input, 404 no
     * such bus, device or driver, 409 the device's state forbids it) or the server's (500: the
     * probe itself failed).
     */
    static int httpStatus(Errno errno) {
        return switch (errno) {
            case EINVAL, ERANGE -> HttpServletResponse.SC_BAD_REQUEST;
            case EPERM -> HttpServletResponse.SC_FORBIDDEN;
            case ENOENT, ENODEV -> HttpServletResponse.SC_NOT_FOUND;
            case EBUSY, EEXIST, EAGAIN -> HttpServletResponse.SC_CONFLICT;
            default -> HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
        };
    }

    private static String required(String name, String value) {
        if (value == null || value.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "missing parameter '" + name + "'");
        }
        return value;
    }
}
