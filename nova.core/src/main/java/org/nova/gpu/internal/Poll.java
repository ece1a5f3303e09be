package org.nova.gpu.internal;

import java.util.function.BooleanSupplier;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** read_poll_timeout: polls a condition until it holds or the timeout passes (ETIMEDOUT). */
final class Poll {
    private Poll() {
    }

    /**
     * @param what names the wait in the error
     * @param timeoutMs the timeout
     * @param sleepMs pause between polls (0: spin with a yield)
     * @throws DriverException ETIMEDOUT naming what and the timeout
     */
    static void until(String what, long timeoutMs, long sleepMs, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                if (done.getAsBoolean()) {
                    return;
                }
                throw new DriverException(Errno.ETIMEDOUT, what + ": no result within " + timeoutMs + " ms");
            }
            try {
                if (sleepMs > 0) {
                    Thread.sleep(sleepMs);
                } else {
                    Thread.onSpinWait();
                    Thread.yield();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverException(Errno.ETIMEDOUT, what + ": interrupted", e);
            }
        }
    }
}
