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

    /** @throws HwException EINVAL for an unknown name */
    static void check(String name) {
        if (!NAMES.contains(name)) {
            create(name);
        }
    }
}
