package org.nova.drm.nova;

import java.util.List;

import org.nova.drm.DrmDevice;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.gpu.vram.NovaDrmData;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code drm} shell scope: {@code drm:list} (one line per DRM device) and
 * {@code drm:gem [FILE|DEVICE]} (GEM objects with their handles and sizes).
 */
@Component(service = DrmCommands.class, property = {
        "osgi.command.scope=drm",
        "osgi.command.function=list",
        "osgi.command.function=gem"})
public final class DrmCommands {
    private final NovaDrmDriver nova;

    @Activate
    public DrmCommands(@Reference NovaDrmDriver nova) {
        this.nova = nova;
    }

    /** drm:list — minor, name, parent, VRAM (used / total), open files. */
    public String list() {
        StringBuilder sb = new StringBuilder(String.format("%-6s %-10s %-6s %-24s %-14s %-26s %s%n",
                "MINOR", "RENDER", "NAME", "PARENT", "GPU", "VRAM(used/total)", "FILES"));
        for (DrmDevice d : nova.devices()) {
            String gpu = nova.dataOf(d).map(NovaDrmData::gpu).orElse("-");
            sb.append(String.format("%-6d %-10s %-6s %-24s %-14s %-26s %d%n", d.primaryMinor(), d.renderName(),
                    d.info().name(), d.parent(), gpu,
                    String.format("%dK/%dM", d.vramInUse() >> 10, d.vram().total() >> 20), d.files().size()));
        }
        return sb.toString();
    }

    /** drm:gem — every device's objects. */
    public String gem() {
        StringBuilder sb = new StringBuilder();
        for (DrmDevice d : nova.devices()) {
            sb.append(deviceObjects(d));
        }
        return sb.toString();
    }

    /**
     * drm:gem FILE|DEVICE — FILE is "card0/3" or "renderD128/4" (as drm:gem lists them): its handles;
     * DEVICE is a minor, "card0", "renderD128" or the parent's name: all its objects and handles.
     */
    public String gem(String what) {
        int slash = what.indexOf('/');
        if (slash >= 0) {
            DrmDevice d = device(what.substring(0, slash));
            for (DrmFile f : d.files()) {
                if (f.name().equals(what)) {
                    StringBuilder sb = new StringBuilder(String.format("%s:%n%-8s %-6s %-12s %-14s%n", f.name(), "HANDLE",
                            "OBJ", "SIZE", "MMAP-OFFSET"));
                    f.objects().forEach((h, o) -> sb.append(String.format("%-8d %-6d %#-12x %#-14x%n", h, o.id(), o.size(),
                            o.mmapOffset())));
                    return sb.toString();
                }
            }
            throw new DrmException(DrmErrno.ENOENT, "no open file " + what);
        }
        return deviceObjects(device(what));
    }

    private DrmDevice device(String name) {
        List<DrmDevice> ds = nova.devices();
        for (DrmDevice d : ds) {
            if (d.primaryName().equals(name) || d.renderName().equals(name) || d.parent().equals(name)
                    || name.equals(Integer.toString(d.primaryMinor())) || name.equals(Integer.toString(d.renderMinor()))) {
                return d;
            }
        }
        throw new DrmException(DrmErrno.ENODEV, "no DRM device " + name);
    }

    private static String deviceObjects(DrmDevice d) {
        StringBuilder sb = new StringBuilder(String.format("%s (%s):%n%-6s %-12s %-12s %-14s %s%n", d.primaryName(),
                d.parent(), "OBJ", "SIZE", "VRAM", "MMAP-OFFSET", "HANDLES"));
        List<DrmFile> files = d.files();
        for (GemObject o : d.objects()) {
            StringBuilder handles = new StringBuilder();
            for (DrmFile f : files) {
                f.objects().forEach((h, obj) -> {
                    if (obj == o) {
                        handles.append(handles.isEmpty() ? "" : " ").append(f.name()).append(':').append(h);
                    }
                });
            }
            sb.append(String.format("%-6d %#-12x %#-12x %#-14x %s%n", o.id(), o.size(), o.vramOffset(), o.mmapOffset(),
                    handles.isEmpty() ? "(dma-buf only)" : handles));
        }
        return sb.toString();
    }
}
