package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.NovaDrm;

/**
 * drivers/gpu/drm/nova/file.rs: {@code File}, nova-drm's per-file data ({@code drm_file.driver_priv}),
 * and the ioctl handlers upstream keeps with it. Upstream's File holds nothing, and neither does this
 * one: {@link NovaDriver#open} makes one per open file and the handlers receive it as the calling
 * file's data; what nova-drm will keep per file (a VA space, say) goes here.
 *
 * <p>The handlers are static, as file.rs' associated functions are: they take the device's driver
 * (its data) and the argument, which the uAPI lays out little-endian.
 */
public final class NovaFile {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code DriverFile::open}: a file's data, made by {@link NovaDriver#open}. */
    NovaFile() {
    }

    /**
     * get_param: {@code match getparam.param as u32} — the parameter is truncated to 32 bits as
     * upstream does; VRAM_BAR_SIZE answers the BAR size, anything else is EINVAL.
     */
    static void getParam(NovaDriver dev, MemorySegment getparam) {
        long param = getparam.get(U64, 0);
        if ((int) param != (int) NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE) {
            throw new DrmException(DrmErrno.EINVAL, "unknown nova parameter " + Long.toUnsignedString(param));
        }
        getparam.set(U64, 8, dev.vramBarSize());
    }

    /**
     * gem_create → gem.rs NovaObject::new: {@code aligned = size.next_multiple_of(4096);
     * if size == 0 || size > aligned → EINVAL} (a size whose rounding wraps is the overflow case);
     * VRAM that cannot hold it → ENOMEM.
     */
    static void gemCreate(MemorySegment req, DrmFile file) {
        long size = req.get(U64, 8);
        long aligned = (size + NovaDriver.GEM_ALIGN - 1) & -NovaDriver.GEM_ALIGN;
        if (size == 0 || Long.compareUnsigned(size, aligned) > 0) {
            throw new DrmException(DrmErrno.EINVAL, "GEM object size " + Long.toUnsignedString(size));
        }
        if (aligned < 0) {
            throw new DrmException(DrmErrno.ENOMEM, "GEM object size " + Long.toUnsignedString(size) + " exceeds VRAM");
        }
        req.set(U32, 0, file.device().gemCreate(file, aligned));
    }

    /** gem_info: handle → size; an unknown handle is ENOENT (lookup_handle). */
    static void gemInfo(MemorySegment req, DrmFile file) {
        req.set(U64, 8, file.device().lookup(file, req.get(U32, 0)).size());
    }
}
