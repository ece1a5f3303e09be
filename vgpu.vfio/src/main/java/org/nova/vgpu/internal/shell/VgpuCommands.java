package org.nova.vgpu.internal.shell;

import java.util.List;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code vgpu} shell scope: {@code vgpu:types DEVICE} (the types the firmware offers, which
 * are creatable now), {@code vgpu:create VF TYPE}, {@code vgpu:list}, {@code vgpu:destroy VF}.
 */
@Component(service = VgpuCommands.class, property = {
        "osgi.command.scope=vgpu",
        "osgi.command.function=types",
        "osgi.command.function=create",
        "osgi.command.function=list",
        "osgi.command.function=destroy"})
public final class VgpuCommands {
    private final VgpuManager vgpus;

    @Activate
    public VgpuCommands(@Reference VgpuManager vgpus) {
        this.vgpus = vgpus;
    }

    /** vgpu:types DEVICE. */
    public String types(String device) {
        List<VgpuType> all = vgpus.types(device);
        List<VgpuType> creatable = vgpus.creatableTypes(device);
        StringBuilder sb = new StringBuilder(String.format("%-6s %-16s %-7s %8s %8s %8s %4s %8s %s%n", "ID", "NAME",
                "CLASS", "FB", "BAR1", "HEAP", "MAX", "CHANNELS", "CREATABLE"));
        for (VgpuType t : all) {
            sb.append(String.format("0x%-4x %-16s %-7s %5d MiB %5d MiB %5d MiB %4d %8d %s%n", t.id(), t.name(),
                    t.vgpuClass(), t.fbSize() >> 20, t.bar1Size() >> 20, t.gspHeapSize() >> 20, t.maxInstances(),
                    t.channels(), creatable.contains(t) ? "yes" : "no"));
        }
        return sb.toString().stripTrailing();
    }

    /** vgpu:create VF TYPE. */
    public String create(String vf, String type) {
        VfioDevice d = vgpus.create(vf, type);
        VgpuInfo i = d.info();
        return String.format("%s: vGPU %s created (gfid %d, FB 0x%x+%d MiB, plugin heap 0x%x+%d KiB, channels %d-%d)",
                i.vf(), i.type().name(), i.gfid(), i.fbOffset(), i.fbSize() >> 20, i.pluginHeapOffset(),
                i.pluginHeapSize() >> 10, i.chidOffset(), i.chidOffset() + i.channels() - 1);
    }

    /** vgpu:list. */
    public String list() {
        List<VgpuInfo> all = vgpus.list();
        if (all.isEmpty()) {
            return "no vGPUs";
        }
        StringBuilder sb = new StringBuilder(String.format("%-13s %-13s %4s %-16s %-22s %-18s %s%n", "VF", "GPU",
                "GFID", "TYPE", "FB", "PLUGIN HEAP", "CHANNELS"));
        for (VgpuInfo i : all) {
            sb.append(String.format("%-13s %-13s %4d %-16s %-22s %-18s %d-%d%n", i.vf(), i.pf(), i.gfid(),
                    i.type().name(), String.format("0x%x+%dMiB", i.fbOffset(), i.fbSize() >> 20),
                    String.format("0x%x+%dKiB", i.pluginHeapOffset(), i.pluginHeapSize() >> 10), i.chidOffset(),
                    i.chidOffset() + i.channels() - 1));
        }
        return sb.toString().stripTrailing();
    }

    /** vgpu:destroy VF. */
    public String destroy(String vf) {
        vgpus.destroy(vf);
        return vf + ": vGPU destroyed";
    }
}
