package org.nova.hw.host;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.nova.config.ConfigStatus;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
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
 * The third backend: this machine's own PCI functions, read-only. While enabled (configuration
 * PID {@value #PID}, property {@code enabled}; without a configuration the framework property
 * {@value #PROP_ENABLED}) it publishes one {@link HostBridge} per PCI domain with
 * {@code nova.backend=host}, so {@code lspci} lists the real machine. Config space reads come
 * from /sys/bus/pci/devices/ADDR/config (a whole block in one read), region sizes from its resource
 * file, and what lspci shows of the kernel's view (IRQ, resources, kernel driver, IOMMU group,
 * slot, modalias) from the attributes pciutils reads ({@link org.nova.hw.SysfsPciDevice}); every write,
 * mapping, interrupt, DMA buffer and reset is refused with EROFS naming the function, so a
 * driver's probe fails at its first enable and nothing is left behind.
 *
 * <p>Every configuration (and the start without one) is answered ({@link ConfigStatus}): applied,
 * or refused with the errno of the failure when the host's functions cannot be listed (no bridge
 * is registered then).
 */
@Component(service = HostBackend.class, configurationPid = HostBackend.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, property = ConfigStatus.DECLARATION)
@Designate(ocd = HostConfig.class)
public final class HostBackend {
    private static final Logger LOG = LoggerFactory.getLogger(HostBackend.class);
    /** The configuration PID. */
    public static final String PID = "org.nova.hw.host";
    /** The backend name, the value of {@link HostBridge#PROP_BACKEND}. */
    public static final String BACKEND = "host";
    /** Framework property read when no configuration exists: "true" enables the backend. */
    public static final String PROP_ENABLED = "nova.host.enabled";

    private final boolean enabled;
    private final String source;
    private final List<HostPciBridge> bridges = new ArrayList<>();
    private final List<ServiceRegistration<HostBridge>> registrations = new ArrayList<>();
    private final ConfigStatus status;
    private volatile String failure;

    @Activate
    public HostBackend(BundleContext context, HostConfig config, Map<String, Object> properties) {
        this(context, config, properties, HostSysfs.system());
    }

    HostBackend(BundleContext context, HostConfig config, Map<String, Object> properties, HostSysfs sysfs) {
        boolean fromConfig = properties.containsKey("service.pid");
        this.source = fromConfig ? "configuration " + properties.get("service.pid")
                : "framework properties (no configuration " + PID + ")";
        this.enabled = fromConfig ? config.enabled() : Boolean.parseBoolean(context.getProperty(PROP_ENABLED));
        this.status = new ConfigStatus(context, ConfigStatus.pidOf(properties, PID));
        if (!enabled) {
            LOG.debug("host backend disabled ({})", source);
            status.applied(properties);
            return;
        }
        try {
            bridges.addAll(HostPciBridge.scan(sysfs));
        } catch (HwException e) {
            failure = e.getMessage();
            LOG.error("host backend: cannot list the host's PCI functions: {}", failure);
            status.refused(properties, e.errno(), "enabled: cannot list the host's PCI functions: " + e.reason());
            return;
        }
        if (bridges.isEmpty()) {
            LOG.warn("host backend: {} lists no PCI function", sysfs.root().resolve("bus/pci/devices"));
        }
        for (HostPciBridge b : bridges) {
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(HostBridge.PROP_BACKEND, BACKEND);
            props.put(HostBridge.PROP_BRIDGE, b.name());
            props.put(HostBridge.PROP_DOMAIN, b.domain());
            registrations.add(context.registerService(HostBridge.class, b, props));
            LOG.info("host backend: bridge {} registered with {} function(s), read-only ({})", b.name(),
                    b.functions().size(), source);
        }
        status.applied(properties);
    }

    /** Unregisters every bridge (consumers remove the devices), then marks the functions gone; withdraws the answer. */
    @Deactivate
    void deactivate() {
        for (ServiceRegistration<HostBridge> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already unregistered (bundle stopping)
            }
        }
        registrations.clear();
        for (HostPciBridge b : bridges) {
            b.close();
        }
        bridges.clear();
        status.close();
    }

    boolean enabled() {
        return enabled;
    }

    String source() {
        return source;
    }

    String failure() {
        return failure;
    }

    /** @return the answer to the configuration in force */
    ConfigStatus status() {
        return status;
    }

    List<HostPciBridge> bridges() {
        return List.copyOf(bridges);
    }
}
