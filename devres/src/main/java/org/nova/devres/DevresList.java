package org.nova.devres;

import java.util.ArrayList;
import java.util.List;

/**
 * A device's resource list, {@code dev->devres_head}: circular and doubly linked through a
 * sentinel, oldest entry first, with the count of live entries (group markers not counted),
 * which is the device's count in the {@link DevresTracker}: the list tells the tracker when it
 * starts and stops holding entries, and each entry's driver and bundle.
 *
 * <p>Owned by one {@link DevresScope}; not thread-safe: every method is called with the
 * scope's lock held (the kernel's {@code devres_lock}), except {@link #liveLocked()}, which takes it.
 */
final class DevresList {
    private final DevresTracker tracker;
    private final String device;
    /** The owning scope's lock, for {@link #liveLocked()}. */
    private final Object scopeLock;
    /** The tracker's list of lists that hold entries; guarded by the tracker's lock. */
    DevresList olderOccupied;
    DevresList newerOccupied;
    /** {@code head.next} is the oldest entry, {@code head.prev} the newest. */
    private final DevresNode head = DevresNode.sentinel();
    private int live;

    DevresList(DevresTracker tracker, String device, Object scopeLock) {
        this.tracker = tracker;
        this.device = device;
        this.scopeLock = scopeLock;
        head.prev = head;
        head.next = head;
    }

    /** Appends an entry as the newest (add_dr); a resource or an action is counted. */
    void link(DevresNode node) {
        DevresNode tail = head.prev;
        node.prev = tail;
        node.next = head;
        tail.next = node;
        head.prev = node;
        node.linked = true;
        if (!node.isMarker()) {
            if (live++ == 0) {
                tracker.occupied(this);
            }
            tracker.adjust(node.driver, node.bundle, 1);
        }
    }

    /** Takes a linked entry off the list; a resource or an action is counted out. */
    void unlink(DevresNode node) {
        node.prev.next = node.next;
        node.next.prev = node.prev;
        node.prev = null;
        node.next = null;
        node.linked = false;
        if (!node.isMarker()) {
            if (--live == 0) {
                tracker.vacated(this);
            }
            tracker.adjust(node.driver, node.bundle, -1);
        }
    }

    /** @return the newest entry, or null if the list is empty */
    DevresNode newest() {
        return head.prev == head ? null : head.prev;
    }

    /** @return the entry before {@code node} (older), or null at the start of the list */
    DevresNode older(DevresNode node) {
        return node.prev == head ? null : node.prev;
    }

    /** @return the entry after {@code node} (newer), or null at the end of the list */
    DevresNode newer(DevresNode node) {
        return node.next == head ? null : node.next;
    }

    /** @return the number of resources and actions on the list */
    int live() {
        return live;
    }

    /** @return {@link #live()}, read under the scope's lock: for the tracker, which holds none */
    int liveLocked() {
        synchronized (scopeLock) {
            return live;
        }
    }

    /** @return the device the list belongs to */
    String device() {
        return device;
    }

    /** @return every entry, oldest first, markers included */
    List<DevresEntry> entries() {
        List<DevresEntry> out = new ArrayList<>();
        for (DevresNode n = head.next; n != head; n = n.next) {
            out.add(n.entry());
        }
        return List.copyOf(out);
    }
}
