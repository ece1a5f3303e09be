package org.nova.drm;

/**
 * The DRM ioctl command encoding and the core ioctls, from include/uapi/drm/drm.h and
 * include/uapi/asm-generic/ioctl.h. A command is {@code dir << 30 | size << 16 | type << 8 | nr}.
 */
public final class DrmIoctl {
    private DrmIoctl() {
    }

    /** {@code _IOC_NRBITS}: bits 0..7 hold the number. */
    public static final int IOC_NRSHIFT = 0;
    /** {@code _IOC_TYPESHIFT}: bits 8..15 hold the type. */
    public static final int IOC_TYPESHIFT = 8;
    /** {@code _IOC_SIZESHIFT}: bits 16..29 hold the argument size. */
    public static final int IOC_SIZESHIFT = 16;
    /** {@code _IOC_SIZEBITS} = 14. */
    public static final int IOC_SIZEMASK = (1 << 14) - 1;
    /** {@code _IOC_DIRSHIFT}: bits 30..31 hold the direction. */
    public static final int IOC_DIRSHIFT = 30;
    /** {@code _IOC_WRITE}: user space writes the argument (the kernel copies it in: IOC_IN). */
    public static final int IOC_WRITE = 1;
    /** {@code _IOC_READ}: user space reads the argument (the kernel copies it out: IOC_OUT). */
    public static final int IOC_READ = 2;

    /** {@code DRM_IOCTL_BASE}: 'd'. */
    public static final int DRM_IOCTL_BASE = 'd';
    /** {@code DRM_COMMAND_BASE}: driver ioctls are numbered from here. */
    public static final int DRM_COMMAND_BASE = 0x40;
    /** {@code DRM_COMMAND_END}: driver ioctls end before here. */
    public static final int DRM_COMMAND_END = 0xA0;
    /** The core's numbers: 0 to 0xFF (drm_ioctls[] reaches past DRM_COMMAND_END, e.g. the syncobj ioctls at 0xBF..). */
    public static final int CORE_TABLE_SIZE = 0x100;

    /** Ioctl flag {@code DRM_AUTH} (drm_ioctl.h): the primary-node file must be authenticated. */
    public static final int DRM_AUTH = 1 << 0;
    /** Ioctl flag {@code DRM_MASTER}: the file must be the current master. */
    public static final int DRM_MASTER = 1 << 1;
    /** Ioctl flag {@code DRM_ROOT_ONLY}: CAP_SYS_ADMIN only (never granted here). */
    public static final int DRM_ROOT_ONLY = 1 << 2;
    /** Ioctl flag {@code DRM_RENDER_ALLOW}: render-node files may call it. */
    public static final int DRM_RENDER_ALLOW = 1 << 5;

    /** {@code struct drm_auth}: {u32 magic}. */
    public static final int DRM_AUTH_SIZE = 4;
    /** {@code struct drm_gem_close}: {u32 handle; u32 pad}. */
    public static final int DRM_GEM_CLOSE_SIZE = 8;
    /** {@code struct drm_prime_handle}: {u32 handle; u32 flags; s32 fd}. */
    public static final int DRM_PRIME_HANDLE_SIZE = 12;

    /** {@code DRM_IOCTL_GET_MAGIC} = DRM_IOR(0x02, struct drm_auth); flags 0. */
    public static final int DRM_IOCTL_GET_MAGIC = ior(0x02, DRM_AUTH_SIZE);
    /** {@code DRM_IOCTL_GEM_CLOSE} = DRM_IOW(0x09, struct drm_gem_close); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_GEM_CLOSE = iow(0x09, DRM_GEM_CLOSE_SIZE);
    /** {@code DRM_IOCTL_AUTH_MAGIC} = DRM_IOW(0x11, struct drm_auth); DRM_MASTER. */
    public static final int DRM_IOCTL_AUTH_MAGIC = iow(0x11, DRM_AUTH_SIZE);
    /** {@code DRM_IOCTL_PRIME_HANDLE_TO_FD} = DRM_IOWR(0x2d, struct drm_prime_handle); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_PRIME_HANDLE_TO_FD = iowr(0x2d, DRM_PRIME_HANDLE_SIZE);
    /** {@code DRM_IOCTL_PRIME_FD_TO_HANDLE} = DRM_IOWR(0x2e, struct drm_prime_handle); DRM_RENDER_ALLOW. */
    public static final int DRM_IOCTL_PRIME_FD_TO_HANDLE = iowr(0x2e, DRM_PRIME_HANDLE_SIZE);
    /** {@code DRM_CLOEXEC} = O_CLOEXEC, a PRIME_HANDLE_TO_FD flag. */
    public static final int DRM_CLOEXEC = 02000000;
    /** {@code DRM_RDWR} = O_RDWR, a PRIME_HANDLE_TO_FD flag. */
    public static final int DRM_RDWR = 2;

    /** {@code _IOC(dir, type, nr, size)}. */
    public static int ioc(int dir, int type, int nr, int size) {
        if (size < 0 || size > IOC_SIZEMASK || nr < 0 || nr > 0xff) {
            throw new IllegalArgumentException("ioctl nr " + nr + " size " + size + " out of range");
        }
        return dir << IOC_DIRSHIFT | size << IOC_SIZESHIFT | type << IOC_TYPESHIFT | nr << IOC_NRSHIFT;
    }

    /** {@code DRM_IOWR(nr, type)}: in and out. */
    public static int iowr(int nr, int size) {
        return ioc(IOC_READ | IOC_WRITE, DRM_IOCTL_BASE, nr, size);
    }

    /** {@code DRM_IOW(nr, type)}: in only. */
    public static int iow(int nr, int size) {
        return ioc(IOC_WRITE, DRM_IOCTL_BASE, nr, size);
    }

    /** {@code DRM_IOR(nr, type)}: out only. */
    public static int ior(int nr, int size) {
        return ioc(IOC_READ, DRM_IOCTL_BASE, nr, size);
    }

    /** {@code DRM_IOCTL_NR(cmd)}. */
    public static int nr(int cmd) {
        return cmd >>> IOC_NRSHIFT & 0xff;
    }

    /** {@code _IOC_SIZE(cmd)}. */
    public static int size(int cmd) {
        return cmd >>> IOC_SIZESHIFT & IOC_SIZEMASK;
    }

    /** {@code _IOC_DIR(cmd)}. */
    public static int dir(int cmd) {
        return cmd >>> IOC_DIRSHIFT & 3;
    }

    /** The same command with another encoded size (to call an ioctl with an older or newer struct). */
    public static int withSize(int cmd, int size) {
        return ioc(dir(cmd), cmd >>> IOC_TYPESHIFT & 0xff, nr(cmd), size);
    }
}
