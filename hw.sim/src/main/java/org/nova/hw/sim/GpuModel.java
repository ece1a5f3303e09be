package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.sim.gpu.GpuHost;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.NvidiaPciIds;

/**
 * The simulated NVIDIA GPU (package org.nova.hw.sim.gpu) as a PCI function: its config space
 * (BAR0 registers, BAR1 VRAM aperture, the expansion ROM, one MSI vector and INTx, and on a
 * vGPU-capable board PCIe with FLR and SR-IOV), its regions, and the platform side it reaches:
 * DMA through the IOMMU and its interrupt.
 */
final class GpuModel implements DeviceModel {
    /** BAR0: registers. */
    static final int BAR_REGS = 0;
    /** BAR1: the VRAM aperture (64-bit, prefetchable). */
    static final int BAR_VRAM = 1;
    /** The GPU's one MSI vector, which its interrupt uses (GpuHost#interrupt). */
    private static final int MSI_VECTORS = 1;
    /** First VF Offset of the SR-IOV capability: VF 1 is the function after the PF. */
    private static final int FIRST_VF_OFFSET = 1;
    /** VF Stride of the SR-IOV capability: VFs are consecutive functions. */
    private static final int VF_STRIDE = 1;

    private final NvidiaGpu gpu;

    GpuModel(NvidiaGpu gpu) {
        this.gpu = gpu;
    }

    /** @return the register model */
    NvidiaGpu gpu() {
        return gpu;
    }

    /**
     * {@code gsp.running}: whether GSP-RM runs; {@code vgpu.gfids}: the GFIDs GSP-RM holds a vGPU
     * for (booted, or shut down and not yet cleaned up), comma-separated, ascending;
     * {@code vf.bar1.faults}: VF BAR1 accesses that reached no vGPU.
     */
    @Override
    public Map<String, String> state() {
        return Map.of("gsp.running", Boolean.toString(gpu.gspRunning()),
                "vgpu.gfids", gpu.vgpu().activeGfids().stream().map(String::valueOf).collect(Collectors.joining(",")),
                "vf.bar1.faults", Long.toString(gpu.vfBar1Faults()));
    }

    @Override
    public String description() {
        return gpu.description();
    }

    @Override
    public ConfigSpace createConfigSpace() {
        boolean sriov = gpu.totalVfs() > 0;
        ConfigSpaceBuilder b = ConfigSpace.builder(sriov ? PciRegs.PCI_CFG_SPACE_EXP_SIZE : PciRegs.PCI_CFG_SPACE_SIZE)
                .vendor(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA)
                .device(gpu.deviceId())
                .revision(gpu.pciRevision())
                .classCode(gpu.classCode())
                .subsystem(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, gpu.deviceId())
                .interruptPin(PciRegs.PCI_INTERRUPT_PIN_INTA)
                .bar(BarSpec.mem32(BAR_REGS, NvidiaGpu.BAR0_SIZE))
                .bar(BarSpec.mem64(BAR_VRAM, NvidiaGpu.BAR1_SIZE, true))
                .rom(NvidiaGpu.ROM_SIZE)
                .msi(MSI_VECTORS, true, false);
        if (sriov) {
            // a vGPU-capable board: PCIe and SR-IOV (VF BAR0 registers, BAR1 aperture)
            b.express(true).sriov(new SriovSpec(gpu.totalVfs(), FIRST_VF_OFFSET, VF_STRIDE, gpu.vfDeviceId(),
                    List.of(BarSpec.mem32(BAR_REGS, GpuVfModel.VF_BAR0_SIZE),
                            BarSpec.mem64(BAR_VRAM, GpuVfModel.VF_BAR1_SIZE, true))));
        }
        return b.build();
    }

    @Override
    public Region region(int index) {
        return switch (index) {
            case BAR_REGS -> new RegisterRegion(gpu);
            case BAR_VRAM -> new ApertureRegion(gpu);
            case RegionInfo.ROM_INDEX -> new RomRegion(gpu.rom(), NvidiaGpu.ROM_SIZE);
            default -> null;
        };
    }

    @Override
    public void start(DeviceContext context) {
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                return context.dmaRead(iova, dst);
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                return context.dmaWrite(iova, src);
            }

            @Override
            public long barAddress(int bar) {
                // from GSP-RM's thread, like interrupt(): config space is read under the function's lock
                context.lock().lock();
                try {
                    return barRegister(context.config(), bar);
                } finally {
                    context.lock().unlock();
                }
            }

            @Override
            public <T> T locked(java.util.function.Supplier<T> work) {
                // the host's thread (SimFifo): VRAM, the MMU and its TLB as a register access sees them
                context.lock().lock();
                try {
                    return work.get();
                } finally {
                    context.lock().unlock();
                }
            }

            @Override
            public int routingId() {
                return context.address().routingId();
            }

            @Override
            public void interrupt(boolean asserted) {
                // the GSP falcon's interrupt (SWGEN0, GSP -> CPU message queue): MSI vector 0, else INTx
                context.lock().lock();
                try {
                    if (context.msiEnabled()) {
                        if (asserted) {
                            context.notifyMsi(0);
                        }
                    } else {
                        context.setIntx(asserted);
                    }
                } finally {
                    context.lock().unlock();
                }
            }
        });
    }

    @Override
    public void reset() {
        gpu.reset();
    }

    /**
     * @return the address BAR {@code bar}'s register holds as firmware assigned it (flag bits
     *     masked, both halves of a 64-bit BAR), 0 for a BAR the function does not have
     */
    static long barRegister(ConfigSpace config, int bar) {
        int at = PciRegs.PCI_BASE_ADDRESS_0 + bar * PciRegs.PCI_BASE_ADDRESS_STRIDE;
        int lo = config.get32(at);
        if ((lo & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0) {
            return Integer.toUnsignedLong(lo) & PciRegs.PCI_BASE_ADDRESS_IO_MASK;
        }
        long start = Integer.toUnsignedLong(lo) & PciRegs.PCI_BASE_ADDRESS_MEM_MASK;
        if ((lo & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64
                && bar + 1 < RegionInfo.BAR_COUNT) {
            start |= Integer.toUnsignedLong(config.get32(at + PciRegs.PCI_BASE_ADDRESS_STRIDE)) << Integer.SIZE;
        }
        return start;
    }

    @Override
    public void stop() {
    }

    @Override
    public DeviceModel virtualFunction(int vfIndex) {
        return new GpuVfModel(gpu, vfIndex);
    }

    /** BAR0: every access goes through the GPU's register decode. */
    private record RegisterRegion(NvidiaGpu gpu) implements Region {
        @Override
        public long size() {
            return NvidiaGpu.BAR0_SIZE;
        }

        @Override
        public long read(long offset, int width) {
            return gpu.read(offset, width);
        }

        @Override
        public void write(long offset, int width, long value) {
            gpu.write(offset, width, value);
        }
    }

    /**
     * BAR1 of a GPU: plain memory onto the model's VRAM (direct access allowed) while BAR1 is
     * physical; once the driver binds an instance block every access goes through the GPU's MMU
     * and the region offers no direct mapping.
     */
    private record ApertureRegion(NvidiaGpu gpu) implements Region {
        @Override
        public long size() {
            return NvidiaGpu.BAR1_SIZE;
        }

        @Override
        public long read(long offset, int width) {
            return gpu.mmu().bar1Read(offset, width);
        }

        @Override
        public void write(long offset, int width, long value) {
            gpu.mmu().bar1Write(offset, width, value);
        }

        @Override
        public Optional<MemorySegment> memory() {
            // BAR1 is mappable in both modes: translated, the mapping is the MMU's (SimBar1View)
            return Optional.of(gpu.bar1Memory());
        }

        @Override
        public void release() {
            gpu.releaseVram();
        }
    }
}
