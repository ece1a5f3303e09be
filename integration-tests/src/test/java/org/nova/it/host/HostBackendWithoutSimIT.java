package org.nova.it.host;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciDriver;
import org.nova.hw.HostBridge;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The Linux backends without the simulator: a framework with the driver model, the buses, hw.api,
 * hw.vfio and the sample drivers, and no hw.sim. Every bundle resolves and starts, the host backend
 * (switched on by its framework property) publishes this machine's functions and the PCI bus lists
 * them, the VFIO backend's component runs (disabled: the machine has no function bound to
 * vfio-pci), and the samples' drivers are registered, binding nothing the host has.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HostBackendWithoutSimIT {
    /** hw.vfio's HostBackend.PROP_ENABLED (its package is private to hw.vfio). */
    private static final String HOST_ENABLED = "nova.host.enabled";
    /** The simulator's bundle, which this framework must not have. */
    private static final String SIMULATOR = "hw.sim";
    /** The bundles of this framework (artifactIds = symbolic names). */
    private static final List<String> BUNDLES = List.of("devres", "config.answer", "driver.core", "hw.api", "hw.vfio", "bus.pci",
            "bus.auxiliary", "samples");
    /** The sample drivers' names (samples' PciTestdevSample.NAME, EduSample.NAME, AuxParentSample's, E1000eSample.NAME). */
    private static final Set<String> SAMPLE_DRIVERS = Set.of("rust_driver_pci", "edu_sample", "rust_driver_auxiliary",
            "e1000e_msix_sample");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Inject
    private BundleContext context;

    @Inject
    private PciBus pci;

    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        return new Option[] {NovaOptions.platform(), NovaOptions.nova(BUNDLES.toArray(String[]::new)),
            frameworkProperty(HOST_ENABLED).value("true")};
    }

    @Test
    public void everyBundleStartsAndNoneIsTheSimulator() {
        Set<String> active = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            assertFalse("the simulator is installed", SIMULATOR.equals(b.getSymbolicName()));
            if (b.getState() == Bundle.ACTIVE) {
                active.add(b.getSymbolicName());
            }
        }
        assertTrue("active: " + active, active.containsAll(BUNDLES));
    }

    @Test
    public void thePciBusListsTheHostsFunctionsThroughTheHostBackend() throws Exception {
        Set<String> sysfs = sysfsFunctions();
        assertFalse("this machine's sysfs lists no PCI function: nothing to compare", sysfs.isEmpty());
        Await.until("the PCI bus lists " + sysfs, TIMEOUT, () -> names().equals(sysfs), () -> names().toString());
        for (ServiceReference<HostBridge> ref : context.getServiceReferences(HostBridge.class, null)) {
            assertEquals("every bridge is the host backend's: " + ref, "host", ref.getProperty(HostBridge.PROP_BACKEND));
        }
        String lspci = Gogo.run(processor, "lspci -n");
        assertEquals(lspci, sysfs.size(), lspci.lines().filter(l -> NovaProcess.LSPCI_LINE.matcher(l).matches()).count());
    }

    @Test
    public void theVfioBackendRunsDisabledAndTheSamplesBindNothing() throws Exception {
        String status = Gogo.run(processor, "vfio:status");
        assertTrue(status, status.contains("backend vfio0: disabled"));
        assertTrue(status, status.contains("open: bridges=0 containers=0 groups=0 devices=0"));
        Set<String> drivers = new TreeSet<>();
        for (ServiceReference<?> ref : context.getServiceReferences(PciDriver.class.getName(), null)) {
            PciDriver<?> d = (PciDriver<?>) context.getService(ref);
            try {
                drivers.add(d.name());
            } finally {
                context.ungetService(ref);
            }
        }
        assertTrue("registered: " + drivers, drivers.containsAll(SAMPLE_DRIVERS));
        for (PciDeviceInfo d : pci.devices()) {
            assertTrue(d + " is bound to a sample driver through a read-only backend",
                    d.driver().stream().noneMatch(SAMPLE_DRIVERS::contains));
        }
    }

    private Set<String> names() {
        return pci.devices().stream().map(PciDeviceInfo::name).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> sysfsFunctions() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/sys/bus/pci/devices"))) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
