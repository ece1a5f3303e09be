package org.nova.nvidia.fifo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;

/**
 * The per-chip tables checked against the sources they name, with the numbers written out here as
 * the sources print them: the GPFIFO and copy class of every chip (nouveau nvkm/engine/device/base.c
 * for TU/GA/AD; nvkm/subdev/gsp/rm/gh100.c, gb10x.c, gb20x.c for GH100/GB10x/GB20x; the values as in
 * nouveau include/nvif/class.h and NVIDIA's clc86f.h, clc96f.h, clca6f.h, clc8b5.h, clcab5.h), the
 * doorbell's BAR0 address (0xb80000 + 0x30000 + 0x90: gh100/gb100/gb202 dev_vm.h, nouveau
 * vfn/r535.c) and the token (kfifoGenerateWorkSubmitTokenHal_GA100/_GB100/_GB202), and that the
 * methods the simulator executes sit at the same offsets in the Hopper and Blackwell headers.
 */
class FifoClassesTest {
    /** Chip -> {GPFIFO class, copy class}, as the sources list them. */
    private static final Map<Chipset, int[]> SOURCES = Map.ofEntries(
            Map.entry(Chipset.TU102, new int[] {0xc46f, 0xc5b5}),
            Map.entry(Chipset.TU104, new int[] {0xc46f, 0xc5b5}),
            Map.entry(Chipset.TU106, new int[] {0xc46f, 0xc5b5}),
            Map.entry(Chipset.TU116, new int[] {0xc46f, 0xc5b5}),
            Map.entry(Chipset.TU117, new int[] {0xc46f, 0xc5b5}),
            Map.entry(Chipset.GA100, new int[] {0xc56f, 0xc6b5}),
            Map.entry(Chipset.GA102, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.GA103, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.GA104, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.GA106, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.GA107, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.AD102, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.AD103, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.AD104, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.AD106, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.AD107, new int[] {0xc56f, 0xc7b5}),
            Map.entry(Chipset.GH100, new int[] {0xc86f, 0xc8b5}),
            Map.entry(Chipset.GB100, new int[] {0xc96f, 0xc9b5}),
            Map.entry(Chipset.GB102, new int[] {0xc96f, 0xc9b5}),
            Map.entry(Chipset.GB202, new int[] {0xca6f, 0xcab5}),
            Map.entry(Chipset.GB203, new int[] {0xca6f, 0xcab5}),
            Map.entry(Chipset.GB205, new int[] {0xca6f, 0xcab5}),
            Map.entry(Chipset.GB206, new int[] {0xca6f, 0xcab5}),
            Map.entry(Chipset.GB207, new int[] {0xca6f, 0xcab5}));

    @Test
    void everyChipsClassesAreTheSourcesOnes() {
        assertEquals(Chipset.values().length, SOURCES.size(), "every chip is listed");
        for (Chipset c : Chipset.values()) {
            int[] want = SOURCES.get(c);
            assertEquals(want[0], FifoClasses.gpfifoClass(c.architecture()).orElseThrow(), c + " GPFIFO");
            assertEquals(want[1], FifoClasses.copyClass(c).orElseThrow(), c + " copy");
            assertTrue(FifoClasses.isGpfifoClass(want[0]), c.toString());
            assertTrue(FifoClasses.isCopyClass(want[1]), c.toString());
            assertFalse(FifoClasses.isGpfifoClass(want[1]), c.toString());
            assertFalse(FifoClasses.isCopyClass(want[0]), c.toString());
        }
    }

    @Test
    void theHostSemaphoreMethodsFollowTheClassHeaders() {
        // SEMAPHOREA..D: clc46f.h and clc56f.h only; SEM_*: clc56f.h onwards, not clc46f.h
        assertTrue(FifoClasses.hasSemaphoreAtoD(0xc46f));
        assertTrue(FifoClasses.hasSemaphoreAtoD(0xc56f));
        assertFalse(FifoClasses.hasSemaphoreAtoD(0xc86f));
        assertFalse(FifoClasses.hasSemaphoreAtoD(0xc96f));
        assertFalse(FifoClasses.hasSemaphoreAtoD(0xca6f));
        assertFalse(FifoClasses.hasSemExecute(0xc46f));
        for (int cls : new int[] {0xc56f, 0xc86f, 0xc96f, 0xca6f}) {
            assertTrue(FifoClasses.hasSemExecute(cls), Integer.toHexString(cls));
        }
        assertFalse(FifoClasses.hasSemExecute(0xc8b5), "a copy class is no GPFIFO class");
    }

    @Test
    void theMethodsTheSimulatorExecutesSitAtTheSameOffsetsOnHopperAndBlackwell() {
        // NVC86F_/NVC96F_/NVCA6F_SET_OBJECT 0x0, SEM_ADDR_LO 0x5c, SEM_ADDR_HI 0x60, SEM_PAYLOAD_LO 0x64,
        // SEM_PAYLOAD_HI 0x68, SEM_EXECUTE 0x6c (OPERATION 2:0, RELEASE 1, PAYLOAD_SIZE 24:24): clc56f.h's
        assertEquals(0x5c, HostMethods.SEM_ADDR_LO);
        assertEquals(0x60, HostMethods.SEM_ADDR_HI);
        assertEquals(0x64, HostMethods.SEM_PAYLOAD_LO);
        assertEquals(0x68, HostMethods.SEM_PAYLOAD_HI);
        assertEquals(0x6c, HostMethods.SEM_EXECUTE);
        assertEquals(1, HostMethods.SEM_EXECUTE_OPERATION_RELEASE);
        assertEquals(0x7L, HostMethods.SEM_EXECUTE_OPERATION.of(0x7));
        assertEquals(1L << 24, HostMethods.SEM_EXECUTE_PAYLOAD_SIZE.of(1));
        // NVC86F_SEM_ADDR_HI_OFFSET 24:0 (clc96f.h, clca6f.h too) where clc56f.h has 7:0
        for (int cls : new int[] {0xc86f, 0xc96f, 0xca6f}) {
            assertEquals((1L << 25) - 1, HostMethods.semAddrHi(cls).get(-1L), Integer.toHexString(cls));
        }
        assertEquals(0xffL, HostMethods.semAddrHi(0xc56f).get(-1L));
        // GP entries: NVC86F_GP_ENTRY__SIZE 8, GP_ENTRY0_GET 31:2, GP_ENTRY1_GET_HI 7:0, LEVEL 9:9, LENGTH 30:10
        assertEquals(8, HostMethods.GP_ENTRY_SIZE);
        assertEquals(0xffff_fffcL, HostMethods.GP_ENTRY0_GET.of((1L << 30) - 1));
        assertEquals(0xffL, HostMethods.GP_ENTRY1_GET_HI.of(0xff));
        assertEquals(1L << 9, HostMethods.GP_ENTRY1_LEVEL.of(1));
        assertEquals(((1L << 21) - 1) << 10, HostMethods.GP_ENTRY1_LENGTH.of((1L << 21) - 1));
        // clc8b5.h: NOP 0x100, SET_SEMAPHORE_A 0x240, _B 0x244, _PAYLOAD 0x248, LAUNCH_DMA 0x300,
        // OFFSET_IN_UPPER 0x400 .. LINE_COUNT 0x41c: clc5b5.h's; the upper address fields widen to 24:0
        assertEquals(0x100, CopyMethods.NOP);
        assertEquals(0x240, CopyMethods.SET_SEMAPHORE_A);
        assertEquals(0x244, CopyMethods.SET_SEMAPHORE_B);
        assertEquals(0x248, CopyMethods.SET_SEMAPHORE_PAYLOAD);
        assertEquals(0x300, CopyMethods.LAUNCH_DMA);
        assertEquals(0x400, CopyMethods.OFFSET_IN_UPPER);
        assertEquals(0x404, CopyMethods.OFFSET_IN_LOWER);
        assertEquals(0x408, CopyMethods.OFFSET_OUT_UPPER);
        assertEquals(0x40c, CopyMethods.OFFSET_OUT_LOWER);
        assertEquals(0x410, CopyMethods.PITCH_IN);
        assertEquals(0x414, CopyMethods.PITCH_OUT);
        assertEquals(0x418, CopyMethods.LINE_LENGTH_IN);
        assertEquals(0x41c, CopyMethods.LINE_COUNT);
        for (int cls : new int[] {0xc8b5, 0xc9b5, 0xcab5}) {
            assertEquals((1L << 25) - 1, CopyMethods.upperField(cls).get(-1L), Integer.toHexString(cls));
        }
        for (int cls : new int[] {0xc5b5, 0xc6b5, 0xc7b5}) {
            assertEquals((1L << 17) - 1, CopyMethods.upperField(cls).get(-1L), Integer.toHexString(cls));
        }
    }

    @Test
    void theDoorbellIsAt0xbb0090AndOnlyGb20xTokensCarryRunlistDoorbellEnable() {
        for (Architecture a : Architecture.values()) {
            assertEquals(0xbb0090, Doorbell.notifyChannelPending(a).orElseThrow(), a.toString());
            int want = (a == Architecture.BLACKWELL_GB20X ? 0x4000_0000 : 0) | 0x0003_0005;
            assertEquals(want, Doorbell.token(a, 3, 5), a.toString());
            assertEquals(5, Doorbell.chidOf(Doorbell.token(a, 3, 5)), a.toString());
        }
        assertEquals(0x0003_0005, Doorbell.token(3, 5));
    }
}
