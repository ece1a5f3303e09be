package org.nova.devres;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A devres group, devres.c's {@code struct devres_group}: an id and two markers on the list.
 * Entries between the open and the close marker (or after the open marker while the group is
 * open) belong to it. Also devres.c's group walks over a {@link DevresList}: {@code find_group}
 * and the range that {@code remove_nodes} takes for {@code devres_release_group}.
 *
 * <p>The markers are set by the owning {@link DevresScope} under its lock; every method here
 * expects that lock held.
 */
final class DevresGroup {
    /** The id {@link DevresScope#openGroup(Object) openGroup(null)} invents. */
    record GeneratedId(String device, long sequence) {
        @Override
        public String toString() {
            return "group#" + sequence + "@" + device;
        }
    }

    final Object id;
    DevresNode open;
    /** Null until the group is closed; afterwards the close marker (linked or not). */
    DevresNode close;

    DevresGroup(Object id) {
        this.id = id;
    }

    /** Kernel rule: a group is open while its close marker is not on the list. */
    boolean isOpen() {
        return close == null || !close.linked;
    }

    /** find_group: newest first; a null id finds the latest open group. */
    static DevresGroup find(DevresList list, Object id) {
        for (DevresNode n = list.newest(); n != null; n = list.older(n)) {
            if (!n.isMarker()) {
                continue;
            }
            if (id != null) {
                if (Objects.equals(n.group.id, id)) {
                    return n.group;
                }
            } else if (n.group.isOpen()) {
                return n.group;
            }
        }
        return null;
    }

    /**
     * remove_nodes for devres_release_group: collects the resources and actions from the open
     * marker to the close marker (to the end of the list while the group is open), and unlinks
     * the markers of every group wholly inside that range, this one included. Each group met is
     * "coloured": 1 for each of its markers in the range, counting an open group's missing close
     * marker as in; a colour of 2 means the group lies wholly inside.
     *
     * @return the entries to release, oldest first, still on the list
     */
    List<DevresNode> takeRange(DevresList list) {
        List<DevresNode> todo = new ArrayList<>();
        Map<DevresGroup, Integer> colour = new IdentityHashMap<>();
        DevresNode end = isOpen() ? null : list.newer(close);
        for (DevresNode n = open; n != end; n = list.newer(n)) {
            if (n.isMarker()) {
                colour.merge(n.group, n.group.isOpen() ? 2 : 1, Integer::sum);
            } else {
                todo.add(n);
            }
        }
        for (Map.Entry<DevresGroup, Integer> e : colour.entrySet()) {
            if (e.getValue() == 2) {
                e.getKey().removeMarkers(list);
            }
        }
        return todo;
    }

    /** devres_remove_group's step: takes whichever of the group's markers are on the list off it. */
    void removeMarkers(DevresList list) {
        if (close != null && close.linked) {
            list.unlink(close);
        }
        if (open.linked) {
            list.unlink(open);
        }
    }
}
