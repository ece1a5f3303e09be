package org.nova.devres;

import java.util.ArrayList;
import java.util.List;

/**
 * A device's resource list, {@code dev->devres_head}: circular and doubly linked through a
 * sentinel, oldest entry first, with the count of live entries (group markers not counted)
 * reported to the {@link DevresTracker} as entries come and go.
 *
 * <p>Owned by one {@link DevresScope}; not thread-safe: every method is called with the
 * scope's lock held (the kernel's {@code devres_lock}).
 */
final class DevresList {
    private final DevresTracker tracker;
    private final String device;
    /** {@code head.next} is the oldest entry, {@code head.prev} the newest. */
    private final DevresNode head = DevresNode.sentinel();
    private int live;

    DevresList(DevresTracker tracker, String device) {
        this.tracker = tracker;
        this.device = device;
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
            live++;
            tracker.adjust(device, node.driver, node.bundle, 1);
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
            live--;
            tracker.adjust(device, node.driver, node.bundle, -1);
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

    /** @return every entry, oldest first, markers included */
    List<DevresEntry> entries() {
        List<DevresEntry> out = new ArrayList<>();
        for (DevresNode n = head.next; n != head; n = n.next) {
            out.add(n.entry());
        }
        return List.copyOf(out);
    }
}
