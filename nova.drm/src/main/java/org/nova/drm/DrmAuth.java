package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * drivers/gpu/drm/drm_auth.c for one device: the master (the first file opened on the primary node
 * while there is none, drm_master_open → drm_new_set_master) and the magic-cookie handshake by which
 * the master authenticates other primary-node files (GET_MAGIC, AUTH_MAGIC). Guarded by the
 * device's lock.
 */
final class DrmAuth {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Object lock;
    private final Map<Integer, DrmFile> magics = new HashMap<>();
    private DrmFile master;
    private int nextMagic = 1;

    DrmAuth(Object lock) {
        this.lock = lock;
    }

    /** A file opened: on the primary node with no master, it becomes the master, authenticated. Lock held. */
    void opened(DrmFile f) {
        if (f.node() == DrmFile.Node.PRIMARY && master == null) {
            master = f;
            f.authenticated = true;
        }
    }

    /** A file closed (or failed to open): it gives up its magic and, if it was the master, the master role. Lock held. */
    void closed(DrmFile f) {
        if (f.magic != 0) {
            magics.remove(f.magic);
        }
        if (master == f) {
            master = null;
        }
    }

    boolean isMaster(DrmFile f) {
        synchronized (lock) {
            return master == f;
        }
    }

    /** DRM_IOCTL_GET_MAGIC: the file's cookie, made on first request. */
    void getMagic(DrmFile f, MemorySegment a) {
        synchronized (lock) {
            if (f.magic == 0) {
                f.magic = nextMagic++;
                magics.put(f.magic, f);
            }
            a.set(U32, 0, f.magic);
        }
    }

    /** DRM_IOCTL_AUTH_MAGIC (master only): authenticates the file the cookie names; a cookie works once. */
    void authMagic(DrmFile f, MemorySegment a) {
        synchronized (lock) {
            DrmFile t = magics.remove(a.get(U32, 0));
            if (t == null) {
                throw new DrmException(DrmErrno.EINVAL, "no file with magic " + Integer.toUnsignedString(a.get(U32, 0)));
            }
            t.authenticated = true;
        }
    }
}
