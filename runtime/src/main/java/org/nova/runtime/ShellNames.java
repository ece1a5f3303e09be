package org.nova.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

import org.nova.bus.pci.PciBus;
import org.nova.driver.Bus;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverInfo;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.drm.DrmFile;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * What each metavariable of the commands' descriptors names, now: the completion candidates. The
 * metavariables are the commands' own words (see org.nova.driver.shell.Usage); one not listed
 * here (SECONDS, N, OFFSET, ...) has no candidates. The services behind the GPU, vGPU, DRM and
 * configuration names are optional: without them those names are simply none.
 */
@Component(service = ShellNames.class)
public final class ShellNames {
    /** A bus, as drv:buses lists it. */
    static final String BUS = "BUS";
    /** A device of the bus typed before, or of any bus. */
    static final String DEVICE = "DEVICE";
    /** A driver of the bus typed before, or of any bus. */
    static final String DRIVER = "DRIVER";
    /** A PCI function. */
    static final String PCI = "PCI";
    /** A GPU nova-core drives. */
    static final String GPU = "GPU";
    /** A PCI function with a PCI parent: an SR-IOV virtual function. */
    static final String VF = "VF";
    /** A vGPU type of the GPU or VF typed before, or of any GPU: its short name, which needs no quotes. */
    static final String TYPE = "TYPE";
    /** A DRM node (card0, renderD128). */
    static final String NODE = "NODE";
    /** An open DRM file (card0/3). */
    static final String FILE = "FILE";
    /** A bundle's symbolic name. */
    static final String BUNDLE = "BUNDLE";
    /** A configuration's PID. */
    static final String PID = "PID";

    /** The words typed before the one being completed, by the metavariable of their parameter. */
    static final class Context extends HashMap<String, String> {
        private static final long serialVersionUID = 1L;
    }

    private final BundleContext context;
    private final DriverCore core;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile NovaGpus gpus;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile VgpuManager vgpus;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile DrmDevices drm;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public ShellNames(BundleContext context, @Reference DriverCore core) {
        this.context = context;
        this.core = core;
    }

    /**
     * @param kind a metavariable
     * @param before the words typed before, by metavariable (a DEVICE after BUS comes from that bus)
     * @return the names of that kind, in no particular order; none for a kind without names
     */
    List<String> of(String kind, Context before) {
        List<String> out = new ArrayList<>();
        switch (kind) {
            case BUS -> core.buses().forEach(b -> out.add(b.name()));
            case DEVICE -> buses(before).forEach(b -> b.devices().forEach(d -> out.add(d.name())));
            case DRIVER -> buses(before).forEach(b -> b.drivers().stream().map(DriverInfo::name).forEach(out::add));
            case PCI -> core.bus(PciBus.NAME).ifPresent(b -> b.devices().forEach(d -> out.add(d.name())));
            case VF -> core.bus(PciBus.NAME).ifPresent(b -> b.devices().stream()
                    .filter(d -> d.parent().map(p -> p.bus() == b).orElse(false)).forEach(d -> out.add(d.name())));
            case GPU -> gpuNames().forEach(out::add);
            case TYPE -> types(before).forEach(t -> out.add(t.shortName()));
            case NODE -> drmDevices().forEach(d -> {
                out.add(d.primaryName());
                out.add(d.renderName());
            });
            case FILE -> drmDevices().forEach(d -> d.files().stream().map(DrmFile::name).forEach(out::add));
            case BUNDLE -> {
                for (Bundle b : context.getBundles()) {
                    out.add(b.getSymbolicName());
                }
            }
            case PID -> out.addAll(pids());
            default -> {
                // a number, a path, free text: nothing to offer
            }
        }
        return out;
    }

    private Collection<Bus> buses(Context before) {
        Optional<Bus> typed = Optional.ofNullable(before.get(BUS)).flatMap(core::bus);
        return typed.<Collection<Bus>>map(List::of).orElseGet(core::buses);
    }

    private List<String> gpuNames() {
        NovaGpus g = gpus;
        return g == null ? List.of() : g.gpus().stream().map(GpuInfo::device).toList();
    }

    private List<VgpuType> types(Context before) {
        VgpuManager m = vgpus;
        if (m == null) {
            return List.of();
        }
        String device = before.getOrDefault(VF, before.get(GPU));
        List<String> devices = device != null ? List.of(device) : gpuNames();
        List<VgpuType> out = new ArrayList<>();
        for (String d : devices) {
            try {
                out.addAll(m.types(d));
            } catch (RuntimeException notAVgpuGpu) {
                // ENODEV: no vGPU-capable GPU there; nothing to offer for it
            }
        }
        return out;
    }

    private List<DrmDevice> drmDevices() {
        DrmDevices d = drm;
        return d == null ? List.of() : d.devices();
    }

    private List<String> pids() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            return List.of();
        }
        try {
            Configuration[] all = ca.listConfigurations(null);
            List<String> out = new ArrayList<>();
            if (all != null) {
                for (Configuration c : all) {
                    out.add(c.getPid());
                }
            }
            return out;
        } catch (IOException | InvalidSyntaxException e) {
            return List.of();
        }
    }
}
