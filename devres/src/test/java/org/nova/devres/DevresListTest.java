package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nova.devres.DevresEntry.Kind;

/** The carved parts of devres.c on their own: the list, its nodes and the group walks. */
class DevresListTest {
    private final DevresTracker tracker = new DevresTracker();
    private final DevresList list = new DevresList(tracker, "dev0", new Object());
    private final List<String> log = new ArrayList<>();
    private long seq;

    private DevresNode action(String name) {
        DevresNode n = DevresNode.action(name, () -> log.add(name), "drv", "bundle", ++seq);
        list.link(n);
        return n;
    }

    private DevresGroup open(Object id) {
        DevresGroup g = new DevresGroup(id);
        g.open = DevresNode.marker(g, Kind.GROUP_OPEN, null, null, ++seq);
        list.link(g.open);
        return g;
    }

    private void close(DevresGroup g) {
        g.close = DevresNode.marker(g, Kind.GROUP_CLOSE, null, null, ++seq);
        list.link(g.close);
    }

    private List<String> names(List<DevresNode> nodes) {
        return nodes.stream().map(n -> n.name).toList();
    }

    @Test
    void linkAndUnlinkKeepOrderAndCountOnlyResourcesAndActions() {
        DevresNode a = action("a");
        DevresGroup g = open("g");
        DevresNode b = action("b");
        assertEquals(2, list.live());
        assertEquals(2, tracker.liveTotal());
        assertEquals(Map.of("drv", 2), tracker.liveByDriver());
        assertEquals(List.of("a", "g", "b"), list.entries().stream().map(DevresEntry::name).toList());
        assertSame(b, list.newest());
        assertSame(g.open, list.older(b));
        assertSame(a, list.older(g.open));
        assertNull(list.older(a));
        assertNull(list.newer(b));

        list.unlink(g.open);
        list.unlink(b);
        assertEquals(1, list.live());
        assertEquals(1, tracker.liveForDevice("dev0"));
        assertSame(a, list.newest());
        list.unlink(a);
        assertNull(list.newest());
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void findGroupTakesTheNewestWithTheIdOrTheLatestOpen() {
        DevresGroup first = open("g");
        close(first);
        DevresGroup second = open("g");
        DevresGroup inner = open("inner");
        close(inner);
        assertSame(second, DevresGroup.find(list, "g"), "the newest group with the id");
        assertSame(second, DevresGroup.find(list, null), "the latest group still open");
        assertSame(inner, DevresGroup.find(list, "inner"));
        assertNull(DevresGroup.find(list, "none"));
        close(second);
        assertNull(DevresGroup.find(list, null), "no group open");
    }

    @Test
    void takeRangeOfAClosedGroupStopsAtItsCloseMarkerAndDropsInnerMarkers() {
        action("before");
        DevresGroup outer = open("outer");
        action("o1");
        DevresGroup inner = open("inner");
        action("i1");
        close(inner);
        close(outer);
        action("after");

        List<DevresNode> todo = outer.takeRange(list);
        assertEquals(List.of("o1", "i1"), names(todo));
        assertEquals(List.of(Kind.ACTION, Kind.ACTION, Kind.ACTION, Kind.ACTION),
                list.entries().stream().map(DevresEntry::kind).toList(),
                "both groups' markers are off the list, the entries are still on it");
    }

    @Test
    void takeRangeKeepsTheMarkersOfAGroupThatStraddlesItsEnd() {
        DevresGroup outer = open("outer");
        action("o1");
        DevresGroup straddling = open("straddling");
        close(outer);
        action("s1");
        close(straddling);

        assertEquals(List.of("o1"), names(outer.takeRange(list)));
        assertSame(straddling, DevresGroup.find(list, "straddling"), "only one of its markers was inside");
        assertNull(DevresGroup.find(list, "outer"));
    }

    @Test
    void takeRangeOfAnOpenGroupRunsToTheEnd() {
        action("before");
        DevresGroup g = open("g");
        action("x");
        action("y");
        assertEquals(List.of("x", "y"), names(g.takeRange(list)));
        assertNull(DevresGroup.find(list, "g"));
    }

    @Test
    void releaseRunsOnceAndReportsWhatItThrew() {
        DevresNode ok = action("ok");
        assertNull(ok.release());
        assertEquals(List.of("ok"), log);

        IOException boom = new IOException("boom");
        DevresNode bad = DevresNode.resource("bad", () -> {
            throw boom;
        }, null, null, ++seq);
        assertSame(boom, bad.release());
        assertThrows(StackOverflowError.class,
                () -> DevresNode.release(null, () -> {
                    throw new StackOverflowError();
                }), "a VirtualMachineError is not swallowed");
    }

    @Test
    void refuseReleasesWhatADeadScopeWasHanded() {
        DevresException e = DevresNode.refuse("late", "dev0", null, () -> log.add("late"), "device dev0 is gone", false);
        assertEquals("cannot add 'late': device dev0 is gone", e.getMessage());
        assertEquals(List.of("late"), log);
        assertEquals(0, e.getSuppressed().length);
        DevresException withCause = DevresNode.refuse("late2", "dev0", () -> {
            throw new IOException("close failed");
        }, null, "device dev0 is gone", false);
        assertEquals(1, withCause.getSuppressed().length);
    }
}
