package org.nova.bench.osgi.driver;

import java.util.List;

import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.DevresScope;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The framework benchmarks' driver (a bundle the benchmark builds from this package): a PCI driver
 * published as a DS component, as a driver bundle does, claiming the ids of its bundle's
 * {@value #IDS_HEADER} header. Its probe acquires {@value #DEVRES_HEADER} device resources (devres
 * actions), which unbind releases newest first: the bookkeeping a real driver's BAR mappings,
 * vectors and buffers cost the core, without hardware behind them. The default probe type: the
 * core decides, as it does for a real driver.
 */
@Component(service = PciDriver.class)
public final class BenchDriver implements PciDriver<Integer> {
    /** The driver's name, which the benchmark's observer counts bindings of. */
    public static final String NAME = "nova-bench";
    /** Manifest header: the ids the driver claims, {@code vendor:device} in hex (as BenchBridge's). */
    public static final String IDS_HEADER = "Nova-Bench-Ids";
    /** Manifest header: the devres each probe acquires. */
    public static final String DEVRES_HEADER = "Nova-Bench-Devres";

    private final List<PciDeviceId> table;
    private final int devres;

    /**
     * Reads the ids and the devres count from the bundle's manifest.
     *
     * @param context the driver bundle's context
     */
    @Activate
    public BenchDriver(BundleContext context) {
        String[] ids = context.getBundle().getHeaders().get(IDS_HEADER).split(":");
        this.table = List.of(PciDeviceId.of(Integer.parseInt(ids[0], 16), Integer.parseInt(ids[1], 16)));
        this.devres = Integer.parseInt(context.getBundle().getHeaders().get(DEVRES_HEADER));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return table;
    }

    /** Acquires the devres; the driver data is their count. */
    @Override
    public Integer probe(PciDevice dev, PciDeviceId id) {
        DevresScope scope = dev.device().devres();
        for (int i = 0; i < devres; i++) {
            scope.addAction("bench:" + i, BenchDriver::release);
        }
        return devres;
    }

    /** A devres action's release: nothing to give back, the bookkeeping is what is measured. */
    private static void release() {
    }
}
