package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** dd.c's probe_count and wait_for_device_probe on their own. */
class ProbeCountTest {
    private final ProbeCount count = new ProbeCount();

    @Test
    void idleAtOnceWhenNothingIsInFlight() {
        assertTrue(count.awaitIdle(Duration.ZERO));
    }

    @Test
    void waitsForTheLastDoneAndTimesOutBeforeIt() throws Exception {
        count.begin();
        count.begin();
        assertFalse(count.awaitIdle(Duration.ofMillis(20)), "two in flight");
        count.done();
        assertFalse(count.awaitIdle(Duration.ofMillis(20)), "one still in flight");
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicBoolean idle = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            waiting.countDown();
            idle.set(count.awaitIdle(Duration.ofSeconds(20)));
        });
        waiter.start();
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        count.done();
        waiter.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(waiter.isAlive());
        assertTrue(idle.get(), "the last done wakes the waiter");
    }

    @Test
    void anInterruptedWaitReportsNotIdleAndKeepsTheFlag() {
        count.begin();
        Thread.currentThread().interrupt();
        try {
            assertFalse(count.awaitIdle(Duration.ofSeconds(20)));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
            count.done();
        }
    }
}
