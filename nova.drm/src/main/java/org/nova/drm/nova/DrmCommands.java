package org.nova.drm.nova;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Table;
import org.nova.driver.shell.Usage;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.gpu.vm.VmAperture;
import org.nova.gpu.vm.VmWalk;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vram.NovaDrmData;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code drm} shell scope: {@code drm:list} (one line per DRM device) and
 * {@code drm:gem [FILE|NODE]} (GEM objects with their handles and sizes) and {@code drm:vm FILE}
 * (a file's GPU VA space: mappings and sparse regions), {@code drm:jobs [FILE]} (each file's
 * channels: job queue counts, credits, failure, recent fences) and
 * {@code drm:migrate FILE HANDLE vram|sysmem} (moves an object between VRAM and GPU system memory).
 * A node is named as
 * user space names it: "card0", "/dev/dri/card0", "renderD128", its minor, or the parent device.
 * Errors: ENODEV for no such node, ENOENT for no such open file; arguments no overload takes get
 * EINVAL with the usage line.
 */
@Component(service = DrmCommands.class, property = {
        "osgi.command.scope=drm",
        "osgi.command.function=list",
        "osgi.command.function=gem",
        "osgi.command.function=vm",
        "osgi.command.function=jobs",
        "osgi.command.function=migrate"})
public final class DrmCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "drm";
    /** Where user space finds the nodes (drm_sysfs.c: the "dri/" devnode). */
    static final String DEV_DRI = "/dev/dri/";

    private final NovaDrmDriver nova;

    @Activate
    public DrmCommands(@Reference NovaDrmDriver nova) {
        this.nova = nova;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /** drm:list — minor, name, parent, VRAM (used / total), open files. */
    @Descriptor("list the DRM devices: minors, driver, parent, GPU, VRAM in use and open files")
    public String list() {
        Table t = new Table("MINOR", "RENDER", "NAME", "PARENT", "GPU", "VRAM(used/total)", "FILES");
        for (DrmDevice d : nova.devices()) {
            t.row(d.primaryMinor(), d.renderName(), d.info().name(), d.parent(),
                    nova.dataOf(d).map(NovaDrmData::gpu).orElse("-"),
                    String.format("%dK/%dM", d.vramInUse() >> 10, d.vram().total() >> 20), d.files().size());
        }
        return t.toString();
    }

    /** drm:gem — every device's objects. */
    @Descriptor("list GEM objects: every node's, one node's, or one open file's handles")
    public String gem() {
        StringBuilder sb = new StringBuilder();
        for (DrmDevice d : nova.devices()) {
            sb.append(deviceObjects(d));
        }
        return sb.toString();
    }

    /**
     * drm:gem FILE|NODE — FILE is "card0/3" or "renderD128/4" (as drm:gem lists them): its handles;
     * NODE is "card0", "/dev/dri/card0", "renderD128", a minor or the parent's name: all its
     * objects and handles.
     */
    @Descriptor("list GEM objects: every node's, one node's, or one open file's handles")
    public String gem(@Descriptor("FILE|NODE: an open file (card0/3, as drm:gem lists them) or a node"
            + " (card0, /dev/dri/card0, renderD128, a minor, or the parent device)") String what) {
        String name = what.startsWith(DEV_DRI) ? what.substring(DEV_DRI.length()) : what;
        int slash = name.indexOf('/');
        if (slash < 0) {
            return deviceObjects(node(name, what));
        }
        DrmDevice d = node(name.substring(0, slash), what);
        for (DrmFile f : d.files()) {
            if (f.name().equals(name)) {
                Table t = new Table("HANDLE", "OBJ", "SIZE", "MMAP-OFFSET");
                f.objects().forEach((h, o) -> t.row(h, o.id(), hex(o.size()), hex(o.mmapOffset())));
                return f.name() + ":\n" + t;
            }
        }
        throw new DrmException(DrmErrno.ENOENT, "no open file " + what);
    }

    /**
     * drm:vm FILE — the file's VA space: the kernel-managed range, each mapping (VA range, object,
     * bo offset, the VRAM address its first page translates to by the page tables) and each sparse
     * region.
     *
     * @throws DrmException ENOENT for no such open file or a file without VA space (no VM_INIT)
     */
    @Descriptor("list an open file's GPU VA space: mappings (VA, size, object, offset, VRAM) and sparse regions")
    public String vm(@Descriptor("FILE: an open file (card0/3, as drm:gem lists them)") String what) {
        DrmFile f = file(what);
        NovaFile data = f.device().driver() instanceof NovaDriver nd ? nd.fileData(f) : null;
        NovaVm v = data == null ? null : data.vm();
        if (v == null) {
            throw new DrmException(DrmErrno.ENOENT, f.name() + " has no VA space (no VM_INIT)");
        }
        Table t = new Table("VA", "END", "SIZE", "KIND", "OBJ", "BO-OFFSET", "PA");
        for (NovaVm.Va m : v.mappings()) {
            VmWalk w = v.space().isClosed() ? null : v.space().walk(m.va());
            t.row(hex(m.va()), hex(m.end()), hex(m.range()), "map", m.obj().id(), hex(m.boOffset()),
                    w == null || !w.mapped() ? "unmapped!"
                            : (w.aperture() == VmAperture.VIDEO_MEMORY ? "" : "sysmem:") + hex(w.pa()));
        }
        for (long[] r : v.regions()) {
            t.row(hex(r[0]), hex(r[0] + r[1]), hex(r[1]), "sparse", "-", "-", "-");
        }
        return String.format("%s: VA space [0, %s), kernel-managed [%s, +%s), %d tables%n%s", f.name(),
                hex(NovaDrm.NOVA_VA_SPACE_END), hex(v.kernelManagedAddr()), hex(v.kernelManagedSize()),
                v.space().isClosed() ? 0 : v.space().tables(), t);
    }

    /** drm:jobs — every open file's channels and job queues. */
    @Descriptor("list the open files' channels: job queues (pending, in flight, credits, failure) and recent fences")
    public String jobs() {
        StringBuilder sb = new StringBuilder();
        for (DrmDevice d : nova.devices()) {
            for (DrmFile f : d.files()) {
                sb.append(fileJobs(f));
            }
        }
        return sb.isEmpty() ? "no open file has a channel\n" : sb.toString();
    }

    /**
     * drm:jobs FILE — the file's channels: per job queue its pending and in-flight jobs, free
     * credits of the ring, last completed sequence number, failed state and reason, and the done
     * fences of its last jobs (context:seqno, state, error).
     *
     * @throws DrmException ENOENT for no such open file
     */
    @Descriptor("list the open files' channels: job queues (pending, in flight, credits, failure) and recent fences")
    public String jobs(@Descriptor("FILE: an open file (card0/3, as drm:gem lists them)") String what) {
        String s = fileJobs(file(what));
        return s.isEmpty() ? file(what).name() + " has no channel\n" : s;
    }

    /** @return the drm:jobs lines of one file, empty when it has no channel */
    static String fileJobs(DrmFile f) {
        NovaFile data = f.device().driver() instanceof NovaDriver nd ? nd.fileData(f) : null;
        if (data == null || data.channels().isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(f.name()).append(":\n");
        Table t = new Table("CHANNEL", "QUEUE", "PENDING", "IN-FLIGHT", "CREDITS(free/all)", "COMPLETED", "STATE");
        Table fences = new Table("CHANNEL", "FENCE", "STATE");
        for (NovaChannel c : data.channels()) {
            org.nova.drm.jobqueue.QueueStatus st = c.queue().status();
            t.row(c.id(), st.name(), st.pending(), st.inFlight(), st.creditsFree() + "/" + st.capacity(),
                    st.completedSeqno(), st.closed() ? "closed" : st.failed() ? "FAILED: " + st.reason() : "running");
            for (org.nova.dma.fence.DmaFence fe : st.recent()) {
                fences.row(c.id(), fe.id(), fe.state());
            }
        }
        return sb.append(t).append("recent fences:\n").append(fences).toString();
    }

    /**
     * drm:migrate FILE HANDLE vram|sysmem — moves the object behind the file's handle (TTM's
     * validate with one placement): its bytes are copied, every GPU VA of it remapped.
     *
     * @throws DrmException ENOENT for no such file or handle; EINVAL for another target; EBUSY for a
     *     pinned (mmapped or exported) object; ENOMEM when the target has no room
     */
    @Descriptor("move a GEM object between VRAM and GPU system memory (its GPU VAs follow)")
    public String migrate(@Descriptor("FILE: an open file (card0/3, as drm:gem lists them)") String what,
            @Descriptor("HANDLE: the file's GEM handle") int handle,
            @Descriptor("TO: vram or sysmem") String to) {
        GemObject.Placement target = switch (to) {
            case "vram" -> GemObject.Placement.VRAM;
            case "sysmem" -> GemObject.Placement.SYSMEM;
            default -> throw new DrmException(DrmErrno.EINVAL, "migrate to " + to + ": vram or sysmem");
        };
        DrmFile f = file(what);
        GemObject o = f.device().lookup(f, handle);
        long engineMoves = f.device().acceleratedMoves();
        long moves = o.moves();
        f.device().gemMigrate(o, target);
        String by = o.moves() == moves ? "" : f.device().acceleratedMoves() > engineMoves ? " (copied by the copy engine)"
                : " (copied by the CPU)";
        return String.format("%s handle %d (%s): %s%s%n", f.name(), handle, o, place(o), by);
    }

    /** @return the open file "card0/3" (or "/dev/dri/card0/3") names */
    private DrmFile file(String what) {
        String name = what.startsWith(DEV_DRI) ? what.substring(DEV_DRI.length()) : what;
        int slash = name.indexOf('/');
        if (slash < 0) {
            throw new DrmException(DrmErrno.ENOENT, "no open file " + what + " (name one as card0/3)");
        }
        DrmDevice d = node(name.substring(0, slash), what);
        for (DrmFile f : d.files()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new DrmException(DrmErrno.ENOENT, "no open file " + what);
    }

    /** @return the device a node name means; {@code asTyped} names it in the error */
    private DrmDevice node(String name, String asTyped) {
        for (DrmDevice d : nova.devices()) {
            if (d.primaryName().equals(name) || d.renderName().equals(name) || d.parent().equals(name)
                    || name.equals(Integer.toString(d.primaryMinor())) || name.equals(Integer.toString(d.renderMinor()))) {
                return d;
            }
        }
        throw new DrmException(DrmErrno.ENODEV, "no DRM device " + asTyped);
    }

    private static String deviceObjects(DrmDevice d) {
        Table t = new Table("OBJ", "SIZE", "PLACE", "MMAP-OFFSET", "HANDLES");
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
            t.row(o.id(), hex(o.size()), place(o) + (o.isPinned() ? ",pinned" : ""), hex(o.mmapOffset()),
                    handles.isEmpty() ? "(dma-buf only)" : handles);
        }
        return d.primaryName() + " (" + d.parent() + "):\n" + t;
    }

    /** @return "vram:0x..." (VRAM offset) or "sysmem:0x..." (DMA address) */
    private static String place(GemObject o) {
        SysmemBuffer sys = o.sysmemBuffer();
        return sys != null ? "sysmem:" + hex(sys.dmaAddress()) : "vram:" + hex(o.vramOffset());
    }

    private static String hex(long v) {
        return String.format("%#x", v);
    }
}
