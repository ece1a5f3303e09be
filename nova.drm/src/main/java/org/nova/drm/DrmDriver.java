package org.nova.drm;

import java.util.List;

/**
 * A DRM driver as the DRM core sees it: {@code struct drm_driver} (Rust's {@code drm::Driver}).
 * One object serves one device: {@link DrmClass#register} takes it with the device, and the device
 * holds it until it is unregistered.
 *
 * <p><b>Per-file data.</b> {@code F} is Rust's {@code type File}, the C {@code drm_file.driver_priv}:
 * {@link #open} makes one for every file opened on the device, the driver's ioctl handlers are given
 * the calling file's ({@link IoctlDesc.Handler}), and {@link #postclose} gets it back when the file
 * closes. The device keeps which file has which; what an F holds is the driver's.
 *
 * <p>Rust's other associated types: {@code type Data}, the per-device data, is this object's own
 * state, since the object serves one device; {@code type Object}, the driver's part of a GEM object,
 * has no counterpart, as GEM objects carry only the core's state here (nova's part is empty
 * upstream too).
 *
 * @param <F> the driver's per-file data
 */
public interface DrmDriver<F> {
    /** @return name, description, version */
    DrmDriverInfo info();

    /**
     * @return the driver's ioctls, index i being number {@code DRM_COMMAND_BASE + i}; a null entry
     *     is a hole (EINVAL, as a NULL func in the kernel's table). Read once, when the device is
     *     registered.
     */
    List<IoctlDesc<F>> ioctls();

    /**
     * A file was opened ({@code drm_driver.open}, Rust's {@code DriverFile::open}): makes the file's
     * data. Runs before the file is handed to whoever opened it.
     *
     * @return the file's data, never null; the device keeps it until the file is closed
     * @throws DrmException to refuse the open; the file is closed again, no postclose runs
     */
    F open(DrmFile file);

    /**
     * A file is closing, before its GEM handles are released ({@code drm_driver.postclose}). Not
     * called once the device is unplugged (the driver is unbinding or gone). Must not fail; an
     * exception is ignored and the file closes anyway.
     *
     * @param file the file
     * @param data what {@link #open} returned for it
     */
    default void postclose(DrmFile file, F data) {
    }

    /**
     * The device is being unplugged with the file still open (the driver is unbinding): the file's
     * data lets go of what it holds on the device — GPU mappings of GEM objects — before the
     * objects' VRAM goes back. Runs with every ioctl of the device finished and new ones refused;
     * postclose is not called afterwards. Must not fail; an exception is ignored.
     *
     * @param file the file
     * @param data what {@link #open} returned for it
     */
    default void unplug(DrmFile file, F data) {
    }

    /**
     * The device's accelerated mover of GEM objects between VRAM and system memory, asked once at
     * registration; the device owns what it returns and closes it at unplug.
     *
     * @param device the device being registered (its placement, system memory and name are set)
     * @return the copier, or null: the device moves objects with the CPU
     * @since 2.5
     */
    default GemCopier gemCopier(DrmDevice device) {
        return null;
    }
}
