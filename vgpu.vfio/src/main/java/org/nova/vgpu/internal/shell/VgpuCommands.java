package org.nova.vgpu.internal.shell;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Table;
import org.nova.driver.shell.Usage;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code vgpu} shell scope: {@code vgpu:types GPU|VF} (the types the firmware offers, and
 * how many of each can be created now: sysfs available_instances), {@code vgpu:create VF TYPE},
 * {@code vgpu:list}, {@code vgpu:destroy VF}.
 * A type is named as typed best: its short name ("L40-1Q"), its full name quoted
 * ("NVIDIA L40-1Q") or with dashes for the blanks ("NVIDIA-L40-1Q"), or its id (0x3b1 or 945).
 * Errors are the manager's (ENODEV, EBUSY, ENOSPC); arguments no overload takes get EINVAL with
 * the usage line.
 */
@Component(service = VgpuCommands.class, property = {
        "osgi.command.scope=vgpu",
        "osgi.command.function=types",
        "osgi.command.function=create",
        "osgi.command.function=list",
        "osgi.command.function=destroy"})
public final class VgpuCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "vgpu";
    /** Parameter descriptor of a VF. */
    private static final String VF = "VF: a GPU's virtual function bound to vgpu.vfio (0000:00:06.1)";
    /** Bytes in a MiB, for the sizes the types table prints. */
    private static final int MIB_SHIFT = 20;
    /** Bytes in a KiB, for the plugin heap vgpu:create prints. */
    private static final int KIB_SHIFT = 10;

    private final VgpuManager vgpus;

    @Activate
    public VgpuCommands(@Reference VgpuManager vgpus) {
        this.vgpus = vgpus;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /** vgpu:types GPU|VF. */
    @Descriptor("list the vGPU types a GPU's firmware offers, with their resources and how many can be created now")
    public String types(@Descriptor("GPU|VF: the GPU (0000:00:06.0) or one of its VFs") String device) {
        Table t = new Table("ID", "NAME", "SHORT", "CLASS", "FB", "BAR1", "HEAP", "MAX", "CHANNELS", "AVAILABLE");
        for (VgpuType v : vgpus.types(device)) {
            t.row(String.format("%#x", v.id()), v.name(), v.shortName(), v.vgpuClass(), mib(v.fbSize()),
                    mib(v.bar1Size()), mib(v.gspHeapSize()), v.maxInstances(), v.channels(),
                    vgpus.availableInstances(device, v.id()));
        }
        return t.toString();
    }

    /** vgpu:create VF TYPE. */
    @Descriptor("create a vGPU of a type on a VF: carve its framebuffer and channels, boot it in the firmware")
    public String create(@Descriptor(VF) String vf, @Descriptor("TYPE: the vGPU type: short name (L40-1Q), full name"
            + " quoted (\"NVIDIA L40-1Q\") or dashed (NVIDIA-L40-1Q), or id (0x3b1)") String type) {
        VgpuType t = type(vgpus.types(vf), type).orElseThrow(() -> new DriverException(Errno.ENODEV, "no vGPU type '"
                + type + "' on " + vf + " (types: " + String.join(", ", vgpus.types(vf).stream()
                        .map(VgpuType::shortName).toList()) + ")"));
        VfioDevice d = vgpus.create(vf, t.name());
        VgpuInfo i = d.info();
        return String.format("%s: vGPU %s created (gfid %d, FB 0x%x+%d MiB, plugin heap 0x%x+%d KiB, channels %d-%d)",
                i.vf(), i.type().name(), i.gfid(), i.fbOffset(), i.fbSize() >> MIB_SHIFT, i.pluginHeapOffset(),
                i.pluginHeapSize() >> KIB_SHIFT, i.chidOffset(), i.chidOffset() + i.channels() - 1);
    }

    /** vgpu:list. */
    @Descriptor("list the vGPUs: VF, GPU, gfid, type, framebuffer, plugin heap and channels")
    public String list() {
        List<VgpuInfo> all = vgpus.list();
        if (all.isEmpty()) {
            return "no vGPUs";
        }
        Table t = new Table("VF", "GPU", "GFID", "TYPE", "FB", "PLUGIN HEAP", "CHANNELS");
        for (VgpuInfo i : all) {
            t.row(i.vf(), i.pf(), i.gfid(), i.type().name(), String.format("0x%x+%dMiB", i.fbOffset(), i.fbSize() >> MIB_SHIFT),
                    String.format("0x%x+%dKiB", i.pluginHeapOffset(), i.pluginHeapSize() >> KIB_SHIFT),
                    i.chidOffset() + "-" + (i.chidOffset() + i.channels() - 1));
        }
        return t.toString().stripTrailing();
    }

    /** vgpu:destroy VF. */
    @Descriptor("destroy the vGPU of a VF: shut it down in the firmware, free its memory and channels")
    public String destroy(@Descriptor(VF) String vf) {
        vgpus.destroy(vf);
        return vf + ": vGPU destroyed";
    }

    /**
     * @param types the types on offer
     * @param typed a short name, a full name (blanks as blanks or dashes), or an id (decimal or 0x hex)
     * @return the type meant, if any
     */
    static Optional<VgpuType> type(List<VgpuType> types, String typed) {
        String t = typed.strip();
        for (VgpuType v : types) {
            if (v.name().equalsIgnoreCase(t) || v.name().replace(' ', '-').equalsIgnoreCase(t)
                    || v.shortName().equalsIgnoreCase(t)) {
                return Optional.of(v);
            }
        }
        try {
            String lower = t.toLowerCase(Locale.ROOT);
            int id = lower.startsWith("0x") ? Integer.parseUnsignedInt(lower.substring(2), 16) : Integer.parseInt(lower);
            return types.stream().filter(v -> v.id() == id).findFirst();
        } catch (NumberFormatException notAnId) {
            return Optional.empty();
        }
    }

    private static String mib(long bytes) {
        return (bytes >> MIB_SHIFT) + " MiB";
    }
}
