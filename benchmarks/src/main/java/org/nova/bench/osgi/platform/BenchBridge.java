package org.nova.bench.osgi.platform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.nova.hw.HostBridge;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * The framework benchmarks' platform (a bundle the benchmark builds from this package): one host
 * bridge service whose functions are nothing but a type-0 header with the benchmark's ids, as many
 * as the bundle's {@value #FUNCTIONS_HEADER} header says, with the ids its {@value #IDS_HEADER}
 * header gives (vendor:device in hex, what the benchmark's driver matches). It stands in for hw.sim, whose GPUs and
 * QEMU devices would put firmware and DMA set-up into a figure about the driver core.
 */
@Component(service = HostBridge.class, immediate = true)
public final class BenchBridge implements HostBridge {
    /** Manifest header of the platform bundle: how many functions the bridge has. */
    public static final String FUNCTIONS_HEADER = "Nova-Bench-Functions";
    /** Manifest header of the platform and driver bundles: the functions' ids, {@code vendor:device} in hex. */
    public static final String IDS_HEADER = "Nova-Bench-Ids";
    /** The bridge's name, which the PCI bus shows. */
    static final String NAME = "bench0";

    private final List<PciFunction> functions;
    private final Map<PciAddress, PciFunction> byAddress;

    /**
     * Creates the functions the bundle's header asks for.
     *
     * @param context the platform bundle's context, whose manifest says how many functions
     */
    @Activate
    public BenchBridge(BundleContext context) {
        int n = Integer.parseInt(context.getBundle().getHeaders().get(FUNCTIONS_HEADER));
        String[] ids = context.getBundle().getHeaders().get(IDS_HEADER).split(":");
        int vendor = Integer.parseInt(ids[0], 16);
        int device = Integer.parseInt(ids[1], 16);
        List<PciFunction> list = new ArrayList<>(n);
        for (int f = 0; f < n; f++) {
            list.add(new HeaderOnlyFunction(this, PciAddress.ofRoutingId(0, f), vendor, device));
        }
        this.functions = List.copyOf(list);
        Map<PciAddress, PciFunction> map = new HashMap<>();
        for (PciFunction f : functions) {
            map.put(f.address(), f);
        }
        this.byAddress = Map.copyOf(map);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String backend() {
        return "bench";
    }

    @Override
    public int domain() {
        return 0;
    }

    @Override
    public List<PciFunction> functions() {
        return functions;
    }

    @Override
    public Optional<PciFunction> function(PciAddress address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    @Override
    public void addListener(HostBridgeListener listener) {
        // the functions never change: no hotplug to report
    }

    @Override
    public void removeListener(HostBridgeListener listener) {
        // nothing was registered
    }
}
