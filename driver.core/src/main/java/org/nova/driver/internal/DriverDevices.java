package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A driver's devices ({@code klist_devices} of drivers/base/base.h's driver_private): those bound
 * to it, in bind order, and those probing with it. Guarded by the core's lock; {@link Binding}
 * alone writes them, everyone else reads copies.
 *
 * <p>Both lists are intrusive, as the kernel's klist is: a device carries its node
 * ({@link DeviceImpl#knodePrev}, {@link DeviceImpl#knodeNext}, {@link DeviceImpl#knodeList}, the
 * kernel's {@code knode_driver}), so adding and removing a device is a few pointer writes, hashes
 * nothing and allocates nothing, however many devices the driver has. A device is on at most one
 * driver's list at a time: it probes with one driver under its device lock, and is bound to that
 * one only after leaving the probing list.
 */
final class DriverDevices {
    /** One intrusive list of devices, oldest first. */
    static final class Klist {
        private DeviceImpl head;
        private DeviceImpl tail;
        private int size;

        /**
         * Appends {@code dev}.
         *
         * @throws IllegalStateException if the device is on a driver's list already (a bug of the core)
         */
        void add(DeviceImpl dev) {
            if (dev.knodeList != null) {
                throw new IllegalStateException(dev + " is on a driver's device list already");
            }
            dev.knodeList = this;
            dev.knodePrev = tail;
            dev.knodeNext = null;
            if (tail == null) {
                head = dev;
            } else {
                tail.knodeNext = dev;
            }
            tail = dev;
            size++;
        }

        /** Unlinks {@code dev} if it is on this list; does nothing otherwise. */
        void remove(DeviceImpl dev) {
            if (dev.knodeList != this) {
                return;
            }
            DeviceImpl prev = dev.knodePrev;
            DeviceImpl next = dev.knodeNext;
            if (prev == null) {
                head = next;
            } else {
                prev.knodeNext = next;
            }
            if (next == null) {
                tail = prev;
            } else {
                next.knodePrev = prev;
            }
            dev.knodeList = null;
            dev.knodePrev = null;
            dev.knodeNext = null;
            size--;
        }

        boolean isEmpty() {
            return head == null;
        }

        /** @return whether {@code dev} is on this list */
        boolean contains(DeviceImpl dev) {
            return dev.knodeList == this;
        }

        /** @return the oldest device, or null */
        DeviceImpl first() {
            return head;
        }

        /** @return the newest device, or null */
        DeviceImpl last() {
            return tail;
        }

        int size() {
            return size;
        }

        /** @return the devices, oldest first, as a copy */
        List<DeviceImpl> toList() {
            List<DeviceImpl> out = new ArrayList<>(size);
            for (DeviceImpl d = head; d != null; d = d.knodeNext) {
                out.add(d);
            }
            return out;
        }
    }

    /** In bind order: driver_detach releases the latest first. */
    final Klist bound = new Klist();
    final Klist probing = new Klist();

    /** @return the bound devices in bind order, as a copy. */
    List<DeviceImpl> bound() {
        return List.copyOf(bound.toList());
    }

    /** @return the device driver_detach releases next: the latest bound, else one still probing, else null. */
    DeviceImpl nextToDetach() {
        if (!bound.isEmpty()) {
            return bound.last();
        }
        return probing.first();
    }
}
