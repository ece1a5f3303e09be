package org.nova.devres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.devres.DevresEntry.Kind;

class DevresGroupTest {

    private final DevresTracker tracker = new DevresTracker();
    private final DevresScope scope = tracker.newScope("aux.nova-drm.0");
    private final List<String> log = new ArrayList<>();

    private void act(String name) {
        scope.addAction(name, () -> log.add(name));
    }

    private List<Kind> kinds() {
        return scope.entries().stream().map(DevresEntry::kind).toList();
    }

    @Test
    void closedGroupReleasesOnlyItsMembersLifo() {
        act("before");
        Object g = scope.openGroup("g");
        act("in1");
        act("in2");
        scope.closeGroup(g);
        act("after");

        assertEquals(2, scope.releaseGroup("g"));
        assertEquals(List.of("in2", "in1"), log);
        assertEquals(List.of(Kind.ACTION, Kind.ACTION), kinds(), "markers gone too");
        assertEquals(2, scope.releaseAll());
        assertEquals(List.of("in2", "in1", "after", "before"), log);
    }

    @Test
    void stillOpenGroupReleasesToTheEnd() {
        act("before");
        scope.openGroup("g");
        act("in1");
        act("in2");
        assertEquals(2, scope.releaseGroup("g"));
        assertEquals(List.of("in2", "in1"), log);
        assertEquals(1, scope.liveCount());
        assertEquals(List.of(Kind.ACTION), kinds());
    }

    @Test
    void nestedGroupsAreReleasedWithTheOuter() {
        scope.openGroup("outer");
        act("o1");
        scope.openGroup("inner");
        act("i1");
        scope.closeGroup("inner");
        act("o2");
        scope.closeGroup("outer");
        act("after");

        assertEquals(3, scope.releaseGroup("outer"));
        assertEquals(List.of("o2", "i1", "o1"), log);
        assertEquals(List.of(Kind.ACTION), kinds(), "inner markers wholly inside are removed");
        assertThrows(DevresException.class, () -> scope.releaseGroup("inner"));
    }

    @Test
    void releasingInnerGroupLeavesOuter() {
        scope.openGroup("outer");
        act("o1");
        scope.openGroup("inner");
        act("i1");
        act("i2");
        scope.closeGroup("inner");
        act("o2");

        assertEquals(2, scope.releaseGroup("inner"));
        assertEquals(List.of("i2", "i1"), log);
        assertEquals(2, scope.releaseGroup("outer")); // still open: to the end
        assertEquals(List.of("i2", "i1", "o2", "o1"), log);
        assertTrue(scope.entries().isEmpty());
    }

    @Test
    void openInnerGroupInsideClosedOuterIsRemovedWithIt() {
        scope.openGroup("outer");
        scope.openGroup("inner-never-closed");
        act("x");
        scope.closeGroup("outer");
        assertEquals(1, scope.releaseGroup("outer"));
        assertTrue(scope.entries().isEmpty());
    }

    @Test
    void removeGroupKeepsResources() {
        act("a");
        scope.openGroup("g");
        act("b");
        scope.closeGroup("g");
        scope.removeGroup("g");
        assertEquals(List.of(Kind.ACTION, Kind.ACTION), kinds());
        assertEquals(2, scope.liveCount());
        assertTrue(log.isEmpty());
        assertThrows(DevresException.class, () -> scope.releaseGroup("g"));
        assertEquals(2, scope.releaseAll());
        assertEquals(List.of("b", "a"), log);
    }

    @Test
    void unknownGroupIdIsAnErrorNamingIt() {
        act("a");
        DevresException e = assertThrows(DevresException.class,
                () -> scope.releaseGroup("no-such-group"));
        assertTrue(e.getMessage().contains("no-such-group"), e.getMessage());
        assertTrue(e.getMessage().contains("aux.nova-drm.0"), e.getMessage());
        assertThrows(DevresException.class, () -> scope.closeGroup("no-such-group"));
        assertThrows(DevresException.class, () -> scope.removeGroup("no-such-group"));
        assertThrows(DevresException.class, () -> scope.closeGroup(null), "no open group");
        assertTrue(log.isEmpty());
        assertEquals(1, scope.liveCount());
    }

    @Test
    void releaseGroupTwiceIsAnError() {
        scope.openGroup("g");
        act("a");
        assertEquals(1, scope.releaseGroup("g"));
        assertThrows(DevresException.class, () -> scope.releaseGroup("g"));
        assertEquals(List.of("a"), log);
    }

    @Test
    void groupReleasedByReleaseAllIsNotAnError() {
        scope.openGroup("g");
        act("a");
        scope.releaseAll();
        assertEquals(0, scope.releaseGroup("g"));
        assertEquals(List.of("a"), log);
    }

    @Test
    void nullIdGetsFreshUniqueIdAndNullCloseClosesLatestOpen() {
        Object g1 = scope.openGroup(null);
        act("a");
        Object g2 = scope.openGroup(null);
        act("b");
        assertNotNull(g1);
        assertNotEquals(g1, g2);
        scope.closeGroup(null); // closes g2
        act("c");
        assertThrows(DevresException.class, () -> scope.closeGroup(g2), "already closed");

        assertEquals(1, scope.releaseGroup(g2));
        assertEquals(List.of("b"), log);
        scope.closeGroup(null); // closes g1
        act("d");
        assertEquals(2, scope.releaseGroup(g1));
        assertEquals(List.of("b", "c", "a"), log);
        assertEquals(1, scope.liveCount());
    }

    @Test
    void nullReleaseTargetsLatestOpenGroup() {
        scope.openGroup("outer");
        act("a");
        scope.openGroup("inner");
        act("b");
        assertEquals(1, scope.releaseGroup(null));
        assertEquals(List.of("b"), log);
        assertEquals(1, scope.releaseGroup(null));
        assertEquals(List.of("b", "a"), log);
    }

    @Test
    void newestGroupWithSameIdWins() {
        scope.openGroup("g");
        act("old");
        scope.closeGroup("g");
        scope.openGroup("g");
        act("new");
        assertEquals(1, scope.releaseGroup("g"));
        assertEquals(List.of("new"), log);
        assertEquals(1, scope.releaseGroup("g"));
        assertEquals(List.of("new", "old"), log);
    }

    @Test
    void entriesAddedByAGroupReleaseAreNotPartOfIt() {
        scope.openGroup("g");
        scope.addAction("adds", () -> {
            log.add("adds");
            scope.addAction("late", () -> log.add("late"));
        });
        assertEquals(1, scope.releaseGroup("g"));
        assertEquals(List.of("adds"), log);
        assertEquals(1, scope.liveCount());
    }

    @Test
    void releaseAllDropsMarkers() {
        scope.openGroup("g");
        act("a");
        scope.closeGroup("g");
        assertEquals(1, scope.releaseAll());
        assertTrue(scope.entries().isEmpty());
    }
}
