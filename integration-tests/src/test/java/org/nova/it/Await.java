package org.nova.it;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes: for what happens asynchronously. */
public final class Await {
    /** Long enough for any probe or event of these tests; a failure is a hang, not slowness. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Await() {
    }

    /** Waits until {@code condition} holds; fails naming {@code what} otherwise. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, condition, () -> "");
    }

    /** Waits until {@code condition} holds; fails naming {@code what} and the state it saw. */
    public static void until(String what, BooleanSupplier condition, Supplier<?> state) {
        until(what, TIMEOUT, condition, state);
    }

    /** Waits up to {@code timeout} until {@code condition} holds; fails naming {@code what} and the state it saw. */
    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<?> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting until " + what
                        + "; saw " + state.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }
}
