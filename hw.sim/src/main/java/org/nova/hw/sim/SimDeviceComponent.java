package org.nova.hw.sim;

import java.util.HashMap;
import java.util.List;

import java.util.Map;
import java.util.stream.Stream;
import org.nova.config.ConfigStatus;
import org.nova.hw.HwException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated device per factory configuration {@value #PID}: hot-adds the model at the slot
 * on the named bridge (when that bridge exists), hot-removes it when the configuration is
 * deleted: orderly (its drivers unbind first, while it works), or as a surprise with
 * {@value #PROP_REMOVAL}={@value #REMOVAL_SURPRISE}. Every configuration is answered
 * ({@link ConfigStatus}): applied once the device is plugged in; refused — logged too, naming the configuration — for an unknown model or option
 * (EINVAL), a malformed slot (EINVAL), a slot another configuration has (EEXIST), a BAR no free
 * range of the bridge's window holds (ENOSPC, naming the BAR and its size), or a bridge that
 * does not exist (ENODEV: the device waits for it, and the answer turns to applied when it is
 * plugged in). A refused change leaves the previous device plugged in, except a change to a
 * bridge that does not exist, which unplugs it to wait. Nothing else is affected.
 */
@Component(configurationPid = SimDeviceComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {},
        property = ConfigStatus.DECLARATION)
@Designate(ocd = SimDeviceComponent.Config.class, factory = true)
public final class SimDeviceComponent {
    private static final Logger LOG = LoggerFactory.getLogger(SimDeviceComponent.class);

    /** Factory PID of device configurations. */
    public static final String PID = "org.nova.hw.sim.device";
    /** Property: bridge name. */
    static final String PROP_BRIDGE = "bridge";
    /** Property: slot. */
    static final String PROP_SLOT = "slot";
    /** Property: model. */
    static final String PROP_MODEL = "model";
    /** Property: strapped subsystem vendor ID (hex), empty for the model's own. */
    static final String PROP_SUBSYSTEM_VENDOR = "subsystem_vendor";
    /** Property: strapped subsystem ID (hex), empty for the model's own. */
    static final String PROP_SUBSYSTEM_DEVICE = "subsystem_device";
    /** Property: how the device leaves when its configuration is deleted ({@value #REMOVAL_ORDERLY} or {@value #REMOVAL_SURPRISE}). */
    static final String PROP_REMOVAL = "removal";
    /** Removal as pciehp's attention button does it: drivers unbind while the device works, then it goes. */
    static final String REMOVAL_ORDERLY = "orderly";
    /** Removal as a pulled card is: the device vanishes under its drivers, then they hear of it. */
    static final String REMOVAL_SURPRISE = "surprise";
    /** Default bridge. */
    static final String DEFAULT_BRIDGE = SimBridgeComponent.DEFAULT_NAME;
    /** Default slot. */
    static final String DEFAULT_SLOT = "00:03.0";
    /** Default model. */
    static final String DEFAULT_MODEL = SimModels.EDU;

    /** Metatype of {@value #PID}. */
    @ObjectClassDefinition(name = "Nova simulated PCI device",
            description = "A register-level simulated PCI device plugged into a simulated host bridge.")
    @interface Config {
        /** @return the bridge name */
        @AttributeDefinition(name = "Bridge", description = "Name of the simulated bridge (its 'name' property).")
        String bridge() default DEFAULT_BRIDGE;

        /** @return the slot */
        @AttributeDefinition(name = "Slot", description = "PCI address behind the bridge: bb:dd.f, or dddd:bb:dd.f with the bridge's domain.")
        String slot() default DEFAULT_SLOT;

        /** @return the model */
        @AttributeDefinition(name = "Model", description = "Device model.", options = {
            @Option(label = "QEMU edu (1234:11e8)", value = SimModels.EDU),
            @Option(label = "QEMU pci-testdev (1b36:0005)", value = SimModels.PCI_TESTDEV),
            @Option(label = "NVIDIA GPU (10de, chip below)", value = SimModels.NVIDIA_GPU),
            @Option(label = "Generic PCI device (IDs, class, BARs below)", value = SimModels.PCI_GENERIC)})
        String model() default DEFAULT_MODEL;

        /** @return the GPU chip */
        @AttributeDefinition(name = "Chip", required = false,
                description = "nvidia-gpu only: the chip, e.g. tu102, ga102, ad102 (FWSEC and booter), gh100, gb100, gb202 (through the FSP).")
        String chip() default SimModels.DEFAULT_CHIP;

        /** @return the GPU fault */
        @AttributeDefinition(name = "Fault", required = false,
                description = "nvidia-gpu only: none, fwsec-error, wpr2-set, falcon-hang, gfw-hang, fsp-boot-hang, gsp-fmc-hang, ...")
        String fault() default "none";

        /** @return the framebuffer size */
        @AttributeDefinition(name = "Framebuffer MiB", required = false,
                description = "nvidia-gpu only: usable framebuffer in MiB; empty for the board's.")
        String fb__mib() default "";

        /** @return the board's TotalVFs */
        @AttributeDefinition(name = "TotalVFs", required = false,
                description = "nvidia-gpu only: TotalVFs of the SR-IOV capability, 0 to 4 (0: none); empty for the board's (4 on ad102, else 0).")
        String total__vfs() default "";

        /** @return the strapped subsystem vendor */
        @AttributeDefinition(name = "Subsystem vendor", required = false,
                description = "Subsystem vendor ID in hex (like QEMU's x-pci-sub-vendor-id); empty keeps the model's.")
        String subsystem__vendor() default "";

        /** @return the strapped subsystem ID */
        @AttributeDefinition(name = "Subsystem ID", required = false,
                description = "Subsystem ID in hex (like QEMU's x-pci-sub-device-id); empty keeps the model's.")
        String subsystem__device() default "";

        /** @return how the device leaves */
        @AttributeDefinition(name = "Removal", required = false,
                description = "How the device leaves when this configuration is deleted: orderly (its drivers unbind while it still works, as pci_stop_and_remove_bus_device) or surprise (it vanishes under its drivers, as a pulled card).",
                options = {@Option(label = "orderly", value = REMOVAL_ORDERLY),
                    @Option(label = "surprise", value = REMOVAL_SURPRISE)})
        String removal() default REMOVAL_ORDERLY;

        /** @return the generic device's vendor ID */
        @AttributeDefinition(name = "Vendor ID", required = false,
                description = "pci-generic only (required there): vendor ID in hex, e.g. 1b36.")
        String vendor() default "";

        /** @return the generic device's device ID */
        @AttributeDefinition(name = "Device ID", required = false,
                description = "pci-generic only (required there): device ID in hex.")
        String device() default "";

        /** @return the generic device's class code */
        @AttributeDefinition(name = "Class", required = false,
                description = "pci-generic only: 24-bit class code in hex (base class, subclass, prog-if), as sysfs 'class' shows it; empty for ff0000.")
        String class$() default "";

        /** @return the generic device's revision */
        @AttributeDefinition(name = "Revision", required = false,
                description = "pci-generic only: revision ID in hex; empty for 00.")
        String revision() default "";

        /** @return the generic device's BARs */
        @AttributeDefinition(name = "BARs", required = false,
                description = "pci-generic only: comma-separated INDEX:KIND:SIZE, KIND mem32, mem64, mem64-pref or io, SIZE a power of two with an optional K, M or G; empty for 0:mem32:4K.")
        String bars() default "";

        /** @return whether the generic device is PCIe with FLR */
        @AttributeDefinition(name = "FLR", required = false,
                description = "pci-generic only: true for a PCI Express function that advertises Function Level Reset.")
        String flr() default "false";
    }

    /** System property of the firmware loader's extra directories: the GPU trusts them first too. */
    static final String FIRMWARE_PATH_PROPERTY = "nova.firmware.path";
    /** GPU option properties passed from the configuration to the model. */
    static final List<String> GPU_OPTIONS = List.of(SimModels.OPT_CHIP, SimModels.OPT_FAULT, SimModels.OPT_FB_MIB,
            SimModels.OPT_TOTAL_VFS);
    /** Every model option property passed from the configuration to the model. */
    static final List<String> MODEL_OPTIONS = Stream.concat(GPU_OPTIONS.stream(), PciGenericDevice.OPTIONS.stream())
            .toList();

    private final SimPlatform platform;
    private final String firmwarePath;
    private final String pid;
    private final ConfigStatus status;
    /** Whether deleting the configuration pulls the device ({@value #PROP_REMOVAL}); the configuration in force says. */
    private volatile boolean surprise;

    /**
     * @param platform   the platform registry
     * @param context    the bundle context, to publish the answer
     * @param properties the configuration
     */
    @Activate
    public SimDeviceComponent(@Reference(name = "platform") SimPlatform platform, BundleContext context,
                              Map<String, Object> properties) {
        this.platform = platform;
        this.firmwarePath = System.getProperty(FIRMWARE_PATH_PROPERTY);
        this.pid = ConfigProps.pid(properties);
        this.status = new ConfigStatus(context, pid);
        apply(properties);
    }

    /** A changed configuration replaces the device once the platform has checked it. */
    @Modified
    void modified(Map<String, Object> properties) {
        apply(properties);
    }

    /** Hot-removes the device and withdraws the answer. */
    @Deactivate
    void deactivate() {
        platform.removeDevice(pid, surprise);
        status.close();
    }

    /** @return the answer to the configuration in force */
    ConfigStatus status() {
        return status;
    }

    private void apply(Map<String, Object> properties) {
        String model = ConfigProps.string(properties, PROP_MODEL, DEFAULT_MODEL);
        String slot = ConfigProps.string(properties, PROP_SLOT, DEFAULT_SLOT);
        String bridge = ConfigProps.string(properties, PROP_BRIDGE, DEFAULT_BRIDGE);
        try {
            String removal = ConfigProps.string(properties, PROP_REMOVAL, REMOVAL_ORDERLY);
            if (!removal.equals(REMOVAL_ORDERLY) && !removal.equals(REMOVAL_SURPRISE)) {
                throw new HwException(HwException.EINVAL, PROP_REMOVAL + ": '" + removal + "' is neither "
                        + REMOVAL_ORDERLY + " nor " + REMOVAL_SURPRISE);
            }
            Map<String, String> options = new HashMap<>();
            for (String key : MODEL_OPTIONS) {
                String v = ConfigProps.string(properties, key, "");
                if (!v.isEmpty()) {
                    options.put(key, v);
                }
            }
            if (firmwarePath != null && !firmwarePath.isBlank()) {
                options.put(SimModels.OPT_FIRMWARE_PATH, firmwarePath);
            }
            SimPlatform.DeviceSpec spec = new SimPlatform.DeviceSpec(pid, bridge, slot, model,
                    id16(properties, PROP_SUBSYSTEM_VENDOR), id16(properties, PROP_SUBSYSTEM_DEVICE), options);
            SimPlatform.DeviceWatcher watcher = new SimPlatform.DeviceWatcher() {
                @Override
                public void plugged() {
                    status.applied(properties);
                }

                @Override
                public void waiting(HwException why) {
                    status.refused(properties, why.errno(), why.reason());
                }
            };
            boolean plugged = platform.putDevice(spec, watcher);
            surprise = removal.equals(REMOVAL_SURPRISE);
            if (plugged) {
                status.applied(properties);
            } else {
                HwException why = SimPlatform.noBridge(spec);
                LOG.info("device configuration {}: {}", pid, why.getMessage());
                status.refused(properties, why.errno(), why.reason());
            }
        } catch (HwException e) {
            LOG.error("device configuration {}: cannot add {} at {} on bridge {}: {}", pid, model, slot, bridge,
                    e.getMessage());
            status.refused(properties, e.errno(), e.reason());
        } catch (IllegalStateException e) {
            LOG.error("device configuration {}: cannot add {} at {} on bridge {}: {}", pid, model, slot, bridge,
                    e.getMessage());
            status.refused(properties, HwException.EIO, e.getMessage());
        }
    }

    /** The optional prefix of a hex ID. */
    private static final String HEX_PREFIX = "0x";
    /** IDs are written in hex. */
    private static final int HEX_RADIX = 16;
    /** The largest vendor or device ID: they are 16 bits wide. */
    private static final int ID_MAX = (1 << Short.SIZE) - 1;

    /** A 16-bit ID in hex from the configuration, or the model's own when absent or empty. */
    static int id16(Map<String, Object> properties, String key) {
        String v = ConfigProps.string(properties, key, "").trim();
        if (v.isEmpty()) {
            return SimModels.MODEL_DEFAULT;
        }
        String hex = v.regionMatches(true, 0, HEX_PREFIX, 0, HEX_PREFIX.length()) ? v.substring(HEX_PREFIX.length()) : v;
        try {
            int id = Integer.parseInt(hex, HEX_RADIX);
            if (id < 0 || id > ID_MAX) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw new HwException(HwException.EINVAL, key + ": '" + v + "' is not a 16-bit hex ID");
        }
    }
}
