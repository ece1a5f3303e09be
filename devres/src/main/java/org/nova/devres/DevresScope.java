package org.nova.devres;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.nova.devres.DevresEntry.Kind;
import org.osgi.annotation.versioning.ProviderType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resource list of one device (the kernel's {@code dev->devres_head}), for the device's
 * whole life. Created by {@link DevresTracker#newScope}; owned by the driver core, which
 * labels it with {@link #setOwner} on bind, calls {@link #releaseAll()} after unbind or a
 * failed probe, and {@link #kill()} when the device is deleted.
 *
 * <p><b>Ownership.</b> Whatever is handed to {@code add*} belongs to the scope from then on:
 * the scope closes the resource or runs the action exactly once, newest first, when it is
 * released, unless the caller takes it back with {@link #removeAction}. If the scope is
 * dead, {@code add*} closes or runs what it was given before throwing, so nothing leaks.
 *
 * <p><b>Groups</b> follow the kernel: {@link #openGroup} puts an open marker on the list,
 * {@link #closeGroup} a close marker; {@link #releaseGroup} releases everything between the
 * two (or from the open marker to the end while the group is open), nested groups included;
 * {@link #removeGroup} drops only the markers. Group ids are compared with
 * {@link Object#equals}; the newest group with a given id wins.
 *
 * <p><b>Concurrency.</b> All methods are thread-safe. Releases run without the scope's lock
 * held: one entry at a time is taken off the list under the lock and released outside it,
 * so a release may itself add, remove or release entries of the same scope. An entry is
 * released by whichever operation takes it off the list, so it is released exactly once
 * even when {@link #releaseAll()}, {@link #releaseGroup} and {@link #releaseAction} race.
 *
 * <p><b>Failures.</b> A release cannot fail, as in the kernel: an exception thrown by a
 * resource's {@code close()} or an action is logged with the resource name and the device,
 * does not stop the remaining releases, is not re-thrown, and is reported by
 * {@link #lastReleaseFailures()}.
 *
 * <p>drivers/base/devres.c's entry points are here; the list itself is {@link DevresList}, an
 * entry {@link DevresNode}, a group and its walks {@link DevresGroup}, the counts
 * {@link DevresTracker}, fault injection {@link FailNth}.
 *
 * <p>Why one class: this is the API a driver holds, devres.c's exported functions over one
 * lock; what could be carved out (the list, nodes, groups, counts, fault injection) already is,
 * and what remains is each entry point's kernel-doc and its few lines under the lock.
 */
@ProviderType
public final class DevresScope {

    private static final Logger LOG = LoggerFactory.getLogger(DevresScope.class);

    /**
     * Handle of an action added with {@link DevresScope#addAction}; pass it to
     * {@link DevresScope#releaseAction} or {@link DevresScope#removeAction}. Holds the action
     * until it is released or removed; carries no other state.
     */
    public static final class Action {
        private final DevresScope scope;
        private final DevresNode node;

        private Action(DevresScope scope, DevresNode node) {
            this.scope = scope;
            this.node = node;
        }

        /** @return the name the action was added with */
        public String name() {
            return node.name;
        }

        /** @return the device of the scope the action was added to */
        public String device() {
            return scope.device;
        }

        @Override
        public String toString() {
            return "devres action '" + node.name + "' on device " + scope.device;
        }
    }

    private final DevresTracker tracker;
    private final String device;
    /** devres_lock: guards the list and every field below; never held while a release runs. */
    private final Object lock = new Object();
    private final DevresList list;
    private String driver;
    private String bundle;
    private boolean dead;
    /** How many releaseAll calls are running (a release callback may start another). */
    private int releasingAll;
    /**
     * Ids of groups whose markers the latest releaseAll took off the list; null while there are
     * none (most devices never open a group, and this set was one of the allocations of every
     * device added).
     */
    private Set<Object> retiredGroups;

    private volatile List<DevresException> lastFailures = List.of();
    private final FailNth failNth;

    DevresScope(DevresTracker tracker, String device) {
        this.tracker = tracker;
        this.device = device;
        this.list = new DevresList(tracker, device, lock);
        this.failNth = new FailNth(device);
    }

    /**
     * @return the device's fault injection countdown: every {@code add*} and
     *         {@link #openGroup} of this scope is a fault point of it; the scope owns it for
     *         the device's life
     */
    public FailNth failNth() {
        return failNth;
    }

    /** @return the name of the device this scope belongs to */
    public String device() {
        return device;
    }

    /** @return the driver label entries are added under now, or {@code null} */
    public String driver() {
        synchronized (lock) {
            return driver;
        }
    }

    /** @return the bundle label entries are added under now, or {@code null} */
    public String bundle() {
        synchronized (lock) {
            return bundle;
        }
    }

    /**
     * Labels every entry added from now on with a driver and a bundle, for the per-driver
     * and per-bundle counts of the {@link DevresTracker}. The driver core sets the labels on
     * bind and clears them with {@code (null, null)} after unbind. Entries keep the labels
     * they were added with.
     *
     * @param driver the bound driver's name, or {@code null}
     * @param bundle the symbolic name of the bundle providing the driver, or {@code null}
     */
    public void setOwner(String driver, String bundle) {
        synchronized (lock) {
            this.driver = driver;
            this.bundle = bundle;
        }
    }

    /**
     * Registers a resource to be closed when the scope releases it (devm_* allocation).
     * From this call on the scope owns the resource: it calls {@code close()} exactly once,
     * on {@link #releaseAll()}, {@link #releaseGroup} of an enclosing group, or
     * {@link #kill()}. Adding the same object twice closes it twice.
     *
     * @param <T> the resource type
     * @param name the resource's name, for logs, errors and {@link #entries()}
     * @param resource the resource; ownership passes to the scope
     * @return {@code resource}, for chaining
     * @throws DevresException if the device is gone or {@link #failNth()} fails this point;
     *         the resource has then already been closed (a failure to close is attached as suppressed)
     * @throws NullPointerException if an argument is null (nothing is closed)
     */
    public <T extends AutoCloseable> T add(String name, T resource) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(resource, "resource");
        String why;
        boolean gone;
        synchronized (lock) {
            gone = dead;
            why = refusal("devres '", name);
            if (why == null) {
                link(DevresNode.resource(name, resource, driver, bundle, tracker.nextSequence()));
                return resource;
            }
        }
        throw DevresNode.refuse(name, device, resource, null, why, !gone);
    }

    /**
     * Registers an action to run when the scope releases it (devm_add_action). The scope
     * runs it exactly once, unless it is taken back with {@link #removeAction}.
     *
     * @param name the action's name, for logs, errors and {@link #entries()}
     * @param action what to run on release; ownership passes to the scope
     * @return the handle for {@link #releaseAction} and {@link #removeAction}
     * @throws DevresException if the device is gone or {@link #failNth()} fails this point;
     *         the action has then already run (an
     *         exception it threw is attached as suppressed), so nothing leaks
     * @throws NullPointerException if an argument is null (nothing is run)
     */
    public Action addAction(String name, Runnable action) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(action, "action");
        String why;
        boolean gone;
        synchronized (lock) {
            gone = dead;
            why = refusal("devres action '", name);
            if (why == null) {
                DevresNode node = DevresNode.action(name, action, driver, bundle, tracker.nextSequence());
                link(node);
                return new Action(this, node);
            }
        }
        throw DevresNode.refuse(name, device, null, action, why, !gone);
    }

    /**
     * devm_add_action_or_reset: registers an action; if that is not possible (the device is
     * gone) the action runs immediately and the failure is reported. In this implementation
     * {@link #addAction} already runs the action on failure, so the two behave the same;
     * this name states the intent at the call site, as in the kernel.
     *
     * @param name the action's name
     * @param action what to run on release; ownership passes to the scope
     * @return the handle for {@link #releaseAction} and {@link #removeAction}
     * @throws DevresException if the device is gone, after the action has run
     * @throws NullPointerException if an argument is null (nothing is run)
     */
    public Action addActionOrReset(String name, Runnable action) {
        return addAction(name, action);
    }

    /**
     * devm_release_action: takes the action off the list and runs it now. An exception it
     * throws is logged and reported by {@link #lastReleaseFailures()}, not re-thrown.
     *
     * @param action a handle returned by this scope
     * @return true if the action was on the list and this call ran it; false if it had
     *         already been released or removed (then nothing is run)
     * @throws IllegalArgumentException if the handle belongs to another scope
     */
    public boolean releaseAction(Action action) {
        DevresNode node = own(action);
        synchronized (lock) {
            if (!node.linked) {
                return false;
            }
            list.unlink(node);
        }
        List<DevresException> failures = new ArrayList<>(1);
        release(node, failures);
        lastFailures = List.copyOf(failures);
        return true;
    }

    /**
     * devm_remove_action: takes the action off the list without running it; ownership of
     * whatever the action would have cleaned up returns to the caller.
     *
     * @param action a handle returned by this scope
     * @return true if the action was on the list; false if it had already been released or
     *         removed
     * @throws IllegalArgumentException if the handle belongs to another scope
     */
    public boolean removeAction(Action action) {
        DevresNode node = own(action);
        synchronized (lock) {
            if (!node.linked) {
                return false;
            }
            list.unlink(node);
        }
        LOG.debug("devres: removed action '{}' from device {}", node.name, device);
        return true;
    }

    /**
     * devres_open_group: puts an open marker on the list; entries added after it belong to
     * the group until it is closed.
     *
     * @param id the group's id, or {@code null} for a fresh unique id
     * @return the group's id ({@code id} itself if not null)
     * @throws DevresException if the device is gone
     */
    public Object openGroup(Object id) {
        synchronized (lock) {
            if (dead) {
                throw new DevresException("cannot open devres group " + id + ": device "
                        + device + " is gone");
            }
            if (failNth.shouldFail("devres group " + id)) {
                throw new DevresException("cannot open devres group " + id + " on device "
                        + device + ": fault injected (fail-nth)", true);
            }
            Object gid = id != null ? id : new DevresGroup.GeneratedId(device, tracker.nextSequence());
            DevresGroup group = new DevresGroup(gid);
            group.open = DevresNode.marker(group, Kind.GROUP_OPEN, driver, bundle, tracker.nextSequence());
            list.link(group.open);
            if (retiredGroups != null) {
                retiredGroups.remove(gid);
            }
            return gid;
        }
    }

    /**
     * devres_close_group: puts the group's close marker on the list; entries added later are
     * no longer part of it.
     *
     * @param id the group's id, or {@code null} for the latest open group
     * @throws DevresException if no such group is on the list, or it is already closed.
     *         If the scope is being released or killed, or the latest
     *         {@link #releaseAll()} released this group, a missing group is not an error
     *         and nothing happens.
     */
    public void closeGroup(Object id) {
        synchronized (lock) {
            DevresGroup group = DevresGroup.find(list, id);
            if (group == null) {
                missingGroup(id, "close");
                return;
            }
            if (group.close != null) {
                throw new DevresException("devres group " + group.id + " on device " + device
                        + " is already closed");
            }
            group.close = DevresNode.marker(group, Kind.GROUP_CLOSE, driver, bundle, tracker.nextSequence());
            list.link(group.close);
        }
    }

    /**
     * devres_release_group: releases, newest first, every entry from the group's open
     * marker to its close marker, or to the end of the list if the group is still open.
     * Nested groups are released with it; the markers of groups wholly inside the range are
     * removed. Entries added during the release (by a release callback) are not part of it.
     * Failures are handled as in {@link #releaseAll()}.
     *
     * @param id the group's id, or {@code null} for the latest open group
     * @return the number of resources and actions this call released
     * @throws DevresException if no such group is on the list. If the scope is being
     *         released or killed, or the latest {@link #releaseAll()} released this group,
     *         a missing group is not an error and 0 is returned.
     */
    public int releaseGroup(Object id) {
        List<DevresNode> todo;
        synchronized (lock) {
            DevresGroup group = DevresGroup.find(list, id);
            if (group == null) {
                missingGroup(id, "release");
                return 0;
            }
            todo = group.takeRange(list);
        }
        List<DevresException> failures = new ArrayList<>();
        int count = 0;
        for (int i = todo.size() - 1; i >= 0; i--) {
            DevresNode n = todo.get(i);
            synchronized (lock) {
                if (!n.linked) {
                    continue; // released or removed by someone else meanwhile
                }
                list.unlink(n);
            }
            release(n, failures);
            count++;
        }
        lastFailures = List.copyOf(failures);
        LOG.debug("devres: released {} entries of group {} on device {}", count, id, device);
        return count;
    }

    /**
     * devres_remove_group: drops the group's markers; its entries stay on the list and are
     * released with whatever encloses them.
     *
     * @param id the group's id, or {@code null} for the latest open group
     * @throws DevresException if no such group is on the list (with the same exception for
     *         a scope being released as {@link #releaseGroup})
     */
    public void removeGroup(Object id) {
        synchronized (lock) {
            DevresGroup group = DevresGroup.find(list, id);
            if (group == null) {
                missingGroup(id, "remove");
                return;
            }
            group.removeMarkers(list);
        }
    }

    /**
     * devres_release_all: releases every entry on the list, newest first, exactly once, and
     * drops all group markers. Entries added by a release callback while this runs are
     * released too. A release that throws is logged with its name and the device and does
     * not stop the others; nothing is re-thrown, the failures are kept for
     * {@link #lastReleaseFailures()}. The scope stays usable (see {@link #kill()}).
     *
     * @return the number of resources and actions this call released
     */
    public int releaseAll() {
        synchronized (lock) {
            if (releasingAll++ == 0) {
                retiredGroups = null;
            }
        }
        // allocated at the first failure only: a failing release is rare, a releaseAll is every
        // unbind and every removal
        List<DevresException> failures = null;
        int count = 0;
        try {
            while (true) {
                DevresNode n;
                synchronized (lock) {
                    n = list.newest();
                    if (n == null) {
                        break;
                    }
                    list.unlink(n);
                    if (n.isMarker()) {
                        if (n.kind == Kind.GROUP_OPEN) {
                            if (retiredGroups == null) {
                                retiredGroups = new HashSet<>();
                            }
                            retiredGroups.add(n.group.id);
                        }
                        continue;
                    }
                }
                DevresException failed = release(n);
                if (failed != null) {
                    if (failures == null) {
                        failures = new ArrayList<>();
                    }
                    failures.add(failed);
                }
                count++;
            }
        } finally {
            synchronized (lock) {
                releasingAll--;
            }
        }
        lastFailures = failures == null ? List.of() : List.copyOf(failures);
        if (count > 0) {
            LOG.debug("devres: released {} entries on device {}", count, device);
        }
        return count;
    }

    /**
     * The device is gone: marks the scope dead, then {@link #releaseAll() releases
     * everything}. From then on every {@code add*} and {@link #openGroup} throws a
     * {@link DevresException} "device X is gone", after closing or running what it was given.
     * Idempotent.
     */
    public void kill() {
        synchronized (lock) {
            dead = true;
        }
        releaseAll();
    }

    /** @return true once {@link #kill()} has been called */
    public boolean isKilled() {
        synchronized (lock) {
            return dead;
        }
    }

    /**
     * @return the failures of the latest {@link #releaseAll()}, {@link #releaseGroup},
     *         {@link #releaseAction} or {@link #kill()} on this scope, oldest first; each
     *         names the entry and the device and has what the release threw as its cause.
     *         Empty if that operation had none.
     */
    public List<DevresException> lastReleaseFailures() {
        return lastFailures;
    }

    /** @return the number of resources and actions on the list (group markers not counted) */
    public int liveCount() {
        synchronized (lock) {
            return list.live();
        }
    }

    /** @return true if no resource or action is on the list (group markers may remain) */
    public boolean isEmpty() {
        return liveCount() == 0;
    }

    /** @return a snapshot of the list, oldest first, group markers included */
    public List<DevresEntry> entries() {
        synchronized (lock) {
            return list.entries();
        }
    }

    @Override
    public String toString() {
        return "DevresScope[device=" + device + ", live=" + liveCount() + "]";
    }

    // ---------------------------------------------------------------- internals

    /** Links a resource or an action; call with {@link #lock}. */
    private void link(DevresNode node) {
        list.link(node);
        if (LOG.isTraceEnabled()) {
            // three arguments are a varargs array, made before the logger looks at its level
            LOG.trace("devres: added {} '{}' to device {}", node.kind, node.name, device);
        }
    }

    private DevresNode own(Action action) {
        Objects.requireNonNull(action, "action");
        if (action.scope != this) {
            throw new IllegalArgumentException(action + " does not belong to device " + device);
        }
        return action.node;
    }

    /**
     * Whether an add may link its entry: null if so, else why not (the device is gone, or
     * fail-nth fails this point). The point's name ({@code what} + {@code name} + "'") is
     * built only while fail-nth is armed: every add of every probe passes here, nearly always
     * with fault injection off. Call with {@link #lock}.
     */
    private String refusal(String what, String name) {
        if (dead) {
            return "device " + device + " is gone";
        }
        if (!failNth.armed()) {
            return null;
        }
        return failNth.shouldFail(what + name + "'") ? "fault injected on device " + device + " (fail-nth)" : null;
    }

    /** A group is not on the list: fine if it went with the device, an error otherwise. */
    private void missingGroup(Object id, String what) {
        if (dead || releasingAll > 0 || (id != null && retiredGroups != null && retiredGroups.contains(id))) {
            LOG.debug("devres: {} group {} on device {}: already released with the device",
                    what, id, device);
            return;
        }
        throw new DevresException("cannot " + what + " devres group "
                + (id == null ? "(latest open)" : id) + ": no such group on device " + device);
    }

    /** Runs one release outside the lock; a failure is logged and collected. */
    private void release(DevresNode node, List<DevresException> failures) {
        DevresException failed = release(node);
        if (failed != null) {
            failures.add(failed);
        }
    }

    /**
     * Runs one release outside the lock; a failure is logged.
     *
     * @return the failure, naming the entry and the device, or null
     */
    private DevresException release(DevresNode node) {
        Throwable t = node.release();
        if (t == null) {
            return null;
        }
        LOG.warn("devres: release of {} '{}' on device {} failed", node.kind, node.name, device, t);
        return new DevresException("release of '" + node.name + "' on device " + device + " failed: " + t, t);
    }
}
