package org.nova.gpu.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.Fuse;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;

/**
 * What differs between architectures for the bring-up (nova-core fb/hal/*.rs and falcon/hal.rs):
 * where the framebuffer size is read, whether the display engine is present, and the falcon HAL.
 * One implementation per architecture group; Hopper and Blackwell's are {@link FspGpuHal}'s.
 */
interface GpuHal {
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

    /** GA100: Turing's falcons and framebuffer size, GA100's display fuse. */
    final class Ga100 extends Tu102 {
        @Override
        public boolean supportsDisplay(Bar0 bar) {
            return !Fuse.DISPLAY_DISABLED_GA100.isSet(bar.read(Fuse.STATUS_OPT_DISPLAY_GA100));
        }
    }

    /** GA102 and later (Ampere GA10x, Ada): NV_USABLE_FB_SIZE_IN_MB, DMA falcons. */
    final class Ga102 implements GpuHal {
        private final FalconHal falcon = new Ga102FalconHal();

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
