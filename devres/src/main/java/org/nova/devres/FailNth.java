package org.nova.devres;

import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection for one device: the kernel's per-task {@code fail-nth}
 * ({@code /proc/<pid>/task/<tid>/fail-nth}, the first check of {@code should_fail_ex} in
 * lib/fault-inject.c), kept per device instead of per task because a probe here may run on a
 * workqueue thread the tester does not own.
 *
 * <p>Writing n (n &gt; 0) arms the countdown: each fault point of the device that is passed
 * decrements it, and the point that takes it to 0 fails, once. Reading gives what is left: 0
 * after the fault was injected (or when never armed), so a test learns whether its n-th point
 * was reached. A test that arms 1, 2, 3, ... in turn until a probe succeeds with the countdown
 * still above zero has failed every point of that probe exactly once, as syzkaller does.
 *
 * <p>The fault points are every acquisition of the device's {@link DevresScope} (a resource,
 * an action, a group: each allocates in the kernel, where failslab can fail it) and whatever a
 * driver declares a point with {@link #shouldFail} (nova-core's GSP boot steps). Owned by the
 * device's scope ({@link DevresScope#failNth()}); thread-safe.
 */
@ProviderType
public final class FailNth {

    private static final Logger LOG = LoggerFactory.getLogger(FailNth.class);

    private final String device;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile String injected;

    FailNth(String device) {
        this.device = device;
    }

    /**
     * Arms (n &gt; 0) or disarms (0) the countdown, as a write to {@code fail-nth} does, and
     * forgets the previously injected point.
     *
     * @param n which of the following fault points fails: 1 for the next one
     * @throws IllegalArgumentException if n is negative (the kernel's EINVAL)
     */
    public void set(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("fail-nth of device " + device + ": " + n
                    + " is negative; write n > 0 to fail the n-th fault point, 0 to disarm");
        }
        injected = null;
        remaining.set(n);
    }

    /** @return the points left before the fault; 0 once injected, or when not armed */
    public int remaining() {
        return remaining.get();
    }

    /**
     * @return whether the countdown is running: false when it was never armed, was disarmed,
     *         or has injected its fault, so that no point of the device can fail now and a
     *         caller may skip naming its point for {@link #shouldFail}
     */
    public boolean armed() {
        return remaining.get() != 0;
    }

    /** @return the fault point that failed since the latest {@link #set}, or null */
    public String injected() {
        return injected;
    }

    /**
     * A fault point: counts down and says whether this point must fail. The caller then fails
     * the way the real failure would (a devres add throws after releasing what it was given; a
     * boot step reports its error) so the error paths run exactly as they would for real.
     *
     * @param point what is being acquired or done, for the log line and {@link #injected()}
     * @return true if this point fails now
     */
    public boolean shouldFail(String point) {
        while (true) {
            int n = remaining.get();
            if (n == 0) {
                return false;
            }
            if (remaining.compareAndSet(n, n - 1)) {
                if (n > 1) {
                    return false;
                }
                injected = point;
                LOG.info("FAULT_INJECTION: forcing a failure of {} on device {} (fail-nth)", point, device);
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return "fail-nth " + remaining.get() + " on device " + device
                + (injected == null ? "" : ", injected at " + injected);
    }
}
