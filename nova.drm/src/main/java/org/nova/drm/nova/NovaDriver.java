package org.nova.drm.nova;

import java.util.List;

import org.nova.drm.DrmDriver;
import org.nova.drm.DrmDriverInfo;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmIoctl;
import org.nova.drm.IoctlDesc;
import org.nova.drm.NovaDrm;

/**
 * The nova-drm driver's {@code drm::Driver} for one device (drivers/gpu/drm/nova/driver.rs): its
 * info, its ioctl table over file.rs' handlers ({@link NovaFile}), and the device's data they read.
 * Plain Java: the DS component {@link NovaDrmDriver} creates one per bound auxiliary device; tests
 * create them with a fake parent.
 */
public final class NovaDriver implements DrmDriver<NovaFile> {
    /** driver.rs INFO: name "nova", desc "Nvidia Graphics", version 0.0.0. */
    public static final DrmDriverInfo INFO = new DrmDriverInfo("nova", "Nvidia Graphics", 0, 0, 0);
    /** gem.rs: object sizes are rounded up to a multiple of {@code 1 << 12}. */
    public static final long GEM_ALIGN = 1L << 12;

    private final long vramBarSize;

    /** @param vramBarSize what GETPARAM(VRAM_BAR_SIZE) answers: the parent's BAR1 length */
    public NovaDriver(long vramBarSize) {
        this.vramBarSize = vramBarSize;
    }

    /** @return the parent's BAR1 length (upstream reads it from the auxiliary device's parent) */
    long vramBarSize() {
        return vramBarSize;
    }

    @Override
    public DrmDriverInfo info() {
        return INFO;
    }

    /** driver.rs declare_drm_ioctls!: GETPARAM RENDER_ALLOW, GEM_CREATE and GEM_INFO AUTH | RENDER_ALLOW. */
    @Override
    public List<IoctlDesc<NovaFile>> ioctls() {
        return List.of(
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, DrmIoctl.DRM_RENDER_ALLOW, "NOVA_GETPARAM",
                        (file, data, arg) -> NovaFile.getParam(this, arg)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_CREATE", (file, data, arg) -> NovaFile.gemCreate(arg, file)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_INFO", (file, data, arg) -> NovaFile.gemInfo(arg, file)));
    }

    /** file.rs {@code DriverFile::open}: every file gets an (empty) {@link NovaFile}. */
    @Override
    public NovaFile open(DrmFile file) {
        return new NovaFile();
    }
}
