package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.nova.dma.fence.DmaFence;

/**
 * An open DRM file ({@code struct drm_file}): the Java client API. Obtained from
 * {@link DrmDevice#open}; owns its GEM handle namespace; {@link #close} releases its handles
 * (objects no other file or dma-buf references are freed and their VRAM returned). Thread-safe.
 *
 * <p>Ioctls take the upstream structures, little-endian, in a {@link MemorySegment} or a
 * {@link ByteBuffer} (from its position), and return 0 or {@code -errno} like the syscall's
 * {@code -1}/errno pair; {@link #ioctlOrThrow} throws instead. See {@link DrmDevice} for the
 * dispatch rules.
 */
public final class DrmFile implements AutoCloseable {
    /** The node a file was opened on. */
    public enum Node {
        /** {@code /dev/dri/cardN}: authentication applies. */
        PRIMARY,
        /** {@code /dev/dri/renderD(128+N)}: only DRM_RENDER_ALLOW ioctls. */
        RENDER
    }

    private final DrmDevice device;
    private final int id;
    private final Node node;
    final TreeMap<Integer, GemObject> handles = new TreeMap<>();
    final Map<GemObject, Integer> byObject = new HashMap<>();
    private final TreeSet<Integer> freeHandles = new TreeSet<>();
    /** The sync objects by handle (drm_file.syncobj_idr), guarded by the device's lock. */
    final TreeMap<Integer, Syncobj> syncobjs = new TreeMap<>();
    private int nextHandle = 1;
    volatile boolean authenticated;
    volatile boolean closed;
    /** The caller's memory during {@link #ioctl(int, MemorySegment, MemorySegment...)}. */
    private static final ScopedValue<List<MemorySegment>> USER_MEMORY = ScopedValue.newInstance();
    int magic;

    DrmFile(DrmDevice device, int id, Node node) {
        this.device = device;
        this.id = id;
        this.node = node;
    }

    /** @return the device */
    public DrmDevice device() {
        return device;
    }

    /** @return the file's number on its device, from 1 */
    public int id() {
        return id;
    }

    /** @return the node it was opened on */
    public Node node() {
        return node;
    }

    /** @return "card0/3" or "renderD128/4": node name / file number */
    public String name() {
        return (node == Node.PRIMARY ? device.primaryName() : device.renderName()) + "/" + id;
    }

    /** @return the VRAM owner name GEM objects created by this file are charged to */
    public String owner() {
        return "nova-drm:" + name();
    }

    /** @return true if DRM_AUTH ioctls are allowed on the primary node */
    public boolean isAuthenticated() {
        return authenticated;
    }

    /** @return true if this file is the device's master */
    public boolean isMaster() {
        return device.isMaster(this);
    }

    /** @return true once closed */
    public boolean isClosed() {
        return closed;
    }

    /** @return what DRM_IOCTL_VERSION reports: name, desc, version and the date "0" */
    public DrmDriverInfo version() {
        return device.info();
    }

    /**
     * Issues an ioctl.
     *
     * @param cmd the command, e.g. {@code NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE}
     * @param arg the argument structure, at least {@code _IOC_SIZE(cmd)} bytes (else EFAULT); read
     *     and written in place; may be null for a size-0 command
     * @return 0, or a negative errno ({@link DrmErrno})
     */
    public int ioctl(int cmd, MemorySegment arg) {
        return device.ioctl(this, cmd, arg);
    }

    /**
     * Issues an ioctl whose structure points at more of the caller's memory (an array of bind
     * operations, say): {@code user} are the segments the caller's pointers may point into, as
     * the kernel's copy_from_user may read the process's mapped memory; the handler reads them
     * with {@link #copyFromUser}, and a pointer outside them is EFAULT. The segments are only read
     * during the call.
     */
    public int ioctl(int cmd, MemorySegment arg, MemorySegment... user) {
        List<MemorySegment> mem = List.of(user);
        return ScopedValue.where(USER_MEMORY, mem).call(() -> ioctl(cmd, arg));
    }

    /**
     * {@code copy_from_user} inside an ioctl handler: the caller's bytes [ptr, ptr + size).
     *
     * @param ptr a native address in one of the segments the caller passed to
     *     {@link #ioctl(int, MemorySegment, MemorySegment...)}
     * @param size bytes, &ge; 0
     * @return a read-only copy
     * @throws DrmException EFAULT when the range is not wholly inside one of them (or the ioctl
     *     was issued without any)
     */
    public static MemorySegment copyFromUser(long ptr, long size) {
        List<MemorySegment> mem = USER_MEMORY.isBound() ? USER_MEMORY.get() : List.of();
        for (MemorySegment s : mem) {
            long base = s.address();
            if (size >= 0 && ptr >= base && size <= s.byteSize() && ptr - base <= s.byteSize() - size) {
                return MemorySegment.ofArray(s.asSlice(ptr - base, size).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .asReadOnly();
            }
        }
        throw new DrmException(DrmErrno.EFAULT, String.format(
                "user pointer %#x (+%#x bytes) points at no memory the caller passed", ptr, size));
    }

    /** {@link #ioctl(int, MemorySegment)} over a buffer's bytes from its position to its limit. */
    public int ioctl(int cmd, ByteBuffer arg) {
        return device.ioctl(this, cmd, arg == null ? null : MemorySegment.ofBuffer(arg));
    }

    /**
     * {@link #ioctl(int, MemorySegment)}, throwing.
     *
     * @throws DrmException with the errno the ioctl returned
     */
    public void ioctlOrThrow(int cmd, MemorySegment arg) {
        int r = ioctl(cmd, arg);
        if (r != 0) {
            throw new DrmException(DrmErrno.of(r), String.format("%s: ioctl %#x failed", name(), cmd));
        }
    }

    /**
     * The fake mmap offset of a handle's object (what a MAP_OFFSET / MAP_DUMB style ioctl returns;
     * the nova uAPI has none yet, so it is offered here).
     *
     * @throws DrmException ENOENT for an unknown handle, ENODEV after unplug
     */
    public long mmapOffset(int handle) {
        if (device.isUnplugged()) {
            throw new DrmException(DrmErrno.ENODEV, device.primaryName() + " is unplugged");
        }
        return device.lookup(this, handle).mmapOffset();
    }

    /**
     * {@code mmap(fd, offset)}: the object's CPU view from the VRAM manager (through a BAR1 VA
     * mapped at the first mmap where BAR1 translates, a window of the linear aperture otherwise).
     *
     * @return a slice of the aperture, valid while the object lives (the caller must not use it after
     *     closing the handle); inaccessible (IllegalStateException) once the GPU's BAR1 is revoked
     * @throws DrmException EINVAL for an unknown offset or a length beyond the object, EACCES if this
     *     file holds no handle on it, ENXIO without an aperture or for an object not wholly inside
     *     a linear one (VRAM beyond the BAR1 size), ENOSPC when BAR1's VA space is exhausted,
     *     ENODEV after unplug
     */
    public MemorySegment mmap(long offset, long length) {
        return device.mmap(this, offset, length);
    }

    /**
     * {@code drm_syncobj_find} + {@code drm_syncobj_fence_get} for a driver: the fence the sync
     * object {@code handle} of this file holds now.
     *
     * @return the fence, or null when the object holds none
     * @throws DrmException ENOENT for a handle this file does not have
     */
    public DmaFence syncobjFence(int handle) {
        return device.syncobjs().find(this, handle).fence();
    }

    /**
     * {@code drm_syncobj_replace_fence} for a driver: the sync object {@code handle} of this file
     * holds {@code fence} from now on (null: none); waits for it are woken. The fence stays its
     * signaller's.
     *
     * @throws DrmException ENOENT for a handle this file does not have
     */
    public void syncobjReplaceFence(int handle, DmaFence fence) {
        device.syncobjs().find(this, handle).replace(fence);
    }

    /** @return the handles of this file's sync objects now */
    public List<Integer> syncobjHandles() {
        synchronized (device.lock) {
            return List.copyOf(syncobjs.keySet());
        }
    }

    /** @return the file's handles and their objects now */
    public Map<Integer, GemObject> objects() {
        synchronized (device.lock) {
            return Map.copyOf(handles);
        }
    }

    int addHandle(GemObject o) {
        Integer h = freeHandles.pollFirst();
        int handle = h != null ? h : nextHandle++;
        handles.put(handle, o);
        byObject.put(o, handle);
        o.handleCount++;
        return handle;
    }

    GemObject removeHandle(int handle) {
        GemObject o = handles.remove(handle);
        if (o != null) {
            byObject.remove(o);
            if (handle == nextHandle - 1) {
                nextHandle--;
                while (freeHandles.remove(nextHandle - 1)) {
                    nextHandle--;
                }
            } else {
                freeHandles.add(handle);
            }
        }
        return o;
    }

    /** {@code drm_release}: releases the handles; idempotent. */
    @Override
    public void close() {
        device.close(this);
    }

    @Override
    public String toString() {
        return name();
    }
}
