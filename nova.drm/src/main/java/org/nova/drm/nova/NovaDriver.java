package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import org.nova.drm.DrmDriver;
import org.nova.drm.DrmDriverInfo;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmIoctl;
import org.nova.drm.IoctlDesc;
import org.nova.drm.NovaDrm;

/**
 * The nova-drm driver's {@code drm::Driver} for one device (drivers/gpu/drm/nova/driver.rs): its
 * info and its ioctl table, with the handlers of file.rs and gem.rs. Plain Java: the DS component
 * {@link NovaDrmDriver} creates one per bound auxiliary device; tests create them with a fake
 * parent.
 */
public final class NovaDriver implements DrmDriver {
    /** driver.rs INFO: name "nova", desc "Nvidia Graphics", version 0.0.0. */
    public static final DrmDriverInfo INFO = new DrmDriverInfo("nova", "Nvidia Graphics", 0, 0, 0);
    /** gem.rs: object sizes are rounded up to a multiple of {@code 1 << 12}. */
    public static final long GEM_ALIGN = 1L << 12;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final long vramBarSize;

    /** @param vramBarSize what GETPARAM(VRAM_BAR_SIZE) answers: the parent's BAR1 length */
    public NovaDriver(long vramBarSize) {
        this.vramBarSize = vramBarSize;
    }

    @Override
    public DrmDriverInfo info() {
        return INFO;
    }

    /** driver.rs declare_drm_ioctls!: GETPARAM RENDER_ALLOW, GEM_CREATE and GEM_INFO AUTH | RENDER_ALLOW. */
    @Override
    public List<IoctlDesc> ioctls() {
        return List.of(
                new IoctlDesc(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, DrmIoctl.DRM_RENDER_ALLOW, "NOVA_GETPARAM", this::getParam),
                new IoctlDesc(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_CREATE", NovaDriver::gemCreate),
                new IoctlDesc(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_INFO", NovaDriver::gemInfo));
    }

    /**
     * file.rs get_param: {@code match getparam.param as u32} — the parameter is truncated to 32
     * bits as upstream does; VRAM_BAR_SIZE answers the BAR size, anything else is EINVAL.
     */
    private void getParam(DrmFile f, MemorySegment a) {
        long param = a.get(U64, 0);
        if ((int) param != (int) NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE) {
            throw new DrmException(DrmErrno.EINVAL, "unknown nova parameter " + Long.toUnsignedString(param));
        }
        a.set(U64, 8, vramBarSize);
    }

    /**
     * file.rs gem_create → gem.rs NovaObject::new: {@code aligned = size.next_multiple_of(4096);
     * if size == 0 || size > aligned → EINVAL} (a size whose rounding wraps is the overflow case);
     * VRAM that cannot hold it → ENOMEM.
     */
    static void gemCreate(DrmFile f, MemorySegment a) {
        long size = a.get(U64, 8);
        long aligned = (size + GEM_ALIGN - 1) & -GEM_ALIGN;
        if (size == 0 || Long.compareUnsigned(size, aligned) > 0) {
            throw new DrmException(DrmErrno.EINVAL, "GEM object size " + Long.toUnsignedString(size));
        }
        if (aligned < 0) {
            throw new DrmException(DrmErrno.ENOMEM, "GEM object size " + Long.toUnsignedString(size) + " exceeds VRAM");
        }
        a.set(U32, 0, f.device().gemCreate(f, aligned));
    }

    /** file.rs gem_info: handle → size; an unknown handle is ENOENT (lookup_handle). */
    static void gemInfo(DrmFile f, MemorySegment a) {
        a.set(U64, 8, f.device().lookup(f, a.get(U32, 0)).size());
    }
}
