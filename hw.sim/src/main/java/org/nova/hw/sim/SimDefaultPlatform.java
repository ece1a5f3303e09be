package org.nova.hw.sim;

import java.util.ArrayList;
import java.util.List;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.nova.config.ConfigStatus;
import org.nova.hw.HwException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default simulated platform. At startup, if Configuration Admin holds no configuration of
 * {@value SimBridgeComponent#PID} or {@value SimDeviceComponent#PID}, this creates (as real,
 * editable factory configurations) bridge "sim0" in domain 0 with pci-testdev at 00:02.0,
 * edu at 00:03.0, and a second pci-testdev at 00:04.0 whose board straps subsystem IDs
 * 1b36:0005 — the device the auxiliary-bus sample's parent driver claims by its more specific id,
 * as the kernel's rust_driver_auxiliary claims a pci-testdev — and two simulated NVIDIA GPUs,
 * GA102 at 00:05.0 and AD102 at 00:06.0 (their generated firmware is added to the firmware
 * loader's search path, after the system folders).
 *
 * <p>To run without it, set the framework (or system) property {@value #DEFAULTS_PROPERTY}=false,
 * or configure {@value #PID} with {@code enabled=false}. Supplying your own bridge/device
 * configurations also suppresses it, provided Configuration Admin has them when this component
 * starts (with FileInstall, which delivers them later, set {@value #DEFAULTS_PROPERTY}=false).
 * Deleting the created configurations removes the devices and the bridge like any other.
 *
 * <p>Its own configuration is answered ({@link ConfigStatus}): applied (created, not needed, or
 * disabled), or refused with EIO when Configuration Admin cannot store the defaults.
 */
@Component(configurationPid = SimDefaultPlatform.PID, property = ConfigStatus.DECLARATION)
@Designate(ocd = SimDefaultPlatform.Config.class)
public final class SimDefaultPlatform {
    private static final Logger LOG = LoggerFactory.getLogger(SimDefaultPlatform.class);

    /** Configuration PID of this component. */
    public static final String PID = "org.nova.hw.sim.defaults";
    /** Framework/system property that disables the default platform when "false". */
    public static final String DEFAULTS_PROPERTY = "nova.sim.defaults";
    /** Property of {@value #PID}: create the default platform. */
    static final String PROP_ENABLED = "enabled";
    /** Name of the factory configurations created (Configuration Admin 1.6 named factory configurations). */
    static final String CONFIG_NAME_BRIDGE = "default-sim0";
    /** Name of the pci-testdev configuration. */
    static final String CONFIG_NAME_TESTDEV = "default-pci-testdev";
    /** Name of the edu configuration. */
    static final String CONFIG_NAME_EDU = "default-edu";
    /** Name of the second pci-testdev's configuration. */
    static final String CONFIG_NAME_TESTDEV_AUX = "default-pci-testdev-aux";
    /** Slot of the second pci-testdev. */
    static final String TESTDEV_AUX_SLOT = "00:04.0";
    /** Subsystem IDs strapped on the second pci-testdev (Red Hat's vendor ID and the test device's ID). */
    static final String TESTDEV_AUX_SUBSYSTEM_VENDOR = "1b36";
    /** Subsystem ID strapped on the second pci-testdev. */
    static final String TESTDEV_AUX_SUBSYSTEM_DEVICE = "0005";
    /** Default slot of pci-testdev. */
    static final String TESTDEV_SLOT = "00:02.0";
    /** Default slot of edu. */
    static final String EDU_SLOT = "00:03.0";
    /** Name of the simulated GA102's configuration. */
    static final String CONFIG_NAME_GA102 = "default-nvidia-ga102";
    /** Slot of the simulated GA102. */
    static final String GA102_SLOT = "00:05.0";
    /** Name of the simulated AD102's configuration. */
    static final String CONFIG_NAME_AD102 = "default-nvidia-ad102";
    /** Slot of the simulated AD102. */
    static final String AD102_SLOT = "00:06.0";
    /** PID of the firmware loader's configuration (org.nova.driver.firmware.FirmwareLoader.PID). */
    static final String FIRMWARE_LOADER_PID = "org.nova.firmware";
    /** The firmware loader's search path property. */
    static final String FIRMWARE_LOADER_PATH = "path";
    /** The firmware loader's default search path, before the simulator's generated firmware. */
    static final List<String> SYSTEM_FIRMWARE_DIRS = List.of("/lib/firmware", "/usr/lib/firmware");
    /** Configuration Admin property naming a factory configuration's factory PID. */
    static final String FACTORY_PID = "service.factoryPid";

    /** Metatype of {@value #PID}. */
    @ObjectClassDefinition(name = "Nova default simulated platform",
            description = "Creates bridge sim0 with pci-testdev at 00:02.0 and edu at 00:03.0 when no simulated platform is configured.")
    @interface Config {
        /** @return whether to create the default platform */
        @AttributeDefinition(name = "Enabled", description = "Create the default platform when none is configured.")
        boolean enabled() default true;
    }

    /**
     * @param configAdmin Configuration Admin
     * @param context     the bundle context, for {@value #DEFAULTS_PROPERTY}
     * @param properties  this component's configuration
     */
    private final ConfigStatus status;

    @Activate
    public SimDefaultPlatform(@Reference(name = "configAdmin") ConfigurationAdmin configAdmin, BundleContext context,
                              Map<String, Object> properties) {
        status = new ConfigStatus(context, ConfigStatus.pidOf(properties, PID));
        if (!enabled(context.getProperty(DEFAULTS_PROPERTY), properties)) {
            LOG.info("default simulated platform disabled");
            status.applied(properties);
            return;
        }
        try {
            createIfUnconfigured(configAdmin);
            status.applied(properties);
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("cannot create the default simulated platform: {}", e.getMessage(), e);
            status.refused(properties, HwException.EIO, "cannot store the default platform's configurations: "
                    + e.getMessage());
        }
    }

    /** Withdraws the answer. */
    @Deactivate
    void deactivate() {
        status.close();
    }

    /** @return whether defaults are wanted, given the framework property and this component's configuration */
    static boolean enabled(String frameworkProperty, Map<String, ?> properties) {
        if (frameworkProperty != null && frameworkProperty.trim().equalsIgnoreCase(Boolean.FALSE.toString())) {
            return false;
        }
        return ConfigProps.bool(properties, PROP_ENABLED, true);
    }

    /** @return whether the default configurations were created */
    static boolean createIfUnconfigured(ConfigurationAdmin cm) throws IOException, InvalidSyntaxException {
        String filter = "(|(" + FACTORY_PID + "=" + SimBridgeComponent.PID + ")(" + FACTORY_PID + "="
                + SimDeviceComponent.PID + "))";
        Configuration[] existing = cm.listConfigurations(filter);
        if (existing != null && existing.length > 0) {
            LOG.info("simulated platform configured ({} configurations); no defaults", existing.length);
            return false;
        }
        Dictionary<String, Object> bridge = new Hashtable<>();
        bridge.put(SimBridgeComponent.PROP_NAME, SimBridgeComponent.DEFAULT_NAME);
        bridge.put(SimBridgeComponent.PROP_DOMAIN, SimBridgeComponent.DEFAULT_DOMAIN);
        cm.getFactoryConfiguration(SimBridgeComponent.PID, CONFIG_NAME_BRIDGE).update(bridge);
        cm.getFactoryConfiguration(SimDeviceComponent.PID, CONFIG_NAME_TESTDEV).update(device(SimModels.PCI_TESTDEV, TESTDEV_SLOT));
        cm.getFactoryConfiguration(SimDeviceComponent.PID, CONFIG_NAME_EDU).update(device(SimModels.EDU, EDU_SLOT));
        Dictionary<String, Object> aux = device(SimModels.PCI_TESTDEV, TESTDEV_AUX_SLOT);
        aux.put(SimDeviceComponent.PROP_SUBSYSTEM_VENDOR, TESTDEV_AUX_SUBSYSTEM_VENDOR);
        aux.put(SimDeviceComponent.PROP_SUBSYSTEM_DEVICE, TESTDEV_AUX_SUBSYSTEM_DEVICE);
        cm.getFactoryConfiguration(SimDeviceComponent.PID, CONFIG_NAME_TESTDEV_AUX).update(aux);
        addGeneratedFirmwareToLoaderPath(cm);
        Dictionary<String, Object> ga102 = device(SimModels.NVIDIA_GPU, GA102_SLOT);
        ga102.put(SimModels.OPT_CHIP, "ga102");
        cm.getFactoryConfiguration(SimDeviceComponent.PID, CONFIG_NAME_GA102).update(ga102);
        Dictionary<String, Object> ad102 = device(SimModels.NVIDIA_GPU, AD102_SLOT);
        ad102.put(SimModels.OPT_CHIP, "ad102");
        cm.getFactoryConfiguration(SimDeviceComponent.PID, CONFIG_NAME_AD102).update(ad102);
        LOG.info("created the default simulated platform: bridge {} with {} at {} and {}, {} at {} (set {}=false to disable)",
                SimBridgeComponent.DEFAULT_NAME, SimModels.PCI_TESTDEV, TESTDEV_SLOT, TESTDEV_AUX_SLOT, SimModels.EDU,
                EDU_SLOT, DEFAULTS_PROPERTY);
        return true;
    }

    /**
     * Lets the firmware loader find what the simulated GPUs generate: unless the loader is
     * configured already, its path becomes /lib/firmware, /usr/lib/firmware, then the
     * simulator's folder ({@link GpuFirmwareGenerator#defaultDir()}), so real files win.
     */
    static void addGeneratedFirmwareToLoaderPath(ConfigurationAdmin cm) throws IOException {
        Configuration c = cm.getConfiguration(FIRMWARE_LOADER_PID, "?");
        Dictionary<String, Object> props = c.getProperties();
        String generated = GpuFirmwareGenerator.defaultDir().toString();
        List<String> path = new ArrayList<>(SYSTEM_FIRMWARE_DIRS);
        if (props != null && props.get(FIRMWARE_LOADER_PATH) instanceof String[] configured) {
            path = new ArrayList<>(List.of(configured));
        }
        if (!path.contains(generated)) {
            path.add(generated);
            Dictionary<String, Object> update = props != null ? props : new Hashtable<>();
            update.put(FIRMWARE_LOADER_PATH, path.toArray(String[]::new));
            c.update(update);
            LOG.info("firmware loader path {} (the simulated GPUs' generated firmware last)", path);
        }
    }

    private static Dictionary<String, Object> device(String model, String slot) {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put(SimDeviceComponent.PROP_BRIDGE, SimBridgeComponent.DEFAULT_NAME);
        d.put(SimDeviceComponent.PROP_SLOT, slot);
        d.put(SimDeviceComponent.PROP_MODEL, model);
        return d;
    }
}
