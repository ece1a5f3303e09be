package org.nova.gpu.internal;

import java.util.List;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.fsp.FspChipFacts;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pfsp;
import org.nova.nvidia.regs.Register;

/**
 * The HALs of the chips whose GSP boots through the FSP: Hopper and Blackwell (nova-core, newest
 * stored versions: gpu/hal/gh100.rs@637315cb for the DMA mask and no GFW wait, fb/hal/gh100.rs@b2128290,
 * fb/hal/{gb100,gb202}.rs@637315cb for the framebuffer, fsp/hal/{gh100,gb100,gb202}.rs@b2128290 for
 * the boot status register and the COT version, gsp/hal.rs@b2128290 choosing gsp/hal/gh100.rs's FSP
 * boot for all three). The framebuffer size (NV_USABLE_FB_SIZE_IN_MB), the display fuse, the falcons
 * and LibOS 3 are GA102's, inherited from {@link GpuHal.Ga102} (fb/hal/gh100.rs calls ga102's
 * vidmem_size and ga100's display check).
 *
 * <p>The sysmem flush page goes to each chip's own registers (fb/hal/{gh100,gb100,gb202}.rs
 * write_sysmem_flush_page): the raw address in LO/HI halves, HI first because the LO write
 * triggers the flush, 52 address bits; GB10x programs two pairs with the same address.
 *
 * <p>Where this differs from upstream: the DMA mask is checked against each address handed to the
 * FSP rather than set on the device (the PCI layer has no DMA mask).
 */
abstract class FspGpuHal extends GpuHal.Ga102 {

    /** One LO/HI pair of a flush register. */
    record FlushPair(Register lo, Register hi) {
    }

    /** @return the flush register pairs the chip routes sysmembar through; the first is read back */
    abstract List<FlushPair> flushPairs();

    /**
     * @throws DriverException EINVAL if the address has bits above the registers' 52 (nothing is
     *     written)
     */
    @Override
    public void writeSysmemFlushPage(Bar0 bar, long addr) {
        if (addr >>> Pfb.FLUSH_SYSMEM_ADDR_BITS_GH100 != 0) {
            throw new DriverException(Errno.EINVAL, String.format("sysmem flush page 0x%x does not fit %s "
                    + "(%d address bits)", addr, flushPairs().get(0).lo().name(), Pfb.FLUSH_SYSMEM_ADDR_BITS_GH100));
        }
        for (FlushPair p : flushPairs()) {
            bar.write(p.hi(), Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_ADR.of(addr >>> Integer.SIZE));
            bar.write(p.lo(), (int) addr);
        }
    }

    @Override
    public long readSysmemFlushPage(Bar0 bar) {
        FlushPair p = flushPairs().get(0);
        return (long) Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_ADR.get(bar.read(p.hi())) << Integer.SIZE
                | Integer.toUnsignedLong(bar.read(p.lo()));
    }

    /** @return the thermal scratch register the FSP reports its secure boot in (FspHal::fsp_boot_status) */
    abstract Register fspBootStatus();

    /** @return the COT protocol version the chip's FSP speaks (FspHal::cot_version) */
    abstract int cotVersion();

    /** @return the DMA mask in address bits (GpuHal::dma_mask: 52 for Hopper and Blackwell) */
    int dmaMaskBits() {
        return FspChipFacts.DMA_MASK_BITS_GH100;
    }

    /** @return FRTS's distance below the end of VRAM the COT message carries (fsp.rs FspMessage::new) */
    long frtsVidmemOffset() {
        return FspChipFacts.frtsVidmemOffset(nonWprHeapSize(), pmuReservedSize());
    }

    /** Hopper: fsp/hal/gh100.rs, fb/hal/gh100.rs. */
    static final class Gh100 extends FspGpuHal {
        @Override
        Register fspBootStatus() {
            return Pfsp.THERM_I2CS_SCRATCH_GH100;
        }

        @Override
        int cotVersion() {
            return FspCot.COT_VERSION_GH100;
        }

        @Override
        List<FlushPair> flushPairs() {
            return List.of(new FlushPair(Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO, Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI));
        }

        @Override
        public long nonWprHeapSize() {
            return FspChipFacts.NON_WPR_HEAP_GH100;
        }

        @Override
        public long pmuReservedSize() {
            return FspChipFacts.PMU_RESERVED_GH100;
        }
    }

    /** GB10x: fsp/hal/gb100.rs (Hopper's status register, COT version 2), fb/hal/gb100.rs. */
    static final class Gb100 extends FspGpuHal {
        @Override
        Register fspBootStatus() {
            return Pfsp.THERM_I2CS_SCRATCH_GH100;
        }

        @Override
        int cotVersion() {
            return FspCot.COT_VERSION_GB100;
        }

        /** HSHUB0's primary and egress pairs: the hardware needs both to hold the page. */
        @Override
        List<FlushPair> flushPairs() {
            return List.of(
                    new FlushPair(Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100, Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100),
                    new FlushPair(Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100,
                            Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100));
        }

        @Override
        public long nonWprHeapSize() {
            return FspChipFacts.NON_WPR_HEAP_GB100;
        }

        @Override
        public long pmuReservedSize() {
            return FspChipFacts.PMU_RESERVED_GB100;
        }
    }

    /** GB20x: fsp/hal/gb202.rs (its own status register, COT version 2), fb/hal/gb202.rs. */
    static final class Gb202 extends FspGpuHal {
        @Override
        Register fspBootStatus() {
            return Pfsp.THERM_I2CS_SCRATCH_GB202;
        }

        @Override
        int cotVersion() {
            return FspCot.COT_VERSION_GB100;
        }

        @Override
        List<FlushPair> flushPairs() {
            return List.of(new FlushPair(Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_LO_GB202,
                    Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_HI_GB202));
        }

        @Override
        public long nonWprHeapSize() {
            return FspChipFacts.NON_WPR_HEAP_GB202;
        }

        @Override
        public long pmuReservedSize() {
            return FspChipFacts.PMU_RESERVED_GB100;
        }
    }
}
