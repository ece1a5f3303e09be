package org.nova.hw.sim;

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
    /** Every model name, for messages and metatype. */
    static final List<String> NAMES = List.of(EDU, PCI_TESTDEV);

    /**
     * @param name a model name
     * @return a new instance of the model
     * @throws HwException EINVAL for an unknown name
     */
    static DeviceModel create(String name) {
        return switch (name == null ? "" : name) {
            case EDU -> new EduDevice();
            case PCI_TESTDEV -> new PciTestDevice();
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
    static DeviceModel create(String name, int subsystemVendor, int subsystemDevice) {
        DeviceModel model = create(name);
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

    /** @throws HwException EINVAL for an unknown name */
    static void check(String name) {
        if (!NAMES.contains(name)) {
            create(name);
        }
    }
}
