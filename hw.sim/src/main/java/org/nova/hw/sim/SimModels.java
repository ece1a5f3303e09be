package org.nova.hw.sim;

import java.io.File;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.fsp.FspCot;

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
    /** A generic function whose IDs, class, revision and BARs come from its options ({@link PciGenericDevice}). */
    static final String PCI_GENERIC = "pci-generic";
    /** Every model name, for messages and metatype. */
    static final List<String> NAMES = List.of(EDU, PCI_TESTDEV, NVIDIA_GPU, PCI_GENERIC);
    /** GPU option: the chip. */
    static final String OPT_CHIP = "chip";
    /** GPU option: a fault to show ({@link GpuFault#key()}). */
    static final String OPT_FAULT = "fault";
    /** GPU option: usable framebuffer size in MiB. */
    static final String OPT_FB_MIB = "fb_mib";
    /** GPU option: TotalVFs of the board's SR-IOV capability (0: none); the chip's modelled board by default. */
    static final String OPT_TOTAL_VFS = "total_vfs";
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
            case NVIDIA_GPU -> new GpuModel(new NvidiaGpu(gpuOptions(options, true)));
            case PCI_GENERIC -> new PciGenericDevice(PciGenericDevice.parse(options));
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
            gpuOptions(options, false); // the firmware is generated when the model is created
        }
        if (PCI_GENERIC.equals(name)) {
            PciGenericDevice.parse(options);
        }
    }

    /**
     * The GPU's options from the configuration. Firmware it trusts: the directories of
     * {@value #OPT_FIRMWARE_PATH}, /lib/firmware, /usr/lib/firmware, then the folder the simulator
     * generates its firmware into ({@link GpuFirmwareGenerator#defaultDir()}).
     *
     * @param generate whether to generate that firmware now: when the model is created, not when
     *     its configuration is only checked (generating a GPU's images is most of what checking
     *     it would cost, and a configuration is checked before it is created)
     * @throws HwException EINVAL naming the bad option, or a folder the firmware cannot be written to
     */
    static GpuOptions gpuOptions(Map<String, String> options, boolean generate) {
        try {
            Chipset chip = Chipset.fromName(options.getOrDefault(OPT_CHIP, DEFAULT_CHIP).trim());
            GpuFault fault = GpuFault.of(options.get(OPT_FAULT));
            String fb = options.get(OPT_FB_MIB);
            long fbMib = fb == null || fb.isBlank() ? GpuOptions.defaultFbMiB(chip) : Long.parseLong(fb.trim());
            List<Path> dirs = new ArrayList<>();
            String extra = options.get(OPT_FIRMWARE_PATH);
            if (extra != null) {
                for (String d : extra.split(File.pathSeparator)) {
                    if (!d.isBlank()) {
                        dirs.add(Path.of(d.trim()));
                    }
                }
            }
            dirs.add(Path.of("/lib/firmware"));
            dirs.add(Path.of("/usr/lib/firmware"));
            Path generated = GpuFirmwareGenerator.defaultDir();
            if (generate && (chip.hasGspFirmware535() || FspCot.bootsThroughFsp(chip.architecture()))) {
                GpuFirmwareGenerator.generate(chip, generated);
            }
            dirs.add(generated);
            String vfs = options.get(OPT_TOTAL_VFS);
            int totalVfs = vfs == null || vfs.isBlank() ? GpuOptions.defaultTotalVfs(chip) : Integer.parseInt(vfs.trim());
            return new GpuOptions(chip, fbMib, fault, dirs, totalVfs);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new HwException(HwException.EINVAL, "nvidia-gpu: " + e.getMessage());
        }
    }
}
