package org.nova.driver.internal;

import java.util.EnumSet;
import java.util.Set;

import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.LinkFlag;

/** A device link; fields guarded by the core's lock. */
final class LinkImpl implements DeviceLink {
    final DriverCoreImpl core;
    final DeviceImpl supplier;
    final DeviceImpl consumer;
    final EnumSet<LinkFlag> flags;
    State state = State.DORMANT;

    LinkImpl(DriverCoreImpl core, DeviceImpl supplier, DeviceImpl consumer, EnumSet<LinkFlag> flags) {
        this.core = core;
        this.supplier = supplier;
        this.consumer = consumer;
        this.flags = flags;
    }

    boolean managed() {
        return !flags.contains(LinkFlag.STATELESS);
    }

    /** Removes the link from both devices; call with the core's lock. */
    void detach() {
        supplier.consumerLinks.remove(this);
        consumer.supplierLinks.remove(this);
        core.forgetLink(this);
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
        core.lock.lock();
        try {
            return state;
        } finally {
            core.lock.unlock();
        }
    }

    @Override
    public void close() {
        core.deleteLink(this);
    }

    @Override
    public String toString() {
        return supplier.name + " -> " + consumer.name + " " + flags + " " + state;
    }
}
