package org.nova.devres;

import org.nova.devres.DevresEntry.Kind;

/**
 * One entry on a device's resource list: devres.c's {@code struct devres_node} with what it
 * releases (a resource to close or an action to run, {@code struct devres} and
 * {@code struct action_devres}), or a group marker ({@code struct devres_group}'s
 * {@code node[2]}). The labels are the scope's owner when the entry was added.
 *
 * <p>The list links ({@link #prev}, {@link #next}, {@link #linked}) are written by
 * {@link DevresList} only, under the scope's lock; everything else is final.
 */
final class DevresNode {
    final String name;
    final Kind kind;
    final String driver;
    final String bundle;
    final long sequence;
    /** The group whose marker this is; null for a resource or an action. */
    final DevresGroup group;
    private final AutoCloseable resource;
    private final Runnable action;

    DevresNode prev;
    DevresNode next;
    boolean linked;

    private DevresNode(String name, Kind kind, String driver, String bundle, long sequence,
            AutoCloseable resource, Runnable action, DevresGroup group) {
        this.name = name;
        this.kind = kind;
        this.driver = driver;
        this.bundle = bundle;
        this.sequence = sequence;
        this.resource = resource;
        this.action = action;
        this.group = group;
    }

    /** A resource ({@code devres_alloc} + {@code devres_add}): closed on release. */
    static DevresNode resource(String name, AutoCloseable resource, String driver, String bundle, long sequence) {
        return new DevresNode(name, Kind.RESOURCE, driver, bundle, sequence, resource, null, null);
    }

    /** An action ({@code devm_add_action}): run on release. */
    static DevresNode action(String name, Runnable action, String driver, String bundle, long sequence) {
        return new DevresNode(name, Kind.ACTION, driver, bundle, sequence, null, action, null);
    }

    /** A group's open or close marker. */
    static DevresNode marker(DevresGroup group, Kind kind, String driver, String bundle, long sequence) {
        return new DevresNode(String.valueOf(group.id), kind, driver, bundle, sequence, null, null, group);
    }

    /** The list's sentinel: never released, never counted. */
    static DevresNode sentinel() {
        return new DevresNode("<head>", null, null, null, 0, null, null, null);
    }

    /** @return whether this is a group marker (not counted, nothing to release). */
    boolean isMarker() {
        return group != null;
    }

    /** @return the entry as {@link DevresScope#entries()} shows it */
    DevresEntry entry() {
        return new DevresEntry(name, kind, driver, bundle, sequence);
    }

    /**
     * Releases the entry: closes the resource or runs the action, once; the caller has taken it
     * off the list. Call without the scope's lock.
     *
     * @return what the release threw, or null; never rethrown (a release cannot fail, as in the
     *     kernel), except a {@link VirtualMachineError}
     */
    Throwable release() {
        return release(resource, action);
    }

    /**
     * Closes {@code resource}, or runs {@code action} if the resource is null; an interrupt is
     * re-asserted on the thread.
     *
     * @return what it threw, or null
     * @throws VirtualMachineError as thrown
     */
    static Throwable release(AutoCloseable resource, Runnable action) {
        try {
            if (resource != null) {
                resource.close();
            } else {
                action.run();
            }
            return null;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return t;
        }
    }

    /**
     * What a dead scope (or an injected fault) does with what it is handed: closes the resource or runs the action at
     * once, so nothing leaks, and builds the exception for the caller to throw, with what the
     * release threw attached as suppressed.
     */
    static DevresException refuse(String name, String device, AutoCloseable resource, Runnable action, String why,
            boolean injected) {
        DevresException gone = new DevresException("cannot add '" + name + "': " + why, injected);
        Throwable t = release(resource, action);
        if (t != null) {
            gone.addSuppressed(t);
        }
        return gone;
    }
}
