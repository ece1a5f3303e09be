package org.nova.devres;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value that can be revoked (Rust {@code kernel::revocable::Revocable}): until
 * {@link #revoke()} it is reached through short-lived {@link Guard guards}; afterwards every
 * access is refused without touching the value, and the value has been released exactly
 * once.
 *
 * <p><b>Ownership.</b> The Revocable owns the value from construction: it calls the release
 * function on it exactly once, in {@link #revoke()}, after the last guard in flight has been
 * closed. Callers must not keep the value beyond the guard they got it from.
 *
 * <p><b>Cost.</b> {@link #access()} is one compare-and-set on an in-flight counter that also
 * carries the revoked bit; {@link Guard#close()} is one atomic decrement. Only a revoker that
 * must wait, and the last guard closed while one waits, touch a lock. Where the kernel uses
 * RCU (and forbids sleeping under the guard), this uses a counter: a guard may block, but it
 * delays revocation for as long as it is held, so keep guards short.
 *
 * <p><b>Deadlock.</b> {@link #revoke()} waits for every guard in flight, including those of
 * the calling thread: revoking (or closing a {@link Devres}, or releasing the scope that
 * holds it) while the same thread holds a guard of this Revocable never returns. This is
 * not detected, to keep access cheap; a revoker that has waited ten seconds logs a warning
 * naming the resource, and again every ten seconds after.
 *
 * <p>A Revocable must be published safely to other threads (as through any concurrent
 * collection or service registry).
 *
 * @param <T> the type of the value
 */
@ProviderType
public class Revocable<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Revocable.class);

    /** State bit set once revocation has started; no new guard is handed out after it. */
    private static final int REVOKED = Integer.MIN_VALUE;
    /** State bits counting guards in flight. */
    private static final int COUNT_MASK = Integer.MAX_VALUE;
    /** After this long a waiting revoker logs a warning (possible self-deadlock). */
    private static final long WAIT_WARN_SECONDS = 10;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Revocable.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #REVOKED} bit plus the number of guards in flight. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    /** The value; cleared once released so it can be collected. */
    private volatile T value;
    private final Consumer<? super T> release;
    private final String name;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the last guard closes after revocation, and when release completes. */
    private final Condition changed = lock.newCondition();
    /** True once the release function has returned (or thrown). */
    private volatile boolean released;

    /**
     * Creates a Revocable named after {@code String.valueOf(value)}.
     *
     * @param value the value; ownership passes to this Revocable
     * @param release called with the value exactly once, by the first {@link #revoke()},
     *        after all guards have closed; use {@code v -> {}} if there is nothing to release
     * @throws NullPointerException if an argument is null
     */
    public Revocable(T value, Consumer<? super T> release) {
        this(String.valueOf(value), value, release);
    }

    /**
     * Creates a named Revocable.
     *
     * @param name names the resource in messages, for example "BAR0 of 0000:01:00.0"
     * @param value the value; ownership passes to this Revocable
     * @param release called with the value exactly once, by the first {@link #revoke()},
     *        after all guards have closed
     * @throws NullPointerException if an argument is null
     */
    public Revocable(String name, T value, Consumer<? super T> release) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Objects.requireNonNull(value, "value");
        this.release = Objects.requireNonNull(release, "release");
    }

    /** @return the resource's name, as used in messages */
    public final String name() {
        return name;
    }

    /**
     * Starts an access. The caller must close the guard, promptly, on the same code path
     * (try-with-resources); revocation waits for it.
     *
     * @return a guard giving the value until it is closed
     * @throws RevokedException if revocation has started; the value is not touched
     */
    public final Guard<T> access() {
        if (!enter()) {
            throw new RevokedException(name);
        }
        return new Guard<>(this, value);
    }

    /**
     * Like {@link #access()}, reporting revocation as an empty result.
     *
     * @return a guard to close, or empty once revocation has started
     */
    public final Optional<Guard<T>> tryAccess() {
        return enter() ? Optional.of(new Guard<>(this, value)) : Optional.empty();
    }

    /**
     * @return true once revocation has started (the release may still be running or waiting
     *         for guards)
     */
    public final boolean isRevoked() {
        return (int) STATE.getVolatile(this) < 0;
    }

    /**
     * Revokes: from now on no access starts; waits (uninterruptibly; an interrupt is kept
     * pending) until every guard in flight is closed; then calls the release function with
     * the value, exactly once. Concurrent and later callers wait until that release has
     * completed. Must not be called while the calling thread holds a guard of this
     * Revocable (see the class comment).
     *
     * @return true for the one call that revoked and released; false for every other
     * @throws RuntimeException whatever the release function threw, to the call that ran it
     *         only; the Revocable is revoked and released all the same
     */
    public final boolean revoke() {
        int prev = (int) STATE.getAndBitwiseOr(this, REVOKED);
        if (prev < 0) {
            awaitReleased();
            return false;
        }
        if ((prev & COUNT_MASK) != 0) {
            awaitNoGuards();
        }
        T v = value;
        value = null;
        try {
            release.accept(v);
        } finally {
            lock.lock();
            try {
                released = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        LOG.debug("revocable: {} revoked and released", name);
        return true;
    }

    /**
     * Same as {@link #revoke()}, ignoring whether this call was the one that revoked: the
     * Rust drop.
     */
    @Override
    public void close() {
        revoke();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + (isRevoked() ? ", revoked]" : "]");
    }

    // ---------------------------------------------------------------- internals

    /** One CAS: count a guard in unless revoked. */
    private boolean enter() {
        int s = (int) STATE.getVolatile(this);
        while (true) {
            if (s < 0) {
                return false;
            }
            if (s == COUNT_MASK) {
                throw new IllegalStateException("too many guards in flight on " + name);
            }
            int witness = (int) STATE.compareAndExchange(this, s, s + 1);
            if (witness == s) {
                return true;
            }
            s = witness;
        }
    }

    /** One atomic decrement: count a guard out, waking the revoker if it was the last. */
    private void exit() {
        int now = (int) STATE.getAndAdd(this, -1) - 1;
        if (now == REVOKED) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void awaitNoGuards() {
        awaitUntil(() -> ((int) STATE.getVolatile(this) & COUNT_MASK) == 0, "guards in flight");
    }

    private void awaitReleased() {
        if (!released) {
            awaitUntil(() -> released, "the release by another revoker");
        }
    }

    private void awaitUntil(BooleanSupplier done, String what) {
        boolean interrupted = false;
        long warnNanos = TimeUnit.SECONDS.toNanos(WAIT_WARN_SECONDS);
        long waited = 0;
        lock.lock();
        try {
            long left = warnNanos;
            while (!done.getAsBoolean()) {
                try {
                    left = changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                if (left <= 0) {
                    waited += WAIT_WARN_SECONDS;
                    LOG.warn("revocable: revoke of {} has waited {} s for {}; a thread that "
                            + "revokes while holding one of its guards never returns",
                            name, waited, what);
                    left = warnNanos;
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * An access in flight: gives the value until closed. Obtained from {@link #access()} or
     * {@link #tryAccess()}; use it from one thread, in try-with-resources. While it is open,
     * {@link Revocable#revoke()} waits; closing it is what lets revocation proceed.
     *
     * @param <T> the type of the value
     */
    public static final class Guard<T> implements AutoCloseable {
        private final Revocable<T> owner;
        private final T value;
        private boolean closed;

        private Guard(Revocable<T> owner, T value) {
            this.owner = owner;
            this.value = value;
        }

        /**
         * @return the value; valid only until this guard is closed
         * @throws IllegalStateException if this guard has been closed
         */
        public T get() {
            if (closed) {
                throw new IllegalStateException("guard of " + owner.name + " is closed");
            }
            return value;
        }

        /** Ends the access; idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                owner.exit();
            }
        }
    }
}
