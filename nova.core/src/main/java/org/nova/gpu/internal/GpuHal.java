package org.nova.gpu.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.gsp.GspFwHeap;
import org.nova.nvidia.regs.Fuse;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;

/**
 * What differs between architectures for the bring-up (nova-core fb/hal/*.rs and falcon/hal.rs):
 * where the framebuffer size is read, whether the display engine is present, and the falcon HAL.
 * One implementation per architecture group; Hopper and Blackwell's are {@link FspGpuHal}'s.
 *
 * <p>The framebuffer HAL's sizes and the sysmem flush register follow fb/hal/{tu102,ga100,ga102}.rs
 * (torvalds/linux, the versions with pmu_reserved_size / non_wpr_heap_size / frts_size) and the
 * LibOS version gsp/fw.rs LibosParams::from_chipset; the defaults here are Turing's.
 */
interface GpuHal {
    /** @return the FRTS region's size (fb/hal frts_size): 1 MiB, empty on GA100 */
    default long frtsSize() {
        return FbLayoutFacts.FRTS_SIZE_TU102;
    }

    /** @return the non-WPR heap below WPR2 (fb/hal non_wpr_heap_size) */
    default long nonWprHeapSize() {
        return FbLayoutFacts.NON_WPR_HEAP_SIZE_TU102;
    }

    /** @return the VRAM reserved for the PMU, GspFwWprMeta.pmuReservedSize (fb/hal pmu_reserved_size) */
    default long pmuReservedSize() {
        return FbLayoutFacts.PMU_RESERVED_SIZE_TU102;
    }

    /** @return the LibOS GSP-RM runs on, which sizes the WPR2 heap (LibosParams::from_chipset) */
    default GspFwHeap.Libos libos() {
        return GspFwHeap.Libos.LIBOS2;
    }

    /**
     * Registers {@code addr} as the sysmem flush page (fb/hal/tu102.rs write_sysmem_flush_page_gm107:
     * NV_PFB_NISO_FLUSH_SYSMEM_ADDR holds address bits 39:8).
     *
     * @throws DriverException EINVAL if the address does not fit the register (bits above 39)
     */
    default void writeSysmemFlushPage(Bar0 bar, long addr) {
        long v = addr >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT;
        if (v >>> Integer.SIZE != 0) {
            throw new DriverException(Errno.EINVAL, String.format("sysmem flush page 0x%x does not fit %s "
                    + "(address bits 39:8)", addr, Pfb.NISO_FLUSH_SYSMEM_ADDR.name()));
        }
        bar.write(Pfb.NISO_FLUSH_SYSMEM_ADDR, (int) v);
    }

    /** @return the registered sysmem flush page's address (fb/hal read_sysmem_flush_page) */
    default long readSysmemFlushPage(Bar0 bar) {
        return Integer.toUnsignedLong(bar.read(Pfb.NISO_FLUSH_SYSMEM_ADDR)) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT;
    }

    /** GA100 and later: the high register first, then the low one (fb/hal/ga100.rs write_sysmem_flush_page_ga100). */
    private static void writeSysmemFlushPageGa100(Bar0 bar, long addr) {
        bar.write(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI,
                Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.of(addr >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI));
        // the low register takes bits 39:8; what lies above went to the high register
        bar.write(Pfb.NISO_FLUSH_SYSMEM_ADDR, (int) (addr >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT));
    }

    /** GA100 and later: bits 39:8 from the low register, 63:40 from the high one. */
    private static long readSysmemFlushPageGa100(Bar0 bar) {
        return Integer.toUnsignedLong(bar.read(Pfb.NISO_FLUSH_SYSMEM_ADDR)) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT
                | (long) Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.get(bar.read(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI))
                        << Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI;
    }

    /** @return the usable framebuffer size in bytes */
    long usableFbSize(Bar0 bar);

    /** @return whether the display engine is present (so the VGA workspace register counts) */
    boolean supportsDisplay(Bar0 bar);

    /** @return the falcon HAL */
    FalconHal falconHal();

    /**
     * @param chipset the identified chip
     * @return its HAL
     */
    static GpuHal of(Chipset chipset) {
        return switch (chipset.architecture()) {
            case TURING -> new Tu102();
            case AMPERE -> chipset == Chipset.GA100 ? new Ga100() : new Ga102();
            case ADA -> new Ga102();
            // gsp/hal.rs: these three boot the GSP through the FSP (gsp/hal/gh100.rs)
            case HOPPER -> new FspGpuHal.Gh100();
            case BLACKWELL_GB10X -> new FspGpuHal.Gb100();
            case BLACKWELL_GB20X -> new FspGpuHal.Gb202();
        };
    }

    /** Turing: NV_PFB_PRI_MMU_LOCAL_MEMORY_RANGE, GM107 display fuse, PIO falcons. */
    class Tu102 implements GpuHal {
        private final FalconHal falcon = new Tu102FalconHal();

        @Override
        public long usableFbSize(Bar0 bar) {
            return Pfb.usableFbSize(bar.read(Pfb.PRI_MMU_LOCAL_MEMORY_RANGE));
        }

        @Override
        public boolean supportsDisplay(Bar0 bar) {
            return !Fuse.DISPLAY_DISABLED_GM107.isSet(bar.read(Fuse.STATUS_OPT_DISPLAY_GM107));
        }

        @Override
        public FalconHal falconHal() {
            return falcon;
        }
    }

    /**
     * GA100: Turing's falcons, framebuffer size and LibOS 2; GA100's display fuse, the flush
     * register pair and an empty FRTS region (fb/hal/ga100.rs).
     */
    final class Ga100 extends Tu102 {
        @Override
        public boolean supportsDisplay(Bar0 bar) {
            return !Fuse.DISPLAY_DISABLED_GA100.isSet(bar.read(Fuse.STATUS_OPT_DISPLAY_GA100));
        }

        @Override
        public long frtsSize() {
            return FbLayoutFacts.FRTS_SIZE_GA100;
        }

        @Override
        public void writeSysmemFlushPage(Bar0 bar, long addr) {
            writeSysmemFlushPageGa100(bar, addr);
        }

        @Override
        public long readSysmemFlushPage(Bar0 bar) {
            return readSysmemFlushPageGa100(bar);
        }
    }

    /**
     * GA102 and later (Ampere GA10x, Ada): NV_USABLE_FB_SIZE_IN_MB, DMA falcons, GA100's flush
     * register pair, LibOS 3 (fb/hal/ga102.rs, gsp/fw.rs).
     */
    class Ga102 implements GpuHal {
        private final FalconHal falcon = new Ga102FalconHal();

        @Override
        public GspFwHeap.Libos libos() {
            return GspFwHeap.Libos.LIBOS3;
        }

        @Override
        public void writeSysmemFlushPage(Bar0 bar, long addr) {
            writeSysmemFlushPageGa100(bar, addr);
        }

        @Override
        public long readSysmemFlushPage(Bar0 bar) {
            return readSysmemFlushPageGa100(bar);
        }

        @Override
        public long usableFbSize(Bar0 bar) {
            return Pgc6.usableFbSize(bar.read(Pgc6.USABLE_FB_SIZE_IN_MB));
        }

        @Override
        public boolean supportsDisplay(Bar0 bar) {
            return !Fuse.DISPLAY_DISABLED_GA100.isSet(bar.read(Fuse.STATUS_OPT_DISPLAY_GA100));
        }

        @Override
        public FalconHal falconHal() {
            return falcon;
        }
    }
}
