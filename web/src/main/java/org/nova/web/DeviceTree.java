package org.nova.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverInfo;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;

/**
 * What the page shows, as one snapshot: every bus with its devices and drivers (what
 * {@code drv:buses}, {@code drv:devices} and {@code drv:drivers} show), the live devres total, and
 * the GPU stack's own summaries — the GPUs nova.core drives, the DRM devices of nova-drm and the
 * vGPUs of vgpu.vfio — each read through that bundle's exported service. A service that is not
 * there gives an empty list. The snapshot is built of maps and lists for {@link Json}.
 */
final class DeviceTree {
    /** A device's state in the words of {@code drv:devices}. */
    static final String BOUND = "bound", DEFERRED = "deferred", UNBOUND = "unbound";

    private DeviceTree() {
    }

    /**
     * @param core the driver model
     * @param gpus nova.core's GPUs, or null when nova.core is not running
     * @param drm nova-drm's devices, or null
     * @param vgpus vgpu.vfio's manager, or null
     * @return the snapshot; {@code lastSeq} is the newest uevent's SEQNUM when it was taken (0 if
     *     none), where a uevent stream that follows it starts
     */
    static Map<String, Object> snapshot(DriverCore core, NovaGpus gpus, DrmDevices drm, VgpuManager vgpus) {
        List<DriverCore.UeventRecord> recent = core.recentUevents();
        long lastSeq = recent.isEmpty() ? 0 : recent.get(recent.size() - 1).seqnum();
        List<Object> buses = new ArrayList<>();
        for (Bus b : core.buses()) {
            buses.add(bus(b));
        }
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("lastSeq", lastSeq);
        tree.put("devresTotal", core.devres().liveTotal());
        tree.put("buses", buses);
        tree.put("gpus", gpus == null ? List.of() : gpus.gpus().stream().map(DeviceTree::gpu).toList());
        tree.put("drm", drm == null ? List.of() : drm.devices().stream().map(DeviceTree::drm).toList());
        tree.put("vgpus", vgpus == null ? List.of() : vgpus.list().stream().map(DeviceTree::vgpu).toList());
        return tree;
    }

    /** @return the device's state as {@code drv:devices} words it */
    static String state(Device d) {
        return d.isBound() ? BOUND : d.isProbeDeferred() ? DEFERRED : UNBOUND;
    }

    private static Map<String, Object> bus(Bus b) {
        List<Object> devices = new ArrayList<>();
        for (Device d : b.devices()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("driver", d.driver().orElse(null));
            m.put("state", state(d));
            m.put("parent", d.parent().map(Device::name).orElse(null));
            m.put("devres", d.devres().liveCount());
            m.put("override", d.driverOverride().orElse(null));
            m.put("devpath", d.devpath());
            devices.add(m);
        }
        List<Object> drivers = new ArrayList<>();
        for (DriverInfo d : b.drivers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("bundle", d.bundle());
            m.put("ranking", d.ranking());
            m.put("probe", d.probeType().name());
            m.put("devices", List.copyOf(d.devices()));
            drivers.add(m);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("autoprobe", b.autoprobe());
        m.put("devices", devices);
        m.put("drivers", drivers);
        return m;
    }

    private static Map<String, Object> gpu(GpuInfo g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", g.device());
        m.put("chipset", g.chipset());
        m.put("architecture", g.architecture());
        m.put("revision", g.revision());
        m.put("vbios", g.vbiosVersion());
        m.put("firmware", g.firmwareVersion());
        m.put("fbSize", g.fbSize());
        m.put("bar1Size", g.bar1Size());
        m.put("state", g.state().name());
        return m;
    }

    private static Map<String, Object> drm(DrmDevice d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("card", d.primaryName());
        m.put("render", d.renderName());
        m.put("driver", d.info().name());
        m.put("parent", d.parent());
        m.put("files", d.files().size());
        m.put("objects", d.objects().size());
        m.put("vramInUse", d.vramInUse());
        m.put("unplugged", d.isUnplugged());
        return m;
    }

    private static Map<String, Object> vgpu(VgpuInfo v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vf", v.vf());
        m.put("pf", v.pf());
        m.put("gfid", v.gfid());
        m.put("type", v.type().name());
        m.put("fbSize", v.fbSize());
        m.put("channels", v.channels());
        return m;
    }
}
