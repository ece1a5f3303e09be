package org.nova.hw.vfio;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.nova.config.ConfigStatus;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VFIO backend: one instance per configuration (PID {@value #PID}), publishing one
 * {@link HostBridge} service with {@code nova.backend=vfio} while enabled.
 *
 * <p>Configuration: {@link VfioConfig}. Without any configuration the framework properties
 * {@value #PROP_ENABLED} ("true" enables) and {@value #PROP_DEVICES} (comma-separated addresses)
 * supply enabled and devices, so a runtime can be started with the backend on
 * ({@code -Dnova.vfio.enabled=true}). Updating or deleting the configuration deactivates this
 * instance — the bridge service is unregistered (its consumers unbind their drivers and release
 * their resources) and then every fd, mapping and thread of the bridge is closed — and activates
 * a new one with the new values.
 *
 * <p>If opening fails (no /dev/vfio, group not viable, permissions, a function not bound to
 * vfio-pci) the error, naming the function and the reason, is logged and reported by
 * {@code vfio:status}; nothing stays open and no bridge is registered.
 *
 * <p>Every configuration (and the start without one) is answered ({@link ConfigStatus}): applied
 * when the bridge is registered or the backend is disabled; refused with EINVAL for a device that
 * is not a PCI address or a bridge without a name, and with the errno of the failure when opening
 * fails (ENOENT without /dev/vfio/vfio, EACCES, ...; EPERM without native access).
 */
@Component(service = VfioBackend.class, configurationPid = VfioBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, property = ConfigStatus.DECLARATION)
@Designate(ocd = VfioConfig.class)
public final class VfioBackend {
    private static final Logger LOG = LoggerFactory.getLogger(VfioBackend.class);
    /** The configuration PID. */
    public static final String PID = "org.nova.hw.vfio";
    /** The backend name, the value of {@link HostBridge#PROP_BACKEND}. */
    public static final String BACKEND = "vfio";
    /** Framework property read when no configuration exists: "true" enables the backend. */
    public static final String PROP_ENABLED = "nova.vfio.enabled";
    /** Framework property read when no configuration exists: comma-separated addresses. */
    public static final String PROP_DEVICES = "nova.vfio.devices";
    /** Configuration property: the functions to open ({@link VfioConfig#devices()}). */
    static final String CONFIG_DEVICES = "devices";
    /** Configuration property: the bridge's name ({@link VfioConfig#bridge()}). */
    static final String CONFIG_BRIDGE = "bridge";
    /** The errno of a JVM that may not call native code: the operation is not permitted. */
    static final String NO_NATIVE_ACCESS = "EPERM";

    private final String bridgeName;
    private final boolean enabled;
    private final List<PciAddress> devices;
    private final String source;
    private final ConfigStatus status;
    private volatile VfioBridge bridge;
    private volatile ServiceRegistration<HostBridge> registration;
    private volatile String failure;

    @Activate
    public VfioBackend(BundleContext context, VfioConfig config, Map<String, Object> properties) {
        this(context, config, properties, SysfsPci.system());
    }

    VfioBackend(BundleContext context, VfioConfig config, Map<String, Object> properties, SysfsPci sysfs) {
        boolean fromConfig = properties.containsKey("service.pid");
        this.bridgeName = config.bridge();
        this.source = fromConfig ? "configuration " + properties.get("service.pid")
                : "framework properties (no configuration " + PID + ")";
        this.status = new ConfigStatus(context, ConfigStatus.pidOf(properties, PID));
        boolean en;
        List<PciAddress> devs = new ArrayList<>();
        HwException bad = null;
        try {
            if (fromConfig) {
                en = config.enabled();
                for (String d : config.devices()) {
                    if (d != null && !d.isBlank()) {
                        devs.add(PciAddress.parse(d.trim()));
                    }
                }
            } else {
                en = Boolean.parseBoolean(context.getProperty(PROP_ENABLED));
                String list = context.getProperty(PROP_DEVICES);
                if (list != null) {
                    for (String d : list.split("[,\\s]+")) {
                        if (!d.isBlank()) {
                            devs.add(PciAddress.parse(d));
                        }
                    }
                }
            }
        } catch (HwException e) {
            en = false;
            bad = new HwException(e.errno(), (fromConfig ? CONFIG_DEVICES : PROP_DEVICES) + ": " + e.reason());
        }
        if (bad == null && (bridgeName == null || bridgeName.isBlank())) {
            bad = new HwException(HwException.EINVAL, CONFIG_BRIDGE + ": the bridge needs a name");
        }
        this.enabled = bad == null && en;
        this.devices = List.copyOf(devs);
        this.failure = bad == null ? null : "bad configuration: " + bad.getMessage();
        if (bad != null) {
            LOG.error("VFIO backend {}: {}", bridgeName, failure);
            status.refused(properties, bad.errno(), bad.reason());
            return;
        }
        if (!enabled) {
            LOG.debug("VFIO backend {} disabled ({})", bridgeName, source);
            status.applied(properties);
            return;
        }
        String opening = devices.isEmpty() ? "the functions bound to vfio-pci" : devices.toString();
        try {
            VfioBridge b = VfioBridge.open(bridgeName, sysfs, devices);
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(HostBridge.PROP_BACKEND, BACKEND);
            props.put(HostBridge.PROP_BRIDGE, b.name());
            props.put(HostBridge.PROP_DOMAIN, b.domain());
            this.bridge = b;
            this.registration = context.registerService(HostBridge.class, b, props);
            LOG.info("VFIO backend: bridge {} registered with {} function(s) ({})", b.name(), b.functions().size(), source);
            status.applied(properties);
        } catch (HwException e) {
            this.failure = e.getMessage();
            LOG.error("VFIO backend {}: cannot open {}: {}", bridgeName, opening, e.getMessage());
            status.refused(properties, e.errno(), "enabled: " + e.reason());
        } catch (LibC.ErrnoException e) {
            this.failure = e.getMessage();
            LOG.error("VFIO backend {}: cannot open {}: {}", bridgeName, opening, e.getMessage());
            status.refused(properties, e.errnoName(), "enabled: cannot open " + opening + ": " + e.getMessage());
        } catch (UnsatisfiedLinkError | IllegalCallerException e) {
            this.failure = "native access unavailable: " + e.getMessage()
                    + " (start the JVM with --enable-native-access=ALL-UNNAMED)";
            LOG.error("VFIO backend {}: {}", bridgeName, failure);
            status.refused(properties, NO_NATIVE_ACCESS, "enabled: " + failure);
        }
    }

    /** Unregisters the bridge service (consumers unbind first), then closes everything; withdraws the answer. */
    @Deactivate
    void deactivate() {
        ServiceRegistration<HostBridge> r = registration;
        registration = null;
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already unregistered by the framework (bundle stopping)
            }
        }
        VfioBridge b = bridge;
        bridge = null;
        if (b != null) {
            b.close();
        }
        status.close();
    }

    /** @return the answer to the configuration in force */
    ConfigStatus status() {
        return status;
    }

    /** @return the bridge while enabled and open, else null */
    VfioBridge bridge() {
        return bridge;
    }

    String bridgeName() {
        return bridgeName;
    }

    boolean enabled() {
        return enabled;
    }

    List<PciAddress> devices() {
        return devices;
    }

    String source() {
        return source;
    }

    /** @return why the backend is not running although enabled, or null */
    String failure() {
        return failure;
    }
}
