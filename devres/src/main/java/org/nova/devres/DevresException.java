package org.nova.devres;

import java.io.Serial;

/**
 * A devres operation failed: the scope's device is gone, a group id is unknown, or a release
 * threw (see {@link DevresScope#lastReleaseFailures()}). The message names the resource or
 * group and the device.
 */
public class DevresException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and why, naming the resource or group and the device
     */
    public DevresException(String message) {
        super(message);
    }

    /**
     * @param message what failed and why, naming the resource or group and the device
     * @param cause the underlying failure, for example what a release threw
     */
    public DevresException(String message, Throwable cause) {
        super(message, cause);
    }
}
