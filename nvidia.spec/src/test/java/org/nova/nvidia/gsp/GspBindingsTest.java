package org.nova.nvidia.gsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS;

/**
 * The release-neutral bindings: one piece of code reaches each release's layout through typed
 * accessors, and a field a release lacks is reported, never read as zero.
 */
class GspBindingsTest {
    private static final GspBindings R535 = GspBindings.of("535.113.01").orElseThrow();
    private static final GspBindings R570 = GspBindings.of("570.144").orElseThrow();

    @Test
    void everyReleaseHasTypedBindings() {
        assertEquals(GspAbi.all(), List.copyOf(GspBindings.releases()));
        assertSame(org.nova.nvidia.gsp.r570_144.Abi.INSTANCE, R570);
        assertEquals(72, R535.FUNCTION_GSP_SET_SYSTEM_INFO());
        assertEquals(0x1001, R570.EVENT_GSP_INIT_DONE());
        assertEquals(R535.constant("NV_ERR_IN_USE"), R535.NV_ERR_IN_USE());
        assertSame(R570.struct("GspSystemInfo"), R570.GspSystemInfo());
    }

    @Test
    void oneAccessorServesEachReleasesLayout() {
        for (GspBindings abi : List.of(R535, R570)) {
            GspSystemInfo si = abi.GspSystemInfo();
            byte[] b = new byte[si.size()];
            si.maxUserVa(b, 0, 0x7fff_ffff_ffffL);
            assertEquals(0x7fff_ffff_ffffL, abi.struct("GspSystemInfo").get(b, 0, "maxUserVa"), abi.version());
            assertEquals(0x7fff_ffff_ffffL, si.maxUserVa(b, 0));
            // the same field at each release's own offset
            assertEquals(abi.struct("GspSystemInfo").field("Chipset").offset(), offsetOfChipset(si));
        }
        assertEquals(88, offsetOfChipset(R535.GspSystemInfo()));
        assertEquals(120, offsetOfChipset(R570.GspSystemInfo()));
    }

    private static int offsetOfChipset(GspSystemInfo si) {
        byte[] b = new byte[si.size()];
        si.Chipset(b, 0, 0x5a);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0x5a) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void aFieldOneReleaseLacksIsExplicitlyAbsent() {
        assertTrue(R570.GspSystemInfo().hasHostPageSize());
        assertFalse(R535.GspSystemInfo().hasHostPageSize());
        byte[] b = new byte[R535.GspSystemInfo().size()];
        AbsentFieldException e = assertThrows(AbsentFieldException.class,
                () -> R535.GspSystemInfo().hostPageSize(b, 0, 4096));
        assertEquals("535.113.01", e.release());
        assertEquals("GspSystemInfo", e.struct());
        assertEquals("hostPageSize", e.field());
        assertThrows(AbsentFieldException.class, () -> R535.GspSystemInfo().hostPageSize(b, 0));
        assertThrows(AbsentFieldException.class, () -> R535.GspStaticConfigInfo().fwWprLayoutOffsetOffset());
    }

    @Test
    void aFieldWiderInOneReleaseIsTypedByTheWidest() {
        // fbio_mask is a u32 in 535.113.01 and a u64 in 570.144: the neutral accessor is a long
        byte[] b570 = new byte[R570.GspStaticConfigInfo().size()];
        R570.GspStaticConfigInfo().fbio_mask(b570, 0, 1L << 40);
        assertEquals(1L << 40, R570.GspStaticConfigInfo().fbio_mask(b570, 0));
        byte[] b535 = new byte[R535.GspStaticConfigInfo().size()];
        R535.GspStaticConfigInfo().fbio_mask(b535, 0, 0x1_0000_00ffL);
        assertEquals(0xffL, R535.GspStaticConfigInfo().fbio_mask(b535, 0), "a u32 keeps 32 bits");
    }

    @Test
    void arraysStringsAndMemorySegments() {
        NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS p =
                R570.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS();
        byte[] b = new byte[p.size()];
        int engines = p.chidOffsetLength() / Integer.BYTES;
        p.chidOffsetU32(b, 0, engines - 1, 512);
        assertEquals(512, p.chidOffsetU32(b, 0, engines - 1));
        assertThrows(IndexOutOfBoundsException.class, () -> p.chidOffsetU32(b, 0, engines, 1));
        p.guestFbLengthListU64(b, 0, 0, 1L << 33);
        assertEquals(1L << 33, p.guestFbLengthListU64(b, 0, 0));
        var info = R570.NVA081_CTRL_VGPU_INFO();
        byte[] v = new byte[info.size()];
        info.vgpuNameString(v, 0, "NVIDIA L40-1Q");
        assertEquals("NVIDIA L40-1Q", info.vgpuNameString(v, 0));
        var ctrl = R570.VGPU_CPU_GSP_CTRL_BUFF_REGION();
        MemorySegment m = MemorySegment.ofArray(new byte[64 + ctrl.size()]);
        ctrl.error_buff_offset(m, 64, 0x203000L);
        assertEquals(0x203000L, ctrl.error_buff_offset(m, 64));
        assertEquals(0x203000L, m.get(ValueLayout.JAVA_LONG_UNALIGNED,
                64 + R570.struct(ctrl.name()).field("error_buff_offset").offset()));
    }
}
