package org.nova.hw.sim;

import org.nova.hw.pci.PciClass;
import org.nova.nvidia.NvidiaPciIds;
import org.nova.hw.pci.PciRegs;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuHost;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

import java.util.List;
import org.nova.hw.HwException;

/** The device models a configuration can name ({@code model} of {@value SimDeviceComponent#PID}). */
final class SimModels {
    private SimModels() {
    }

    /** QEMU's edu device. */
    static final String EDU = "edu";
    /** QEMU's pci-testdev. */
    static final String PCI_TESTDEV = "pci-testdev";
    /** A simulated NVIDIA GPU (option {@value #OPT_CHIP}: tu102, ga102, ad102, gh100, gb202, ...). */
    static final String NVIDIA_GPU = "nvidia-gpu";
    /** Every model name, for messages and metatype. */
    static final List<String> NAMES = List.of(EDU, PCI_TESTDEV, NVIDIA_GPU);
    /** GPU option: the chip. */
    static final String OPT_CHIP = "chip";
    /** GPU option: a fault to show ({@link GpuFault#key()}). */
    static final String OPT_FAULT = "fault";
    /** GPU option: usable framebuffer size in MiB. */
    static final String OPT_FB_MIB = "fb_mib";
    /** GPU option: directories (path-separator separated) whose firmware the GPU trusts, searched first. */
    static final String OPT_FIRMWARE_PATH = "firmware_path";
    /** Default chip of a GPU without {@value #OPT_CHIP}. */
    static final String DEFAULT_CHIP = "ga102";

    /**
     * @param name a model name
     * @return a new instance of the model
     * @throws HwException EINVAL for an unknown name
     */
    static DeviceModel create(String name) {
        return create(name, Map.of());
    }

    /**
     * @param name a model name
     * @param options the model's options
     * @return a new instance of the model
     * @throws HwException EINVAL for an unknown name or a bad option
     */
    static DeviceModel create(String name, Map<String, String> options) {
        return switch (name == null ? "" : name) {
            case EDU -> new EduDevice();
            case PCI_TESTDEV -> new PciTestDevice();
            case NVIDIA_GPU -> new GpuModel(new NvidiaGpu(gpuOptions(options)));
            default -> throw new HwException(HwException.EINVAL, "unknown device model '" + name + "' (known: "
                    + String.join(", ", NAMES) + ")");
        };
    }

    /** Subsystem ID value meaning "the model's own". */
    static final int MODEL_DEFAULT = -1;

    /**
     * @param name a model name
     * @param subsystemVendor a strapped subsystem vendor ID, or {@link #MODEL_DEFAULT}
     * @param subsystemDevice a strapped subsystem ID, or {@link #MODEL_DEFAULT}
     * @return a new instance of the model, its subsystem IDs strapped as given
     */
    static DeviceModel create(String name, Map<String, String> options, int subsystemVendor, int subsystemDevice) {
        DeviceModel model = create(name, options);
        if (subsystemVendor == MODEL_DEFAULT && subsystemDevice == MODEL_DEFAULT) {
            return model;
        }
        return new StrappedModel(model, subsystemVendor, subsystemDevice);
    }

    /** A model whose board straps other subsystem IDs than the model's default. */
    private record StrappedModel(DeviceModel model, int subsystemVendor, int subsystemDevice) implements DeviceModel {
        @Override
        public String description() {
            return model.description();
        }

        @Override
        public ConfigSpace createConfigSpace() {
            ConfigSpace c = model.createConfigSpace();
            int vendor = subsystemVendor == MODEL_DEFAULT ? c.get16(PciRegs.PCI_SUBSYSTEM_VENDOR_ID) : subsystemVendor;
            int device = subsystemDevice == MODEL_DEFAULT ? c.get16(PciRegs.PCI_SUBSYSTEM_ID) : subsystemDevice;
            c.strapSubsystem(vendor, device);
            return c;
        }

        @Override
        public Region region(int index) {
            return model.region(index);
        }

        @Override
        public void start(DeviceContext context) {
            model.start(context);
        }

        @Override
        public void reset() {
            model.reset();
        }

        @Override
        public void stop() {
            model.stop();
        }

        @Override
        public void configWritten(int offset, int width) {
            model.configWritten(offset, width);
        }

        @Override
        public DeviceModel virtualFunction(int vfIndex) {
            return model.virtualFunction(vfIndex);
        }
    }

    /** @throws HwException EINVAL for an unknown name or bad options */
    static void check(String name, Map<String, String> options) {
        if (!NAMES.contains(name)) {
            create(name);
        }
        if (NVIDIA_GPU.equals(name)) {
            gpuOptions(options);
        }
    }

    /**
     * The GPU's options from the configuration. Firmware it trusts: the directories of
     * {@value #OPT_FIRMWARE_PATH}, /lib/firmware, /usr/lib/firmware, then the folder the simulator
     * generates its firmware into ({@link GpuFirmwareGenerator#defaultDir()}), generated now.
     *
     * @throws HwException EINVAL naming the bad option
     */
    static GpuOptions gpuOptions(Map<String, String> options) {
        try {
            Chipset chip = Chipset.fromName(options.getOrDefault(OPT_CHIP, DEFAULT_CHIP).trim());
            GpuFault fault = GpuFault.of(options.get(OPT_FAULT));
            String fb = options.get(OPT_FB_MIB);
            long fbMib = fb == null || fb.isBlank() ? GpuOptions.defaultFbMiB(chip) : Long.parseLong(fb.trim());
            List<Path> dirs = new ArrayList<>();
            String extra = options.get(OPT_FIRMWARE_PATH);
            if (extra != null) {
                for (String d : extra.split(java.io.File.pathSeparator)) {
                    if (!d.isBlank()) {
                        dirs.add(Path.of(d.trim()));
                    }
                }
            }
            dirs.add(Path.of("/lib/firmware"));
            dirs.add(Path.of("/usr/lib/firmware"));
            Path generated = GpuFirmwareGenerator.defaultDir();
            if (chip.hasGspFirmware535()) {
                GpuFirmwareGenerator.generate(chip, generated);
            }
            dirs.add(generated);
            return new GpuOptions(chip, fbMib, fault, dirs);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new HwException(HwException.EINVAL, "nvidia-gpu: " + e.getMessage());
        }
    }

    /** Adapts the GPU register model (package org.nova.hw.sim.gpu) to a device model. */
    static final class GpuModel implements DeviceModel {
        /** BAR0: registers. */
        static final int BAR_REGS = 0;
        /** BAR1: the VRAM aperture (64-bit, prefetchable). */
        static final int BAR_VRAM = 1;

        private final NvidiaGpu gpu;

        GpuModel(NvidiaGpu gpu) {
            this.gpu = gpu;
        }

        /** @return the register model */
        NvidiaGpu gpu() {
            return gpu;
        }

        /**
         * {@code gsp.running}: whether GSP-RM runs; {@code vgpu.gfids}: the GFIDs GSP-RM holds a
         * vGPU for (booted, or shut down and not yet cleaned up), comma-separated, ascending;
         * {@code vf.bar1.faults}: VF BAR1 accesses that reached no vGPU.
         */
        @Override
        public Map<String, String> state() {
            return Map.of("gsp.running", Boolean.toString(gpu.gspRunning()),
                    "vgpu.gfids", gpu.vgpu().activeGfids().stream().map(String::valueOf)
                            .collect(java.util.stream.Collectors.joining(",")),
                    "vf.bar1.faults", Long.toString(gpu.vfBar1Faults()));
        }

        @Override
        public String description() {
            return gpu.description();
        }

        @Override
        public ConfigSpace createConfigSpace() {
            boolean sriov = gpu.totalVfs() > 0;
            ConfigSpace.Builder b = ConfigSpace.builder(sriov ? PciRegs.PCI_CFG_SPACE_EXP_SIZE
                    : PciRegs.PCI_CFG_SPACE_SIZE)
                    .vendor(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA)
                    .device(gpu.deviceId())
                    .revision(0xa1)
                    .classCode(gpu.classCode())
                    .subsystem(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, gpu.deviceId())
                    .interruptPin(PciRegs.PCI_INTERRUPT_PIN_INTA)
                    .bar(BarSpec.mem32(BAR_REGS, NvidiaGpu.BAR0_SIZE))
                    .bar(BarSpec.mem64(BAR_VRAM, NvidiaGpu.BAR1_SIZE, true))
                    .rom(NvidiaGpu.ROM_SIZE)
                    .msi(1, true, false);
            if (sriov) {
                // a vGPU-capable board: PCIe and SR-IOV (VFs at PF + 1, stride 1; VF BAR0 registers, BAR1 aperture)
                b.express(true).sriov(new ConfigSpace.SriovSpec(gpu.totalVfs(), 1, 1, gpu.vfDeviceId(),
                        List.of(BarSpec.mem32(BAR_REGS, VF_BAR0_SIZE), BarSpec.mem64(BAR_VRAM, VF_BAR1_SIZE, true))));
            }
            return b.build();
        }

        @Override
        public Region region(int index) {
            return switch (index) {
                case BAR_REGS -> new GpuRegion(NvidiaGpu.BAR0_SIZE, gpu::read, gpu::write);
                case BAR_VRAM -> new ApertureRegion(gpu);
                case org.nova.hw.RegionInfo.ROM_INDEX -> new RomRegion(gpu.rom(), NvidiaGpu.ROM_SIZE);
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

        @Override
        public void stop() {
        }

        @Override
        public DeviceModel virtualFunction(int vfIndex) {
            return new GpuVfModel(gpu, vfIndex);
        }
    }

    /** VF BAR0 size (the VF's register window). */
    static final long VF_BAR0_SIZE = 256L << 10;
    /**
     * VF BAR1 size (the VF's aperture onto its vGPU's framebuffer): 256 MiB, the bar1Length the
     * simulated types report (the RFC sizes the vGPU's BAR1 as bar1Length MiB).
     */
    static final long VF_BAR1_SIZE = 256L << 20;

    /**
     * An SR-IOV virtual function of a vGPU-capable GPU: a 3D controller with a register BAR and
     * BAR1, which the GPU maps onto the framebuffer of the vGPU GSP-RM booted for this VF (nothing
     * before, nothing past it: {@link NvidiaGpu#vfBar1Read}).
     */
    static final class GpuVfModel implements DeviceModel {
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
                    .revision(0xa1)
                    .classCode(PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_3D, 0))
                    .subsystem(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, pf.vfDeviceId())
                    .msi(1, true, false)
                    .express(true)
                    .virtualFunction()
                    .build();
        }

        @Override
        public Region region(int i) {
            return switch (i) {
                case GpuModel.BAR_REGS -> regs = new GpuVfRegs(VF_BAR0_SIZE);
                case GpuModel.BAR_VRAM -> new VfApertureRegion(pf, index);
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
    }

    /** Reads of a region of the GPU. */
    private interface Reader {
        long read(long offset, int size);
    }

    /** Writes of a region of the GPU. */
    private interface Writer {
        void write(long offset, int size, long value);
    }

    /** A register-level region delegating to the GPU model. */
    private record GpuRegion(long size, Reader reader, Writer writer) implements Region {
        @Override
        public long read(long offset, int width) {
            return reader.read(offset, width);
        }

        @Override
        public void write(long offset, int width, long value) {
            writer.write(offset, width, value);
        }
    }

    /** BAR1 of a GPU: plain memory, a window onto the model's VRAM (direct access allowed). */
    /** A VF's BAR1: every access goes through the GPU's translation onto its vGPU's framebuffer. */
    private record VfApertureRegion(NvidiaGpu gpu, int vfIndex) implements Region {
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

    private record ApertureRegion(NvidiaGpu gpu) implements Region {
        @Override
        public long size() {
            return NvidiaGpu.BAR1_SIZE;
        }

        @Override
        public long read(long offset, int width) {
            return gpu.vramRead(offset, width);
        }

        @Override
        public void write(long offset, int width, long value) {
            gpu.vramWrite(offset, width, value);
        }

        @Override
        public java.util.Optional<MemorySegment> memory() {
            return java.util.Optional.of(gpu.vramAperture());
        }

        @Override
        public void release() {
            gpu.releaseVram();
        }
    }
}
