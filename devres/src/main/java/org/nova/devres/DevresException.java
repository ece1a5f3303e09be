package org.nova.devres;

import java.io.Serial;

/**
 * A devres operation failed: the scope's device is gone, a group id is unknown, a release
 * threw (see {@link DevresScope#lastReleaseFailures()}), or {@link FailNth} failed the
 * acquisition on purpose ({@link #isInjected()}: the kernel's failslab making the allocation
 * fail, which a driver reports as ENOMEM). The message names the resource or group and the
 * device.
 */
public class DevresException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final boolean injected;

    /**
     * @param message what failed and why, naming the resource or group and the device
     */
    public DevresException(String message) {
        this(message, false);
    }

    /**
     * @param message what failed and why, naming the resource or group and the device
     * @param injected whether fault injection ({@link FailNth}) caused the failure
     */
    public DevresException(String message, boolean injected) {
        super(message);
        this.injected = injected;
    }

    /**
     * @param message what failed and why, naming the resource or group and the device
     * @param cause the underlying failure, for example what a release threw
     */
    public DevresException(String message, Throwable cause) {
        super(message, cause);
        this.injected = false;
    }

    /**
     * @return true if {@link FailNth} failed the acquisition (an allocation failure, ENOMEM
     *         for the driver); false for a real failure (device gone, unknown group, release)
     */
    public boolean isInjected() {
        return injected;
    }
}
