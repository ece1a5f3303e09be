package org.nova.hw.sim;

import java.util.Map;
import org.nova.hw.pci.PciClass;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.NvidiaPciIds;

/**
 * An SR-IOV virtual function of a vGPU-capable GPU: a 3D controller with a register BAR (the
 * interrupt tree of dev_vm.h, {@link GpuVfRegs}) and BAR1, which the GPU maps onto the
 * framebuffer of the vGPU GSP-RM booted for this VF (nothing before, nothing past it:
 * {@link NvidiaGpu#vfBar1Read}).
 */
final class GpuVfModel implements DeviceModel {
    /** VF BAR0 size (the VF's register window). */
    static final long VF_BAR0_SIZE = 256L << 10;
    /**
     * VF BAR1 size (the VF's aperture onto its vGPU's framebuffer): 256 MiB, the bar1Length the
     * simulated types report (the RFC sizes the vGPU's BAR1 as bar1Length MiB).
     */
    static final long VF_BAR1_SIZE = 256L << 20;
    /** The VF's one MSI vector, which its interrupt tree uses. */
    private static final int MSI_VECTORS = 1;

    private final NvidiaGpu pf;
    private final int index;
    private GpuVfRegs regs;

    GpuVfModel(NvidiaGpu pf, int index) {
        this.pf = pf;
        this.index = index;
    }

    @Override
    public String description() {
        return pf.description() + " VF" + index;
    }

    @Override
    public ConfigSpace createConfigSpace() {
        return ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_EXP_SIZE)
                .revision(pf.pciRevision())
                .classCode(PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_3D, 0))
                .subsystem(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, pf.vfDeviceId())
                .msi(MSI_VECTORS, true, false)
                .express(true)
                .virtualFunction()
                .build();
    }

    @Override
    public Region region(int i) {
        return switch (i) {
            case GpuModel.BAR_REGS -> regs = new GpuVfRegs(VF_BAR0_SIZE);
            case GpuModel.BAR_VRAM -> new ApertureRegion(pf, index);
            default -> null;
        };
    }

    @Override
    public void start(DeviceContext context) {
        if (regs != null) {
            regs.attach(context);
        }
    }

    /** {@code vf.interrupts}: MSIs the VF's interrupt tree sent. */
    @Override
    public Map<String, String> state() {
        return Map.of("vf.interrupts", Long.toString(regs == null ? 0 : regs.interrupts()));
    }

    @Override
    public void reset() {
        if (regs != null) {
            regs.reset();
        }
    }

    @Override
    public void stop() {
    }

    /** A VF's BAR1: every access goes through the GPU's translation onto its vGPU's framebuffer. */
    private record ApertureRegion(NvidiaGpu gpu, int vfIndex) implements Region {
        @Override
        public long size() {
            return VF_BAR1_SIZE;
        }

        @Override
        public long read(long offset, int width) {
            return gpu.vfBar1Read(vfIndex, offset, width);
        }

        @Override
        public void write(long offset, int width, long value) {
            gpu.vfBar1Write(vfIndex, offset, width, value);
        }
    }
}
