package org.nova.hw.sim;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.nova.config.ConfigStatus;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.osgi.annotation.bundle.Capability;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated host bridge per factory configuration {@value #PID}: creates the bridge,
 * plugs in the devices configured for it, and registers it as a {@link HostBridge} service with
 * {@value HostBridge#PROP_BACKEND}=sim, {@value HostBridge#PROP_BRIDGE}=name and
 * {@value HostBridge#PROP_DOMAIN}=domain. Deleting the configuration unregisters the service
 * first (consumers drop the functions), then closes the bridge. The service is registered by hand
 * (its properties depend on the configuration), so the osgi.service capability is declared here
 * for the resolver. Every configuration is answered ({@link ConfigStatus}): applied once the bridge
 * is registered, refused for a name another bridge has (EEXIST) or a domain that is not a number
 * or outside 0..65535 (EINVAL); a refused change has no bridge (a changed bridge is a new one).
 */
@Capability(namespace = "osgi.service", attribute = "objectClass:List<String>=\"org.nova.hw.HostBridge\"",
        uses = HostBridge.class)
@Component(configurationPid = SimBridgeComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE, service = {},
        property = ConfigStatus.DECLARATION)
@Designate(ocd = SimBridgeComponent.Config.class, factory = true)
public final class SimBridgeComponent {
    private static final Logger LOG = LoggerFactory.getLogger(SimBridgeComponent.class);

    /** Factory PID of bridge configurations. */
    public static final String PID = "org.nova.hw.sim.bridge";
    /** Property: bridge name. */
    static final String PROP_NAME = "name";
    /** Property: PCI domain. */
    static final String PROP_DOMAIN = "domain";
    /** Default bridge name. */
    static final String DEFAULT_NAME = "sim0";
    /** Default domain. */
    static final int DEFAULT_DOMAIN = 0;

    /** Metatype of {@value #PID}. */
    @ObjectClassDefinition(name = "Nova simulated PCI host bridge",
            description = "A simulated PCI host bridge, published as a HostBridge service (nova.backend=sim).")
    @interface Config {
        /** @return the bridge name */
        @AttributeDefinition(name = "Name", description = "Bridge name, unique among simulated bridges (service property nova.bridge).")
        String name() default DEFAULT_NAME;

        /** @return the PCI domain */
        @AttributeDefinition(name = "Domain", description = "PCI domain (segment) of the functions behind the bridge, 0..65535.",
                min = "0", max = "" + PciAddress.MAX_DOMAIN)
        int domain() default DEFAULT_DOMAIN;
    }

    private final SimPlatform platform;
    private final BundleContext context;
    private final String pid;
    private final ConfigStatus status;
    private SimulatedHostBridge bridge;
    private ServiceRegistration<HostBridge> registration;

    /**
     * @param platform   the platform registry
     * @param context    the bundle context, to register the bridge service
     * @param properties the configuration
     */
    @Activate
    public SimBridgeComponent(@Reference(name = "platform") SimPlatform platform, BundleContext context,
                              Map<String, Object> properties) {
        this.platform = platform;
        this.context = context;
        this.pid = ConfigProps.pid(properties);
        this.status = new ConfigStatus(context, pid);
        start(properties);
    }

    /** A changed configuration replaces the bridge when its name or domain changed. */
    @Modified
    void modified(Map<String, Object> properties) {
        if (bridge != null) {
            try {
                if (bridge.name().equals(ConfigProps.string(properties, PROP_NAME, DEFAULT_NAME))
                        && bridge.domain() == ConfigProps.integer(properties, PROP_DOMAIN, DEFAULT_DOMAIN)) {
                    status.applied(properties);
                    return;
                }
            } catch (HwException e) {
                // Fall through: start() reports the bad value.
            }
        }
        stop();
        start(properties);
    }

    /** Unregisters the service, then closes the bridge, and withdraws the answer. */
    @Deactivate
    void deactivate() {
        stop();
        status.close();
    }

    /** @return the answer to the configuration in force */
    ConfigStatus status() {
        return status;
    }

    /** @return the bridge, or null when the configuration is bad */
    SimulatedHostBridge bridge() {
        return bridge;
    }

    private void start(Map<String, Object> properties) {
        String name = ConfigProps.string(properties, PROP_NAME, DEFAULT_NAME);
        int domain;
        SimulatedHostBridge b;
        try {
            domain = ConfigProps.integer(properties, PROP_DOMAIN, DEFAULT_DOMAIN);
            b = new SimulatedHostBridge(name, domain);
        } catch (HwException e) {
            refuse(properties, PROP_DOMAIN, e);
            return;
        }
        try {
            platform.addBridge(b);
        } catch (HwException e) {
            b.close();
            refuse(properties, PROP_NAME, e);
            return;
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(HostBridge.PROP_BACKEND, SimulatedHostBridge.BACKEND);
        props.put(HostBridge.PROP_BRIDGE, name);
        props.put(HostBridge.PROP_DOMAIN, domain);
        registration = context.registerService(HostBridge.class, b, props);
        bridge = b;
        LOG.info("bridge configuration {}: simulated bridge {} (domain {}) registered with {} functions",
                pid, name, domain, b.functions().size());
        status.applied(properties);
    }

    /** Logs a refused configuration and answers it, naming the key the error concerns. */
    private void refuse(Map<String, Object> properties, String key, HwException e) {
        LOG.error("bridge configuration {}: {}: {}: {}", pid, e.errno(), key, e.reason());
        status.refused(properties, e.errno(), key + ": " + e.reason());
    }

    private void stop() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // Already unregistered (the bundle is stopping).
            }
            registration = null;
        }
        if (bridge != null) {
            platform.removeBridge(bridge);
            bridge.close();
            bridge = null;
        }
    }
}
