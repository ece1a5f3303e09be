package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.FaultType;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.MmuV3;
import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.Bar1Block;

/**
 * The simulated Hopper and Blackwell MMU walking version 3 tables written by hand from
 * hopper/gh100/dev_mmu.h (not by the driver): six levels over 57-bit VAs, the three page sizes,
 * the PCF permissions, the sparse and "no valid 4 KiB page" markers, and the faults a wrong entry
 * causes, with its address and type.
 */
class SimMmuV3Test {
    private static final long INST = 0x1_0000;
    private static final long PD4 = 0x1_1000;
    private static final long PD3 = 0x1_2000;
    private static final long PD2 = 0x1_3000;
    private static final long PD1 = 0x1_4000;
    private static final long PD0 = 0x1_5000;
    private static final long SPT = 0x1_6000;
    private static final long LPT = 0x1_7000;
    private static final long PAGE_4K = 0x20_0000;
    private static final long PAGE_64K = 0x30_0000;
    private static final long PAGE_2M = 0x40_0000;
    private static final long VA_4K = 0x1000;
    private static final long VA_64K = 0x20_0000;
    private static final long VA_2M = 0x40_0000;

    @TempDir
    Path tmp;
    private NvidiaGpu gpu;

    private void build(Chipset chip) {
        gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(tmp)));
        gpu.vramWrite(INST + Ramin.PAGE_DIR_BASE_OFFSET, 8, Ramin.pageDirBaseV2(PD4));
        gpu.vramWrite(INST + Ramin.ADR_LIMIT_OFFSET, 8, Ramin.adrLimit((1L << MmuV3.VA_BITS) - 1));
        gpu.vramWrite(PD4, 8, MmuV3.vramPde(PD3));
        gpu.vramWrite(PD3, 8, MmuV3.vramPde(PD2));
        gpu.vramWrite(PD2, 8, MmuV3.vramPde(PD1));
        gpu.vramWrite(PD1, 8, MmuV3.vramPde(PD0));
        gpu.vramWrite(PD0 + 8, 8, MmuV3.dualSmallVram(SPT)); // PD0[0]: small half only
        gpu.vramWrite(SPT + 8, 8, MmuV3.vramPte(PAGE_4K, false, false)); // VA 0x1000
        gpu.vramWrite(PD0 + 16, 8, MmuV3.dualBigVram(LPT)); // PD0[1]: big half only
        gpu.vramWrite(LPT, 8, MmuV3.vramPte(PAGE_64K, false, false)); // VA 0x200000
        gpu.vramWrite(PD0 + 32, 8, MmuV3.vramPte(PAGE_2M, false, false)); // PD0[2]: a 2 MiB page
    }

    private SimMmuFault lastFault() {
        List<SimMmuFault> f = gpu.mmu().faults();
        return f.get(f.size() - 1);
    }

    private void assertFault(long va, FaultType type) {
        long before = gpu.mmu().faultCount();
        assertEquals(-1, gpu.mmu().translate(INST, va, false), "VA 0x" + Long.toHexString(va));
        assertEquals(before + 1, gpu.mmu().faultCount());
        assertEquals(va, lastFault().va());
        assertEquals(type, lastFault().type(), lastFault().toString());
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB100", "GB202"})
    void fsPChipsWalkVersion3TablesForEveryPageSize(Chipset chip) {
        build(chip);
        assertEquals(MmuFormat.V3, org.nova.nvidia.mmu.MmuHal.of(gpu.architecture()).format());
        assertEquals(PAGE_4K + 0x123, gpu.mmu().translate(INST, VA_4K + 0x123, false));
        assertEquals(PAGE_64K + 0xfff8, gpu.mmu().translate(INST, VA_64K + 0xfff8, true));
        assertEquals(PAGE_2M + 0x1f_fffc, gpu.mmu().translate(INST, VA_2M + 0x1f_fffc, false));
        assertEquals(0, gpu.mmu().faultCount());
        // a VA above version 2's 49 bits, through PD4[1] and PD3[5]
        long high = 1L << 56 | 5L << 47 | VA_4K;
        long pd3b = 0x1_9000;
        gpu.vramWrite(PD4 + 8, 8, MmuV3.vramPde(pd3b));
        gpu.vramWrite(pd3b + 5 * 8, 8, MmuV3.vramPde(PD2));
        assertEquals(PAGE_4K, gpu.mmu().translate(INST, high, false));
        assertFault(1L << MmuV3.VA_BITS, FaultType.VA_LIMIT_VIOLATION);
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100"})
    void bar1TranslatesThroughVersion3Tables(Chipset chip) {
        build(chip);
        gpu.write(Bar1Block.FUNC_BAR1_BLOCK.address(), 4, Integer.toUnsignedLong(
                Bar1Block.FUNC_BAR1_BLOCK_MODE.set(Bar1Block.FUNC_BAR1_BLOCK_PTR.of(INST >>> Bar1Block.PTR_SHIFT),
                        Bar1Block.MODE_VIRTUAL)));
        gpu.mmu().bar1Write(VA_4K + 0x10, 4, 0xcafe_f00dL);
        assertEquals(0xcafe_f00dL, gpu.vramRead(PAGE_4K + 0x10, 4));
        assertEquals(0xffff_ffffL, gpu.mmu().bar1Read(0x3000, 4), "unmapped: all ones");
        assertEquals(FaultType.PTE, lastFault().type());
        assertEquals(FaultAccess.VIRT_READ, lastFault().access());
        assertEquals(0x3000, lastFault().va());
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void wrongVersion3EntriesFaultWithAddressAndType(Chipset chip) {
        build(chip);
        // an invalid PTE (PCF INVALID)
        assertFault(0x3000, FaultType.PTE);
        // a PTE with the peer aperture
        gpu.vramWrite(SPT + 4 * 8, 8, MmuV3.PTE_APERTURE.set(MmuV3.vramPte(PAGE_4K, false, false),
                MmuV3.PTE_APERTURE_PEER_MEMORY));
        assertFault(0x4000, FaultType.UNSUPPORTED_APERTURE);
        // a read-only page written, a privileged page touched
        gpu.vramWrite(SPT + 5 * 8, 8, MmuV3.vramPte(PAGE_4K, true, false));
        assertEquals(PAGE_4K, gpu.mmu().translate(INST, 0x5000, false));
        assertEquals(-1, gpu.mmu().translate(INST, 0x5000, true));
        assertEquals(FaultType.RO_VIOLATION, lastFault().type());
        gpu.vramWrite(SPT + 6 * 8, 8, MmuV3.vramPte(PAGE_4K, false, true));
        assertFault(0x6000, FaultType.PRIV_VIOLATION);
        // a version 2 PTE in a version 3 table: its address (>> 12 at bit 8) is read in place, so
        // the MMU reaches another page, as the hardware would: 0x201000 >> 12 << 8 = 0x20100, whose
        // bits 39:12 name page 0x20000 (and whose bit 8 reads as KIND 1)
        long v2 = MmuV2.vramPte(PAGE_4K + 0x1000, false, false);
        gpu.vramWrite(SPT + 7 * 8, 8, v2);
        assertEquals(0x20000 + 0x10, gpu.mmu().translate(INST, 0x7010, false), "a v2 PTE read as v3");
        assertEquals(1, MmuV3.PTE_KIND.get(v2));
        // a PDE with a system memory aperture (tables outside VRAM are not modelled)
        gpu.vramWrite(PD1 + 8, 8, MmuV3.PDE_APERTURE.set(MmuV3.vramPde(PD0), MmuV3.PDE_APERTURE_SYSTEM_COHERENT));
        assertFault(1L << 29, FaultType.UNSUPPORTED_APERTURE);
        // a PTE at PD1 (a 512 MiB page: a level size the simulator does not map)
        gpu.vramWrite(PD1 + 8, 8, MmuV3.vramPte(0, false, false));
        assertFault(1L << 29, FaultType.PDE);
        // an invalid PD2 entry
        assertFault(1L << 38, FaultType.PDE);
        // a 64 KiB PTE whose address is not 64 KiB aligned
        gpu.vramWrite(LPT + 8, 8, MmuV3.vramPte(PAGE_64K + 0x1000, false, false));
        assertFault(VA_64K + 0x1_0000, FaultType.PTE);
        // a VRAM page beyond VRAM
        gpu.vramWrite(SPT + 8 * 8, 8, MmuV3.vramPte(gpu.vram().byteSize(), false, false));
        assertFault(0x8000, FaultType.PTE);
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100"})
    void theBigPageTableDefersToTheSmallOneUnlessItSaysNoValid4kPage(Chipset chip) {
        build(chip);
        long lpt2 = 0x1_8000;
        gpu.vramWrite(PD0, 8, MmuV3.dualBigVram(lpt2));
        gpu.vramWrite(lpt2, 8, MmuV3.lptNoSmall());
        assertFault(VA_4K, FaultType.PTE);
        assertTrue(lastFault().reason().contains("PT(64K)"), lastFault().reason());
        gpu.vramWrite(lpt2, 8, MmuV3.lptUseSmall());
        assertEquals(PAGE_4K, gpu.mmu().translate(INST, VA_4K, false), "PCF INVALID: the small table maps it");
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100"})
    void sparseEntriesReadZeroAndDropWrites(Chipset chip) {
        build(chip);
        gpu.vramWrite(SPT + 2 * 8, 8, MmuV3.sparsePte()); // VA 0x2000
        gpu.vramWrite(PD0 + 3 * 16, 8, MmuV3.dualSparseBig()); // VA 6M..8M
        gpu.vramWrite(PD1 + 8, 8, MmuV3.sparsePte()); // VA 512M..1G
        gpu.vramWrite(LPT + 8, 8, MmuV3.sparsePte()); // VA 2M+64K..2M+128K
        long before = gpu.mmu().faultCount();
        for (long va : new long[] {0x2008, 6L << 20, (7L << 20) + 0x1230, 512L << 20, (1L << 30) - 8,
                VA_64K + 0x1_0000}) {
            assertEquals(0, gpu.mmu().read(INST, va, 8).orElseThrow(), "sparse VA 0x" + Long.toHexString(va));
            assertTrue(gpu.mmu().write(INST, va, 8, -1L));
            assertEquals(-1, gpu.mmu().aperture(INST, va));
        }
        assertEquals(before, gpu.mmu().faultCount());
        // VALID clear with PCF MAPPING_NOWHERE is not sparse: it faults
        gpu.vramWrite(SPT + 3 * 8, 8, MmuV3.PTE_PCF.of(MmuV3.PTE_PCF_MAPPING_NOWHERE));
        assertFault(0x3000, FaultType.PTE);
    }
}
