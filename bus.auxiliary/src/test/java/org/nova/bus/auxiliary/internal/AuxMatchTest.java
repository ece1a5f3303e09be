package org.nova.bus.auxiliary.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** auxiliary_match_id, the device name and the MODALIAS. */
class AuxMatchTest {
    @Test
    void namesAreModnameDevnameId() {
        assertEquals("nova_core.nova-drm.0", AuxMatch.deviceName("nova_core", "nova-drm", 0));
        assertEquals("m.d.-1", AuxMatch.deviceName("m", "d", -1), "%d of a u32 above INT_MAX");
        assertEquals("nova_core.nova-drm", AuxMatch.matchName("nova_core.nova-drm.0"));
        assertNull(AuxMatch.matchName("nodot"));
    }

    @Test
    void matchIsTheNameUpToTheLastDot() {
        List<String> ids = List.of("mlx5_core.rdma", "mlx5_core.eth");
        assertEquals("mlx5_core.eth", AuxMatch.matchId(ids, "mlx5_core.eth.3"));
        assertNull(AuxMatch.matchId(ids, "mlx5_core.eth"), "the id part is required");
        assertNull(AuxMatch.matchId(ids, "mlx5_core.eth2.0"));
        assertNull(AuxMatch.matchId(ids, "mlx5_core.et.0"), "lengths must be equal");
        assertEquals("a.b.c", AuxMatch.matchId(List.of("a.b.c"), "a.b.c.7"), "a dot in the devname");
    }

    @Test
    void anEmptyIdEndsTheTable() {
        assertNull(AuxMatch.matchId(Arrays.asList("x.y", "", "a.b"), "a.b.0"));
        assertEquals("a.b", AuxMatch.matchId(Arrays.asList("a.b", null), "a.b.0"));
    }

    @Test
    void modalias() {
        assertEquals("auxiliary:nova_core.nova-drm", AuxMatch.modalias("nova_core.nova-drm.0"));
    }

    /** file2alias.c do_auxiliary_entry: "auxiliary:" + the id; the device's MODALIAS is the same string. */
    @Test
    void patternsAreThePrefixedIdsUpToTheTerminator() {
        assertEquals(List.of("auxiliary:NovaCore.nova-drm", "auxiliary:a.b"),
                AuxMatch.patterns(Arrays.asList("NovaCore.nova-drm", "a.b", "", "after.terminator")));
        assertEquals(AuxMatch.modalias("NovaCore.nova-drm.3"), AuxMatch.patterns(List.of("NovaCore.nova-drm")).get(0));
    }
}
