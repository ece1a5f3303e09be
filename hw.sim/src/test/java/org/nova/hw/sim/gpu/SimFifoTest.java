package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fifo.ChannelAllocFlags;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.Doorbell;
import org.nova.nvidia.fifo.FifoClasses;
import org.nova.nvidia.fifo.HostMethods;
import org.nova.nvidia.fifo.RobustChannel;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_CHANNEL_ALLOC_PARAMS;
import org.nova.nvidia.gsp.bindings.NV_MEMORY_DESC_PARAMS;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.MmuV3;
import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.MmuInvalidate;

/**
 * GSP-RM's channel objects ({@link SimRmChannels}) and the host and copy engine ({@link SimFifo})
 * on page tables written by hand (not by the driver): pushbuffers fetched through the MMU, the
 * copy done byte for byte between VRAM and VRAM and between VRAM and system memory (through the
 * device's DMA path), the semaphore and the non-stall interrupt, each kind of fault stopping its
 * channel with the right RC code and chid while another channel keeps running, and the
 * allocation parameters GSP-RM refuses. Parametrized by chip (the GPFIFO and copy classes differ;
 * GH100, GB100 and GB202 walk format v3 tables from PD4, the others v2 from PD3) and ABI release;
 * on Hopper and Blackwell also the SEM_EXECUTE release, the refused SEMAPHOREA..D, the 24:0 copy
 * upper-address field, and on every chip that only the channel's exact token rings it.
 */
class SimFifoTest {
    private static final int CLIENT = 0xc1e0_0000;
    private static final int DEVICE = CLIENT + 1;
    private static final int H_VAS = 0xcafe_0001;
    private static final long INST_A = 0x10_0000;
    private static final long INST_B = 0x10_1000;
    private static final long USERD_A = 0x10_2000;
    private static final long USERD_B = 0x10_2200;
    /** The root on MMU v3 (Hopper, Blackwell): PD4[0] -> PD3; on v2 PD3 is the root. */
    private static final long PD4 = 0x11_5000;
    private static final long PD3 = 0x11_0000;
    private static final long PD2 = 0x11_1000;
    private static final long PD1 = 0x11_2000;
    private static final long PD0 = 0x11_3000;
    private static final long SPT = 0x11_4000;
    /** VRAM pages behind VA page i: 0x20_0000 + i * 4 KiB. */
    private static final long PAGES = 0x20_0000;
    /** VA layout (4 KiB pages, all in PT(4K) of PD0[0]): ring A, ring B, pushbuffers, src, dst, semaphore. */
    private static final long RING_A = 0x1000;
    private static final long RING_B = 0x2000;
    private static final long PB = 0x3000;
    private static final long SRC = 0x5000; // two pages
    private static final long DST = 0x7000; // two pages
    private static final long SEM = 0x9000;
    private static final long RO = 0xa000; // read-only page
    private static final long SYS = 0xb000; // system memory page
    private static final long UNMAPPED = 0x40_0000;
    private static final long BUS = 0x8000_0000L;
    private static final int ENTRIES = 64;

    @TempDir
    Path tmp;
    private NvidiaGpu gpu;
    private GspBindings abi;
    private SimRmChannels rm;
    private final byte[] sysmem = new byte[4096];
    private final List<String> rc = new CopyOnWriteArrayList<>();
    private volatile int nonstalls;

    static Stream<Arguments> chips() {
        List<Arguments> a = new ArrayList<>();
        for (GspAbi r : GspAbi.all()) {
            for (Chipset c : List.of(Chipset.TU102, Chipset.GA102, Chipset.AD102, Chipset.GH100)) {
                a.add(Arguments.of(c, r.version()));
            }
        }
        // Blackwell: the release that knows it (r570)
        for (Chipset c : List.of(Chipset.GB100, Chipset.GB202)) {
            a.add(Arguments.of(c, GspAbi.all().get(GspAbi.all().size() - 1).version()));
        }
        return a.stream();
    }

    /** The chips whose classes differ from Ampere's, on the latest release: Hopper and both Blackwells. */
    static Stream<Arguments> newChips() {
        String latest = GspAbi.all().get(GspAbi.all().size() - 1).version();
        return Stream.of(Chipset.GH100, Chipset.GB100, Chipset.GB202).map(c -> Arguments.of(c, latest));
    }

    private boolean v3() {
        return MmuHal.of(gpu.architecture()).format() == MmuFormat.V3;
    }

    /** The root page directory of the test's space. */
    private long root() {
        return v3() ? PD4 : PD3;
    }

    private long vramPte(long pa, boolean readOnly) {
        return v3() ? MmuV3.vramPte(pa, readOnly, false) : MmuV2.vramPte(pa, readOnly, false);
    }

    private void boot(Chipset chip, String release) {
        gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(tmp)));
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                if (iova < BUS || iova + dst.byteSize() > BUS + sysmem.length) {
                    return false;
                }
                MemorySegment.copy(MemorySegment.ofArray(sysmem), iova - BUS, dst, 0, dst.byteSize());
                return true;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                if (iova < BUS || iova + src.byteSize() > BUS + sysmem.length) {
                    return false;
                }
                MemorySegment.copy(src, 0, MemorySegment.ofArray(sysmem), iova - BUS, src.byteSize());
                return true;
            }
        });
        abi = GspBindings.of(release).orElseThrow();
        rm = new SimRmChannels(gpu, abi, CLIENT, DEVICE);
        gpu.fifo().listener(new SimFifo.Listener() {
            @Override
            public void rcTriggered(int chid, SimChannelError error) {
                rc.add(chid + ":" + error.rcType());
            }

            @Override
            public void nonstall() {
                nonstalls++;
            }
        });
        // one space: PD3 -> PD2 -> PD1 -> PD0[0] small table; page i of VA at PAGES + i*4K
        for (long inst : List.of(INST_A, INST_B)) {
            gpu.vramWrite(inst + Ramin.PAGE_DIR_BASE_OFFSET, 8, Ramin.pageDirBaseV2(root()));
            gpu.vramWrite(inst + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit((1L << (v3() ? MmuV3.VA_BITS : 47)) - 1));
        }
        if (v3()) {
            gpu.vramWrite(PD4, 8, MmuV3.vramPde(PD3));
            gpu.vramWrite(PD3, 8, MmuV3.vramPde(PD2));
            gpu.vramWrite(PD2, 8, MmuV3.vramPde(PD1));
            gpu.vramWrite(PD1, 8, MmuV3.vramPde(PD0));
            gpu.vramWrite(PD0 + 8, 8, MmuV3.dualSmallVram(SPT));
            gpu.vramWrite(SPT + (SYS >>> 12) * 8, 8, MmuV3.sysPte(BUS, true, false));
        } else {
            gpu.vramWrite(PD3, 8, MmuV2.vramPde(PD2));
            gpu.vramWrite(PD2, 8, MmuV2.vramPde(PD1));
            gpu.vramWrite(PD1, 8, MmuV2.vramPde(PD0));
            gpu.vramWrite(PD0 + 8, 8, MmuV2.dualSmallVram(SPT));
            gpu.vramWrite(SPT + (SYS >>> 12) * 8, 8, MmuV2.PTE_VALID.of(1)
                    | MmuV2.PTE_APERTURE.of(MmuV2.PTE_APERTURE_SYSTEM_COHERENT) | MmuV2.PTE_ADDRESS_SYS.of(BUS >>> 12));
        }
        for (long va = RING_A; va < RO; va += 0x1000) {
            gpu.vramWrite(SPT + (va >>> 12) * 8, 8, vramPte(PAGES + va, false));
        }
        gpu.vramWrite(SPT + (RO >>> 12) * 8, 8, vramPte(PAGES + RO, true));
        assertEquals(0, rm.alloc(CLIENT, DEVICE, H_VAS, FifoClasses.FERMI_VASPACE_A,
                new byte[abi.NV_VASPACE_ALLOCATION_PARAMETERS().size()]));
        assertEquals(0, rm.control(H_VAS, abi.NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES(),
                new byte[][] {reservedPdes(root())}));
    }

    private byte[] reservedPdes(long root) {
        NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS c = abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS();
        byte[] p = new byte[c.size()];
        c.pageSize(p, 0, 0x2000_0000L);
        c.virtAddrLo(p, 0, 0x1_0000_0000L);
        c.virtAddrHi(p, 0, 0x1_1fff_ffffL);
        c.numLevelsToCopy(p, 0, 2);
        abi.NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_LEVEL().physAddress(p, c.levelsOffset(), root);
        return p;
    }

    private byte[] channelParams(long inst, long userd, long ring, int entries) {
        NV_CHANNEL_ALLOC_PARAMS a = abi.NV_CHANNEL_ALLOC_PARAMS();
        NV_MEMORY_DESC_PARAMS d = abi.NV_MEMORY_DESC_PARAMS();
        byte[] p = new byte[a.size()];
        a.gpFifoOffset(p, 0, ring);
        a.gpFifoEntries(p, 0, entries);
        a.hVASpace(p, 0, H_VAS);
        a.engineType(p, 0, abi.NV2080_ENGINE_TYPE_COPY0());
        a.internalFlags(p, 0, ChannelAllocFlags.userNoNotifiers());
        int fb = abi.NV_MEMORY_DESC_ADDRESS_SPACE_FBMEM();
        d.base(p, a.instanceMemOffset(), inst);
        d.size(p, a.instanceMemOffset(), Ramin.SIZE);
        d.addressSpace(p, a.instanceMemOffset(), fb);
        d.base(p, a.userdMemOffset(), userd);
        d.size(p, a.userdMemOffset(), HostMethods.USERD_SIZE);
        d.addressSpace(p, a.userdMemOffset(), fb);
        d.base(p, a.ramfcMemOffset(), inst);
        d.size(p, a.ramfcMemOffset(), 0x200);
        d.addressSpace(p, a.ramfcMemOffset(), fb);
        return p;
    }

    private int gpfifoClass() {
        return FifoClasses.gpfifoClass(gpu.architecture()).orElseThrow();
    }

    private int copyClass() {
        return FifoClasses.copyClass(gpu.options().chipset()).orElseThrow();
    }

    /** Allocates channel + copy object, schedules it; @return its token. */
    private int channel(int handle, long inst, long userd, long ring) {
        assertEquals(0, rm.alloc(CLIENT, DEVICE, handle, gpfifoClass(), channelParams(inst, userd, ring, ENTRIES)));
        byte[] ce = new byte[abi.NVB0B5_ALLOCATION_PARAMETERS().size()];
        abi.NVB0B5_ALLOCATION_PARAMETERS().version(ce, 0, 1);
        abi.NVB0B5_ALLOCATION_PARAMETERS().engineType(ce, 0, abi.NV2080_ENGINE_TYPE_COPY0());
        assertEquals(0, rm.alloc(CLIENT, handle, handle + 0x100, copyClass(), ce));
        byte[][] sched = {new byte[abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().size()]};
        abi.NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS().bEnable(sched[0], 0, 1);
        assertEquals(0, rm.control(handle, abi.NVA06F_CTRL_CMD_GPFIFO_SCHEDULE(), sched));
        byte[][] tok = {new byte[4]};
        assertEquals(0, rm.control(handle, abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN(), tok));
        int token = abi.NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS().workSubmitToken(tok[0], 0);
        assertEquals(Doorbell.token(gpu.architecture(), SimFifo.COPY0_RUNLIST, rm.chid(handle)), token);
        return token;
    }

    /** Writes the words at VA {@code va} (through the test's own page-table knowledge). */
    private void put(long va, int... words) {
        for (int i = 0; i < words.length; i++) {
            gpu.vramWrite(PAGES + va + 4L * i, 4, Integer.toUnsignedLong(words[i]));
        }
    }

    private static int inc(int method, int count) {
        return HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 4, method, count);
    }

    /** A pushbuffer copying {@code len} bytes src to dst, then releasing {@code payload} to SEM and interrupting. */
    private int[] copyPush(long src, long dst, int len, int payload, int launch) {
        return new int[] {
            inc(CopyMethods.OFFSET_IN_UPPER, 4), (int) (src >>> 32), (int) src, (int) (dst >>> 32), (int) dst,
            inc(CopyMethods.LINE_LENGTH_IN, 1), len,
            inc(CopyMethods.SET_SEMAPHORE_A, 3), (int) (SEM >>> 32), (int) SEM, payload,
            inc(CopyMethods.LAUNCH_DMA, 1), launch,
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.NON_STALL_INTERRUPT, 1), 0,
        };
    }

    /** Queues one entry (segment of {@code words} at VA pb) on the ring at index put and rings. */
    private void submit(long ring, long userd, int token, int index, long pb, int words) {
        long e = HostMethods.gpEntry(pb, words);
        gpu.vramWrite(PAGES + ring + 8L * index, 8, e);
        gpu.vramWrite(userd + HostMethods.USERD_GP_PUT, 4, index + 1);
        gpu.write(Doorbell.notifyChannelPending(gpu.architecture()).orElseThrow(), 4, Integer.toUnsignedLong(token));
    }

    private void awaitGpGet(long userd, int value, int chid) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (gpu.vramRead(userd + HostMethods.USERD_GP_GET, 4) != value) {
            if (gpu.fifo().error(chid) != null) {
                return;
            }
            if (System.nanoTime() > until) {
                fail("GP_GET never reached " + value + " (host stuck)");
            }
            Thread.onSpinWait();
        }
    }

    private void awaitError(int chid) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (gpu.fifo().error(chid) == null || rc.isEmpty()) {
            if (System.nanoTime() > until) {
                fail("channel " + chid + " never stopped");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Writes {@code push} at {@code pb}, submits it as GPFIFO entry {@code entry} of channel A's
     * ring and waits until the host has fetched it (GP_GET past it).
     */
    private void runOnA(int token, int chid, int entry, long pb, int[] push) {
        put(pb, push);
        submit(RING_A, USERD_A, token, entry, pb, push.length);
        awaitGpGet(USERD_A, entry + 1, chid);
    }

    @ParameterizedTest
    @MethodSource("chips")
    void copiesVramToVramByteForByteAndReleasesTheSemaphore(Chipset chip, String release) {
        boot(chip, release);
        int token = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        byte[] data = new byte[6000]; // crosses a page boundary on both sides
        new Random(7).nextBytes(data);
        MemorySegment.copy(data, 0, gpu.vram(), ValueLayout.JAVA_BYTE, PAGES + SRC + 100, data.length);
        int[] push = copyPush(SRC + 100, DST + 50, data.length, 0x1234, CopyMethods.launch(true, false, true));
        put(PB, push);
        submit(RING_A, USERD_A, token, 0, PB, push.length);
        int chid = rm.chid(0xcafe_1000);
        awaitGpGet(USERD_A, 1, chid);
        assertNull(gpu.fifo().error(chid));
        byte[] out = new byte[data.length];
        MemorySegment.copy(gpu.vram(), ValueLayout.JAVA_BYTE, PAGES + DST + 50, out, 0, out.length);
        assertArrayEquals(data, out);
        assertEquals(0x1234, gpu.vramRead(PAGES + SEM, 4));
        assertEquals(0, gpu.vramRead(PAGES + DST + 49, 1), "nothing before the destination");
        assertTrue(nonstalls >= 1, "NON_STALL_INTERRUPT reached the interrupt");
        assertTrue(rc.isEmpty());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void copiesMultiLineWithPitchesAndToAndFromSystemMemory(Chipset chip, String release) {
        boot(chip, release);
        int token = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int chid = rm.chid(0xcafe_1000);
        for (int i = 0; i < 4096; i++) {
            gpu.vramWrite(PAGES + SRC + i, 1, i * 7 + 3);
        }
        // 4 lines of 16 bytes, source pitch 64, destination (system memory) pitch 32
        int[] push = {
            inc(CopyMethods.OFFSET_IN_UPPER, 8), 0, (int) SRC, 0, (int) SYS, 64, 32, 16, 4,
            inc(CopyMethods.LAUNCH_DMA, 1), CopyMethods.launch(true, true, false),
        };
        runOnA(token, chid, 0, PB, push);
        assertNull(gpu.fifo().error(chid));
        for (int line = 0; line < 4; line++) {
            for (int b = 0; b < 32; b++) {
                int expect = b < 16 ? (byte) ((line * 64 + b) * 7 + 3) : 0;
                assertEquals(expect, sysmem[line * 32 + b], "line " + line + " byte " + b);
            }
        }
        // and back: system memory to VRAM
        int[] back = {
            inc(CopyMethods.OFFSET_IN_UPPER, 4), 0, (int) SYS, 0, (int) DST,
            inc(CopyMethods.LINE_LENGTH_IN, 1), 128,
            inc(CopyMethods.LAUNCH_DMA, 1), CopyMethods.launch(true, false, false),
        };
        runOnA(token, chid, 1, PB + 0x100, back);
        for (int i = 0; i < 128; i++) {
            assertEquals(Byte.toUnsignedLong(sysmem[i]), gpu.vramRead(PAGES + DST + i, 1));
        }
    }

    @ParameterizedTest
    @MethodSource("chips")
    void theEngineTranslatesThroughTheTlbUntilTheSpaceIsInvalidated(Chipset chip, String release) {
        boot(chip, release);
        int token = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int chid = rm.chid(0xcafe_1000);
        gpu.vramWrite(PAGES + SRC, 4, 0x1111_1111L);
        int[] push = copyPush(SRC, DST, 4, 1, CopyMethods.launch(true, false, true));
        runOnA(token, chid, 0, PB, push);
        assertEquals(0x1111_1111L, gpu.vramRead(PAGES + DST, 4));
        // the driver points DST's PTE at another page but does not invalidate: the engine still uses the old one
        long moved = 0x30_0000;
        gpu.vramWrite(SPT + (DST >>> 12) * 8, 8, vramPte(moved, false));
        gpu.vramWrite(PAGES + SRC, 4, 0x2222_2222L);
        int[] again = copyPush(SRC, DST, 4, 2, CopyMethods.launch(true, false, true));
        runOnA(token, chid, 1, PB + 0x100, again);
        assertEquals(0x2222_2222L, gpu.vramRead(PAGES + DST, 4), "the stale TLB entry still names the old page");
        assertEquals(0, gpu.vramRead(moved, 4));
        // the invalidate of the space (all VAs of its PDB): the next copy goes to the new page
        gpu.write(MmuInvalidate.PDB.address(), 4, MmuInvalidate.PDB_ADDR.of(root() >>> MmuInvalidate.PDB_ADDR_SHIFT));
        gpu.write(MmuInvalidate.UPPER_PDB.address(), 4, 0);
        gpu.write(MmuInvalidate.INVALIDATE.address(), 4, Integer.toUnsignedLong(MmuInvalidate.INVALIDATE_TRIGGER.of(1)
                | MmuInvalidate.INVALIDATE_HUBTLB_ONLY.of(1) | MmuInvalidate.INVALIDATE_ALL_VA.of(1)));
        gpu.vramWrite(PAGES + SRC, 4, 0x3333_3333L);
        int[] third = copyPush(SRC, DST, 4, 3, CopyMethods.launch(true, false, true));
        runOnA(token, chid, 2, PB + 0x200, third);
        assertEquals(0x3333_3333L, gpu.vramRead(moved, 4), "after the invalidate the new PTE is walked");
        assertEquals(0x2222_2222L, gpu.vramRead(PAGES + DST, 4));
    }

    /** One fault kind: what the second channel's pushbuffer does, and what the RC code must be. */
    static Stream<Arguments> faults() {
        return Stream.of(Chipset.GA102, Chipset.GH100, Chipset.GB202).flatMap(chip -> faultKinds().map(
                a -> Arguments.of(a.get()[0], a.get()[1], a.get()[2], chip)));
    }

    static Stream<Arguments> faultKinds() {
        return Stream.of(
                Arguments.of("unmapped source", RobustChannel.FIFO_ERROR_MMU_ERR_FLT, UNMAPPED),
                Arguments.of("read-only destination", RobustChannel.FIFO_ERROR_MMU_ERR_FLT, RO),
                Arguments.of("bad header", RobustChannel.PBDMA_ERROR, -1L),
                Arguments.of("unknown host method", RobustChannel.PBDMA_ERROR, -1L),
                Arguments.of("unknown copy method", RobustChannel.CE0_ERROR, -1L),
                Arguments.of("block-linear launch", RobustChannel.CE0_ERROR, -1L),
                Arguments.of("unmapped pushbuffer", RobustChannel.FIFO_ERROR_MMU_ERR_FLT, UNMAPPED));
    }

    @ParameterizedTest
    @MethodSource("faults")
    void aFaultStopsItsChannelReportsItAndTheOtherChannelRuns(String kind, int rcType, long faultVa, Chipset chip) {
        boot(chip, GspAbi.all().get(GspAbi.all().size() - 1).version());
        int good = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int bad = channel(0xcafe_2000, INST_B, USERD_B, RING_B);
        int goodChid = rm.chid(0xcafe_1000);
        int badChid = rm.chid(0xcafe_2000);
        long pb = PB + 0x800;
        int[] push = switch (kind) {
            case "unmapped source" -> copyPush(UNMAPPED, DST, 64, 1, CopyMethods.launch(true, false, true));
            case "read-only destination" -> copyPush(SRC, RO, 64, 1, CopyMethods.launch(true, false, true));
            case "bad header" -> new int[] {HostMethods.header(6, 0, 0x100, 1), 0};
            case "unknown host method" -> new int[] {HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, 0x0c4, 1), 0};
            case "unknown copy method" -> new int[] {inc(0x0700, 1), 0};
            case "block-linear launch" -> new int[] {inc(CopyMethods.LAUNCH_DMA, 1),
                CopyMethods.launch(true, false, false) & ~(int) CopyMethods.LAUNCH_SRC_MEMORY_LAYOUT.of(1)};
            default -> new int[] {0};
        };
        put(pb, push);
        submit(RING_B, USERD_B, bad, 0, kind.equals("unmapped pushbuffer") ? UNMAPPED : pb, push.length);
        awaitError(badChid);
        SimChannelError e = gpu.fifo().error(badChid);
        assertEquals(rcType, e.rcType(), e.reason());
        assertEquals(faultVa, e.faultVa(), e.reason());
        assertEquals(List.of(badChid + ":" + rcType), rc, "one RC event, with the chid and type");
        // the faulted channel stays stopped: more work and doorbells do nothing
        int[] ok = copyPush(SRC, DST, 8, 5, CopyMethods.launch(true, false, true));
        put(PB, ok);
        submit(RING_B, USERD_B, bad, 1, PB, ok.length);
        // the other channel runs
        submit(RING_A, USERD_A, good, 0, PB, ok.length);
        awaitGpGet(USERD_A, 1, goodChid);
        assertNull(gpu.fifo().error(goodChid));
        assertEquals(5, gpu.vramRead(PAGES + SEM, 4));
        assertEquals(0, gpu.vramRead(USERD_B + HostMethods.USERD_GP_GET, 4), "the stopped channel never advanced");
        assertEquals(1, rc.size());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void gspRmRefusesBadChannelParameters(Chipset chip, String release) {
        boot(chip, release);
        int cls = gpfifoClass();
        int other = cls == FifoClasses.TURING_CHANNEL_GPFIFO_A ? FifoClasses.AMPERE_CHANNEL_GPFIFO_A
                : FifoClasses.TURING_CHANNEL_GPFIFO_A;
        NV_CHANNEL_ALLOC_PARAMS a = abi.NV_CHANNEL_ALLOC_PARAMS();
        NV_MEMORY_DESC_PARAMS d = abi.NV_MEMORY_DESC_PARAMS();
        assertEquals(abi.NV_ERR_INVALID_CLASS(), rm.alloc(CLIENT, DEVICE, 1, other, channelParams(INST_A, USERD_A, RING_A, 8)));
        assertEquals(abi.NV_ERR_INVALID_OBJECT_PARENT(), rm.alloc(CLIENT, H_VAS, 1, cls, channelParams(INST_A, USERD_A, RING_A, 8)));
        assertEquals(abi.NV_ERR_INVALID_PARAM_STRUCT(), rm.alloc(CLIENT, DEVICE, 1, cls, new byte[16]));
        for (int bad : new int[] {0, 1, 3, 12, 1 << 21}) {
            assertEquals(abi.NV_ERR_INVALID_ARGUMENT(), rm.alloc(CLIENT, DEVICE, 1, cls,
                    channelParams(INST_A, USERD_A, RING_A, bad)), bad + " entries");
        }
        assertEquals(abi.NV_ERR_INVALID_OFFSET(), rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_A, USERD_A, RING_A + 4, 8)));
        assertEquals(abi.NV_ERR_INVALID_ADDRESS(), rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_A + 0x800, USERD_A, RING_A, 8)));
        assertEquals(abi.NV_ERR_INVALID_ADDRESS(), rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_A, USERD_A + 4, RING_A, 8)));
        byte[] mismatched = channelParams(INST_A, USERD_A, RING_A, 8);
        d.base(mismatched, a.ramfcMemOffset(), INST_B);
        assertEquals(abi.NV_ERR_INVALID_ARGUMENT(), rm.alloc(CLIENT, DEVICE, 1, cls, mismatched));
        byte[] engine = channelParams(INST_A, USERD_A, RING_A, 8);
        a.engineType(engine, 0, 1); // NV2080_ENGINE_TYPE_GRAPHICS: no graphics engine here
        assertEquals(abi.NV_ERR_INVALID_ARGUMENT(), rm.alloc(CLIENT, DEVICE, 1, cls, engine));
        byte[] notifier = channelParams(INST_A, USERD_A, RING_A, 8);
        a.internalFlags(notifier, 0, (int) ChannelAllocFlags.ERROR_NOTIFIER_TYPE.of(ChannelAllocFlags.NOTIFIER_MEMORY));
        assertEquals(abi.NV_ERR_INVALID_ARGUMENT(), rm.alloc(CLIENT, DEVICE, 1, cls, notifier),
                "an error notifier in memory without the memory");
        byte[] vas = channelParams(INST_A, USERD_A, RING_A, 8);
        a.hVASpace(vas, 0, 0x1234);
        assertEquals(abi.NV_ERR_INVALID_OBJECT_HANDLE(), rm.alloc(CLIENT, DEVICE, 1, cls, vas));
        gpu.vramWrite(INST_B + Ramin.PAGE_DIR_BASE_OFFSET, 8, Ramin.pageDirBaseV2(root() == PD3 ? PD2 : PD3));
        assertEquals(abi.NV_ERR_INVALID_STATE(), rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_B, USERD_A, RING_A, 8)),
                "the instance block names another page directory than the VA space's");
        assertEquals(0, rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_A, USERD_A, RING_A, 8)));
        assertEquals(abi.NV_ERR_INSERT_DUPLICATE_NAME(), rm.alloc(CLIENT, DEVICE, 1, cls, channelParams(INST_A, USERD_A, RING_A, 8)));
        byte[] ce = new byte[8];
        abi.NVB0B5_ALLOCATION_PARAMETERS().version(ce, 0, 1);
        abi.NVB0B5_ALLOCATION_PARAMETERS().engineType(ce, 0, abi.NV2080_ENGINE_TYPE_COPY0());
        assertEquals(abi.NV_ERR_INVALID_OBJECT_PARENT(), rm.alloc(CLIENT, DEVICE, 2, copyClass(), ce));
        assertEquals(abi.NV_ERR_INVALID_CLASS(), rm.alloc(CLIENT, 1, 2, copyClass() == FifoClasses.TURING_DMA_COPY_A
                ? FifoClasses.AMPERE_DMA_COPY_B : FifoClasses.TURING_DMA_COPY_A, ce));
        assertEquals(abi.NV_ERR_IN_USE(), rm.free(CLIENT, DEVICE, H_VAS), "a VA space with a channel on it");
        assertEquals(0, rm.free(CLIENT, DEVICE, 1));
        assertNull(gpu.fifo().channel(0), "the host forgot the freed channel");
        assertEquals(-1, rm.free(CLIENT, DEVICE, 1), "a second free names no channel object");
    }

    @ParameterizedTest
    @MethodSource("chips")
    void channelIdsAreABoundedPool(Chipset chip, String release) {
        boot(chip, release);
        for (int i = 0; i < SimRmChannels.CHANNEL_IDS; i++) {
            assertEquals(0, rm.alloc(CLIENT, DEVICE, 0x100 + i, gpfifoClass(), channelParams(INST_A, USERD_A, RING_A, 8)));
        }
        assertEquals(abi.NV_ERR_NO_FREE_FIFOS(), rm.alloc(CLIENT, DEVICE, 0x999, gpfifoClass(),
                channelParams(INST_A, USERD_A, RING_A, 8)));
        assertEquals(0, rm.free(CLIENT, DEVICE, 0x105));
        assertEquals(0, rm.alloc(CLIENT, DEVICE, 0x999, gpfifoClass(), channelParams(INST_A, USERD_A, RING_A, 8)));
        assertEquals(5, rm.chid(0x999), "the freed ID is handed out again");
        assertNotNull(gpu.fifo().channel(5));
    }

    @ParameterizedTest
    @MethodSource("newChips")
    void hopperAndBlackwellReleaseBySemExecuteAndRefuseSemaphoreAtoD(Chipset chip, String release) {
        boot(chip, release);
        int good = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int bad = channel(0xcafe_2000, INST_B, USERD_B, RING_B);
        int goodChid = rm.chid(0xcafe_1000);
        int badChid = rm.chid(0xcafe_2000);
        int[] sem = {
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.SEM_ADDR_LO, 5),
            (int) SEM, (int) (SEM >>> 32), 0x5eed, 0,
            (int) (HostMethods.SEM_EXECUTE_OPERATION.of(HostMethods.SEM_EXECUTE_OPERATION_RELEASE)
                    | HostMethods.SEM_EXECUTE_PAYLOAD_SIZE.of(HostMethods.SEM_EXECUTE_PAYLOAD_SIZE_32BIT)),
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.NON_STALL_INTERRUPT, 1), 0,
        };
        runOnA(good, goodChid, 0, PB, sem);
        assertNull(gpu.fifo().error(goodChid));
        assertEquals(0x5eed, gpu.vramRead(PAGES + SEM, 4));
        // SEMAPHOREA..D are not methods of clc86f.h/clc96f.h/clca6f.h: a PBDMA error, like any unknown method
        int[] legacy = {HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.SEMAPHOREA, 4),
            0, (int) SEM, 7, (int) HostMethods.SEMAPHORED_OPERATION.of(HostMethods.SEMAPHORED_OPERATION_RELEASE)};
        put(PB + 0x100, legacy);
        submit(RING_B, USERD_B, bad, 0, PB + 0x100, legacy.length);
        awaitError(badChid);
        assertEquals(RobustChannel.PBDMA_ERROR, gpu.fifo().error(badChid).rcType());
        assertEquals(0x5eed, gpu.vramRead(PAGES + SEM, 4), "the refused release wrote nothing");
    }

    @ParameterizedTest
    @MethodSource("newChips")
    void theCopyClassesTakeAddressBitsUpTo56(Chipset chip, String release) {
        boot(chip, release);
        int token = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int chid = rm.chid(0xcafe_1000);
        // OFFSET_IN_UPPER bit 17 (VA bit 49): kept by clc8b5.h's 24:0 field, so the read faults there,
        // where clc5b5.h's 16:0 field would have dropped it and read SRC
        long high = 1L << 49 | SRC;
        int[] push = copyPush(high, DST, 16, 9, CopyMethods.launch(true, false, true));
        put(PB, push);
        submit(RING_A, USERD_A, token, 0, PB, push.length);
        awaitError(chid);
        SimChannelError e = gpu.fifo().error(chid);
        assertEquals(RobustChannel.FIFO_ERROR_MMU_ERR_FLT, e.rcType(), e.reason());
        assertEquals(high, e.faultVa(), e.reason());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void onlyTheChannelsExactTokenRingsIt(Chipset chip, String release) {
        boot(chip, release);
        int token = channel(0xcafe_1000, INST_A, USERD_A, RING_A);
        int chid = rm.chid(0xcafe_1000);
        assertEquals(Doorbell.NOTIFY_CHANNEL_PENDING + Doorbell.USERMODE_OFFSET + Doorbell.VFN_BASE,
                Doorbell.notifyChannelPending(gpu.architecture()).orElseThrow());
        // GB20x: RUNLIST_DOORBELL must be ENABLE; elsewhere bit 30 is no part of the token
        int wrong = token ^ Doorbell.RUNLIST_DOORBELL_ENABLE;
        int[] push = copyPush(SRC, DST, 4, 3, CopyMethods.launch(true, false, true));
        put(PB, push);
        long stray = gpu.fifo().strayDoorbells;
        submit(RING_A, USERD_A, wrong, 0, PB, push.length);
        assertEquals(stray + 1, gpu.fifo().strayDoorbells, "token 0x" + Integer.toHexString(wrong) + " names no channel");
        assertEquals(0, gpu.vramRead(USERD_A + HostMethods.USERD_GP_GET, 4));
        submit(RING_A, USERD_A, token, 0, PB, push.length);
        awaitGpGet(USERD_A, 1, chid);
        assertEquals(3, gpu.vramRead(PAGES + SEM, 4));
        assertEquals(chip.architecture() == Architecture.BLACKWELL_GB20X, (token & Doorbell.RUNLIST_DOORBELL_ENABLE) != 0);
    }
}
