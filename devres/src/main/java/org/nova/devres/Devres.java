package org.nova.devres;

import java.util.Objects;
import java.util.function.Consumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A {@link Revocable} whose revocation is registered in a device's {@link DevresScope}
 * (Rust {@code kernel::devres::Devres}): when the device unbinds and the scope is released,
 * the value is revoked, waiting for guards in flight, and released. A BAR mapping held in a
 * Devres therefore cannot be touched after unbind: {@link #access()} throws
 * {@link RevokedException}, {@link #tryAccess()} is empty.
 *
 * <p><b>Ownership.</b> The Devres owns the value; the release function runs exactly once,
 * on whichever comes first: the scope releasing the Devres's entry, {@link #close()}, or
 * {@link #revoke()}. {@link #close()} (the Rust drop) also takes the entry off the scope.
 *
 * @param <T> the type of the value
 */
@ProviderType
public final class Devres<T> extends Revocable<T> {

    private final DevresScope scope;
    /** Set by {@link #register} before the Devres is published. */
    private DevresScope.Action action;

    private Devres(DevresScope scope, String name, T value, Consumer<? super T> release) {
        super(name, value, release);
        this.scope = scope;
    }

    /**
     * Wraps a value in a Revocable and registers its revocation as an action on the scope.
     *
     * @param <T> the type of the value
     * @param scope the device's scope; releases the value at unbind at the latest
     * @param name names the resource in the scope's entries, logs and messages
     * @param value the value; ownership passes to the Devres
     * @param release called with the value exactly once, after all guards have closed
     * @return the registered Devres; the caller should {@link #close()} it when done
     * @throws DevresException if the scope's device is gone; the value has then already
     *         been released (and the Devres revoked)
     * @throws NullPointerException if an argument is null (nothing is released)
     */
    public static <T> Devres<T> register(DevresScope scope, String name, T value,
            Consumer<? super T> release) {
        Objects.requireNonNull(scope, "scope");
        Devres<T> devres = new Devres<>(scope, name, value, release);
        devres.action = scope.addActionOrReset(name, devres::revokeFromScope);
        return devres;
    }

    /** @return the scope the revocation is registered in */
    public DevresScope scope() {
        return scope;
    }

    /**
     * The Rust drop: takes the entry off the scope (if the scope has not already taken it)
     * and revokes, waiting for guards in flight, then releases the value. Safe against the
     * scope releasing the entry at the same time: the value is released once, and this call
     * returns only after it has been. A no-op after the scope released it. Must not be
     * called while this thread holds a guard of this Devres.
     *
     * @throws RuntimeException what the release function threw, if this call ran it
     */
    @Override
    public void close() {
        scope.removeAction(action);
        revoke();
    }

    private void revokeFromScope() {
        revoke();
    }
}
