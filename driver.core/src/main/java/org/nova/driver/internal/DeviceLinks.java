package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;

/**
 * drivers/base/core.c, device links: {@code device_link_add} and {@code device_link_del}, the
 * cycle check {@code device_is_dependent}, and the state changes the binding steps make:
 * {@code device_links_check_suppliers} (a consumer waits for its suppliers),
 * {@code device_links_driver_bound}, {@code device_links_no_driver} (a failed probe),
 * {@code device_links_unbind_consumers} (consumers are released before their supplier),
 * {@code device_links_driver_cleanup} and {@code device_links_purge} (the device is deleted).
 * A {@link Link} is {@code struct device_link}.
 *
 * <p>Owns every link's state and each device's {@link Ends}; nothing else writes them.
 *
 * <p>Locking: everything is guarded by the core's lock (the kernel's device_links_lock).
 * {@link #add}, {@link #delete} and {@link #linksOf} take it; every other method expects it held.
 */
final class DeviceLinks {
    /** A device's links ({@code dev->links.suppliers / consumers}); guarded by the core's lock. */
    static final class Ends {
        /** Links in which the device is the consumer. */
        private final List<Link> suppliers = new ArrayList<>();
        /** Links in which the device is the supplier. */
        private final List<Link> consumers = new ArrayList<>();
    }

    /** {@code struct device_link}: supplier, consumer, flags and the managed state. */
    static final class Link implements DeviceLink {
        private final DeviceLinks owner;
        private final DeviceImpl supplier;
        private final DeviceImpl consumer;
        private final EnumSet<LinkFlag> flags;
        private State state = State.DORMANT;

        private Link(DeviceLinks owner, DeviceImpl supplier, DeviceImpl consumer, EnumSet<LinkFlag> flags) {
            this.owner = owner;
            this.supplier = supplier;
            this.consumer = consumer;
            this.flags = flags;
        }

        /** A managed link (not STATELESS) has a state and holds its consumer back. */
        private boolean managed() {
            return !flags.contains(LinkFlag.STATELESS);
        }

        /** AUTOREMOVE_CONSUMER, unless AUTOREMOVE_SUPPLIER (which wins) is set too. */
        private boolean autoremoveWithConsumer() {
            return flags.contains(LinkFlag.AUTOREMOVE_CONSUMER) && !flags.contains(LinkFlag.AUTOREMOVE_SUPPLIER);
        }

        @Override
        public Device supplier() {
            return supplier;
        }

        @Override
        public Device consumer() {
            return consumer;
        }

        @Override
        public Set<LinkFlag> flags() {
            return Set.copyOf(flags);
        }

        @Override
        public State state() {
            owner.lock.lock();
            try {
                return state;
            } finally {
                owner.lock.unlock();
            }
        }

        @Override
        public void close() {
            owner.delete(this);
        }

        @Override
        public String toString() {
            return supplier.name + " -> " + consumer.name + " " + flags + " " + state;
        }
    }

    private final DriverCoreImpl core;
    private final ReentrantLock lock;
    /** Every live link, in creation order. */
    private final List<Link> links = new ArrayList<>();

    DeviceLinks(DriverCoreImpl core) {
        this.core = core;
        this.lock = core.lock;
    }

    /**
     * device_link_add: makes {@code consumer} depend on {@code supplier}; an existing link of the
     * pair is returned as it is. A managed link starts DORMANT, AVAILABLE or ACTIVE after the
     * two devices' bindings.
     *
     * @throws DriverException EINVAL for a forbidden flag combination, a link of a device to
     *     itself or to an ancestor, a cycle, or a removed device
     */
    DeviceLink add(DeviceImpl supplier, DeviceImpl consumer, Set<LinkFlag> flags) {
        EnumSet<LinkFlag> f = flags.isEmpty() ? EnumSet.noneOf(LinkFlag.class) : EnumSet.copyOf(flags);
        boolean stateless = f.contains(LinkFlag.STATELESS);
        boolean autoremove = f.contains(LinkFlag.AUTOREMOVE_CONSUMER) || f.contains(LinkFlag.AUTOREMOVE_SUPPLIER);
        boolean autoprobe = f.contains(LinkFlag.AUTOPROBE_CONSUMER);
        if (stateless && (autoremove || autoprobe)) {
            throw new DriverException(Errno.EINVAL, "a STATELESS link cannot have AUTOREMOVE or AUTOPROBE flags");
        }
        if (autoprobe && autoremove) {
            throw new DriverException(Errno.EINVAL, "AUTOPROBE_CONSUMER cannot be combined with AUTOREMOVE flags");
        }
        if (supplier == consumer) {
            throw new DriverException(Errno.EINVAL, "a device cannot supply itself (" + supplier.name() + ")");
        }
        lock.lock();
        try {
            if (supplier.deadLocked() || consumer.deadLocked()) {
                throw new DriverException(Errno.EINVAL, "cannot link a removed device");
            }
            for (Link l : supplier.links.consumers) {
                if (l.consumer == consumer) {
                    return l;
                }
            }
            for (DeviceImpl p = supplier.parent; p != null; p = p.parent) {
                if (p == consumer) {
                    throw new DriverException(Errno.EINVAL, "consumer " + consumer.name()
                            + " is an ancestor of supplier " + supplier.name());
                }
            }
            if (isDependent(consumer, supplier)) {
                throw new DriverException(Errno.EINVAL, "link " + supplier.name() + " -> " + consumer.name()
                        + " would close a cycle");
            }
            Link l = new Link(this, supplier, consumer, f);
            links.add(l);
            supplier.links.consumers.add(l);
            consumer.links.suppliers.add(l);
            if (!stateless) {
                l.state = supplier.binding.driver() == null ? DeviceLink.State.DORMANT
                        : consumer.binding.driver() != null ? DeviceLink.State.ACTIVE : DeviceLink.State.AVAILABLE;
            }
            return l;
        } finally {
            lock.unlock();
        }
    }

    /**
     * device_is_dependent: is {@code target} below {@code dev}, through children and consumer links
     * alike? A link making {@code dev} depend on {@code target} would then close a loop (unbinding
     * either would recurse forever).
     */
    private static boolean isDependent(DeviceImpl dev, DeviceImpl target) {
        for (DeviceImpl child : dev.childrenLocked()) {
            if (child == target || isDependent(child, target)) {
                return true;
            }
        }
        for (Link l : dev.links.consumers) {
            if (l.consumer == target || isDependent(l.consumer, target)) {
                return true;
            }
        }
        return false;
    }

    /** device_link_del: a consumer held back by the link may probe now, so the deferred lists are triggered. */
    void delete(Link l) {
        lock.lock();
        try {
            if (!links.contains(l)) {
                return;
            }
            detach(l);
        } finally {
            lock.unlock();
        }
        core.deferred.trigger();
    }

    /** Takes the link off both devices and the list. */
    private void detach(Link l) {
        l.supplier.links.consumers.remove(l);
        l.consumer.links.suppliers.remove(l);
        links.remove(l);
    }

    /** @return the device's links, as consumer then as supplier. */
    List<DeviceLink> linksOf(DeviceImpl dev) {
        lock.lock();
        try {
            List<DeviceLink> out = new ArrayList<>(dev.links.suppliers);
            out.addAll(dev.links.consumers);
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * device_links_check_suppliers: the name of a supplier of a managed link that is unbound or
     * unbinding, which keeps the device from probing; null if none.
     */
    String supplierNotReady(DeviceImpl dev) {
        for (Link l : dev.links.suppliers) {
            if (l.managed() && (l.supplier.binding.driver() == null || l.supplier.binding.unbinding())) {
                return l.supplier.name;
            }
        }
        return null;
    }

    /** The rest of device_links_check_suppliers: the device's probe starts, its supplier links go CONSUMER_PROBE. */
    void consumerProbe(DeviceImpl dev) {
        for (Link l : dev.links.suppliers) {
            if (l.managed()) {
                l.state = DeviceLink.State.CONSUMER_PROBE;
            }
        }
    }

    /** device_links_no_driver: the probe failed; AUTOREMOVE_CONSUMER links go, the others are AVAILABLE. */
    void noDriver(DeviceImpl dev) {
        for (Link l : List.copyOf(dev.links.suppliers)) {
            if (!l.managed()) {
                continue;
            }
            if (l.autoremoveWithConsumer()) {
                detach(l);
            } else {
                l.state = DeviceLink.State.AVAILABLE;
            }
        }
    }

    /**
     * device_links_driver_bound: links to the device's suppliers become ACTIVE, links to its
     * consumers ACTIVE or AVAILABLE; an AUTOPROBE_CONSUMER consumer goes on the deferred list,
     * to be probed by the trigger that follows the bind.
     */
    void driverBound(DeviceImpl dev) {
        for (Link l : dev.links.suppliers) {
            if (l.managed()) {
                l.state = DeviceLink.State.ACTIVE;
            }
        }
        for (Link l : dev.links.consumers) {
            if (l.managed()) {
                l.state = l.consumer.binding.driver() != null ? DeviceLink.State.ACTIVE : DeviceLink.State.AVAILABLE;
                if (l.flags.contains(LinkFlag.AUTOPROBE_CONSUMER)) {
                    core.deferred.addLocked(l.consumer, "supplier " + dev.name + " bound (AUTOPROBE_CONSUMER)");
                }
            }
        }
    }

    /**
     * device_links_unbind_consumers, first half: the device's managed consumer links go
     * SUPPLIER_UNBIND.
     *
     * @return the consumers to release before the device, in link order (a new list the caller may extend)
     */
    List<DeviceImpl> unbindConsumers(DeviceImpl dev) {
        List<DeviceImpl> out = new ArrayList<>();
        for (Link l : dev.links.consumers) {
            if (l.managed()) {
                l.state = DeviceLink.State.SUPPLIER_UNBIND;
                out.add(l.consumer);
            }
        }
        return out;
    }

    /**
     * device_links_driver_cleanup: the device's driver is gone. As a consumer, AUTOREMOVE_CONSUMER
     * links go and the others wait (AVAILABLE or DORMANT after their supplier); as a supplier, whose
     * consumers are unbound by now, AUTOREMOVE_SUPPLIER links go and the others are DORMANT.
     */
    void driverCleanup(DeviceImpl dev) {
        for (Link l : List.copyOf(dev.links.suppliers)) {
            if (!l.managed()) {
                continue;
            }
            if (l.autoremoveWithConsumer()) {
                detach(l);
            } else {
                l.state = l.supplier.binding.driver() != null ? DeviceLink.State.AVAILABLE : DeviceLink.State.DORMANT;
            }
        }
        for (Link l : List.copyOf(dev.links.consumers)) {
            if (!l.managed()) {
                continue;
            }
            if (l.flags.contains(LinkFlag.AUTOREMOVE_SUPPLIER)) {
                detach(l);
            } else {
                l.state = DeviceLink.State.DORMANT;
            }
        }
    }

    /** device_links_purge: the device is deleted, every link it is part of goes. */
    void purge(DeviceImpl dev) {
        for (Link l : List.copyOf(dev.links.suppliers)) {
            detach(l);
        }
        for (Link l : List.copyOf(dev.links.consumers)) {
            detach(l);
        }
    }
}
