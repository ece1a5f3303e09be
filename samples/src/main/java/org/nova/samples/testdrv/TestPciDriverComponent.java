package org.nova.samples.testdrv;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDriver;
import org.nova.config.ConfigStatus;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
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
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One test PCI driver per factory configuration {@value #PID} (the kernel's insmod of a test
 * module with parameters). A configuration is checked whole ({@link TestPciDriverConfig}); a good
 * one registers a {@link TestPciDriver} as a {@link PciDriver} service, which the PCI bus's
 * whiteboard registers with the core (its matching devices probe); a changed one replaces the
 * driver (rmmod, insmod: its devices unbind, then probe again); a deleted one unregisters it.
 *
 * <p>Answers ({@link ConfigStatus}): applied once the driver is registered; refused with EINVAL
 * naming the key for a bad value, or EBUSY when another driver of the bus has the name
 * (driver_register's -EBUSY). A refused change leaves the previous driver registered.
 *
 * <p>No {@code @PciDriverAlias}: the name and id table exist only once a configuration gives
 * them, so there is nothing to write into the manifest at build time and the driver is never
 * loaded by alias (a kernel test module has no MODULE_DEVICE_TABLE either).
 */
@Component(configurationPid = TestPciDriverComponent.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, property = ConfigStatus.DECLARATION)
@Designate(ocd = TestPciDriverComponent.Config.class, factory = true)
public final class TestPciDriverComponent {
    private static final Logger LOG = LoggerFactory.getLogger(TestPciDriverComponent.class);

    /** Factory PID of test driver configurations. */
    public static final String PID = "org.nova.samples.testdrv.pci";

    /**
     * Metatype of {@value #PID}. A method's "__" is the attribute id's "_" (a single "_" would be
     * a "."), so the ids are the keys of {@link TestPciDriverConfig}.
     */
    @ObjectClassDefinition(name = "Nova test PCI driver",
            description = "A PCI driver whose name, id table and probe behaviour are configured, as a kernel test module.")
    @interface Config {
        /** @return the driver's name */
        @AttributeDefinition(name = "Name", description = "The driver's name on the PCI bus.")
        String name();

        /** @return the id entries */
        @AttributeDefinition(name = "Ids", cardinality = TestPciDriverConfig.MAX_IDS,
                description = "Id entries, as new_id takes them: vendor device [subvendor subdevice [class class_mask"
                        + " [driver_data]]] in hex, * for any, optionally followed by override_only.")
        String[] ids();

        /** @return the probe's outcome */
        @AttributeDefinition(name = "Probe", description = "What the probe does.", options = {
            @Option(label = "bind", value = "ok"),
            @Option(label = "fail with errno at acquisition fail_step", value = "fail"),
            @Option(label = "return -EPROBE_DEFER", value = "defer"),
            @Option(label = "return -ENODEV", value = "enodev")})
        String probe() default "ok";

        /** @return the devres acquisitions */
        @AttributeDefinition(name = "Devres", min = "0", max = "64",
                description = "How many devres actions the probe acquires.")
        int devres() default TestPciDriverConfig.DEFAULT_DEVRES;

        /** @return the failing acquisition */
        @AttributeDefinition(name = "Fail step", min = "1", max = "64",
                description = "probe=fail: the acquisition that fails (the ones before it are released).")
        int fail__step() default 1;

        /** @return the errno */
        @AttributeDefinition(name = "Errno", description = "probe=fail: the errno name, e.g. EIO, ENOMEM.")
        String errno() default "EIO";

        /** @return the delay */
        @AttributeDefinition(name = "Delay ms", min = "0", max = "60000",
                description = "A slow probe: milliseconds it sleeps first.")
        int delay__ms() default 0;

        /** @return the probe type */
        @AttributeDefinition(name = "Probe type", description = "The probe type the driver asks for.", options = {
            @Option(label = "synchronous (the core's default)", value = TestPciDriverConfig.SYNC),
            @Option(label = "PROBE_PREFER_ASYNCHRONOUS", value = TestPciDriverConfig.ASYNC)})
        String probe__type() default TestPciDriverConfig.SYNC;
    }

    private final BundleContext context;
    private final DriverCore core;
    private final ConfigStatus status;
    /** The registered driver service, or null; written by DS's calls only (activate, modified, deactivate). */
    private ServiceRegistration<?> registration;
    private TestPciDriver driver;

    /**
     * @param core the driver core, to see whether the name is taken
     * @param context the bundle context, to register the driver and publish the answer
     * @param properties the configuration
     */
    @Activate
    public TestPciDriverComponent(@Reference(name = "core") DriverCore core, BundleContext context,
            Map<String, Object> properties) {
        this.context = context;
        this.core = core;
        this.status = new ConfigStatus(context, ConfigStatus.pidOf(properties, PID));
        apply(properties);
    }

    /** A changed configuration replaces the driver once it has been checked. */
    @Modified
    synchronized void modified(Map<String, Object> properties) {
        apply(properties);
    }

    /** Unregisters the driver (its devices unbind) and withdraws the answer. */
    @Deactivate
    synchronized void deactivate() {
        unregister();
        status.close();
    }

    /** @return the driver registered now, or null */
    synchronized TestPciDriver driver() {
        return driver;
    }

    private synchronized void apply(Map<String, Object> properties) {
        TestPciDriverConfig config;
        try {
            config = TestPciDriverConfig.parse(properties);
            String previous = driver == null ? null : driver.name();
            if (!config.name().equals(previous)
                    && core.bus(PciBus.NAME).flatMap(b -> b.driver(config.name())).isPresent()) {
                throw new DriverException(Errno.EBUSY, TestPciDriverConfig.KEY_NAME + ": '" + config.name()
                        + "' is the name of a driver the PCI bus has already");
            }
        } catch (DriverException e) {
            LOG.warn("testdrv {}: configuration refused: {}", status.pid(), e.getMessage());
            status.refused(properties, e.errno().name(), e.getMessage());
            return;
        }
        unregister();
        driver = new TestPciDriver(config);
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(ConfigStatus.PID, status.pid());
        registration = context.registerService(PciDriver.class, driver, props);
        LOG.info("testdrv {}: driver {} registered with {} id(s), probe {}", status.pid(), config.name(),
                config.ids().size(), config.probe());
        status.applied(properties);
    }

    private void unregister() {
        if (registration != null) {
            try {
                registration.unregister();
            } catch (IllegalStateException e) {
                // the bundle is stopping: the framework unregistered it
            }
            registration = null;
            driver = null;
        }
    }
}
