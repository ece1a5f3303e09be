package org.nova.driver;

/**
 * Thrown by a driver's probe to say "not yet": a resource it needs is not there. The device
 * goes on the deferred-probe list and is probed again after the next successful bind
 * (or on demand), like returning {@code -EPROBE_DEFER}. Whatever devres the probe acquired
 * is released first.
 */
public class ProbeDeferException extends DriverException {
    private static final long serialVersionUID = 1L;

    public ProbeDeferException(String reason) {
        super(Errno.EPROBE_DEFER, reason);
    }
}
