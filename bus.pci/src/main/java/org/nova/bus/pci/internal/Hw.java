package org.nova.bus.pci.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;

/** Maps backend failures ({@link HwException}) to the driver model's {@link DriverException}. */
final class Hw {
    private Hw() {
    }

    /**
     * @param e the backend's failure
     * @param what what was attempted, for the message
     * @return a DriverException with the same kernel errno (EIO for a name the core does not know)
     */
    static DriverException translate(HwException e, String what) {
        Errno errno;
        try {
            errno = Errno.valueOf(e.errno());
        } catch (IllegalArgumentException unknown) {
            errno = Errno.EIO;
        }
        return new DriverException(errno, what + ": " + e.getMessage(), e);
    }
}
