package org.nova.drm;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The driver's side of a device's files, drm_file.c's calls into {@code struct drm_driver}: its
 * {@code open} and {@code postclose}, and the data each open file got from it
 * ({@code drm_file.driver_priv}), kept with the driver's own type so the ioctl handlers get it typed.
 * Owned by one {@link DrmDevice}; thread-safe.
 *
 * @param <F> the driver's per-file data
 */
final class DriverFiles<F> {
    private final DrmDriver<F> driver;
    private final Map<DrmFile, F> data = new ConcurrentHashMap<>();

    DriverFiles(DrmDriver<F> driver) {
        this.driver = Objects.requireNonNull(driver, "driver");
    }

    /** @return the driver */
    DrmDriver<F> driver() {
        return driver;
    }

    /**
     * {@code drm_driver.open}: the driver makes the file's data.
     *
     * @throws DrmException what the driver's open throws; nothing is kept then
     * @throws NullPointerException if the driver returned null
     */
    void open(DrmFile file) {
        F d = Objects.requireNonNull(driver.open(file), () -> driver.info().name() + ": open of " + file
                + " returned no file data");
        data.put(file, d);
    }

    /** @return the file's data; null once the file is closed */
    F data(DrmFile file) {
        return data.get(file);
    }

    /** {@code drm_driver.postclose} with the file's data, if the file has any. */
    void postclose(DrmFile file) {
        F d = data.get(file);
        if (d != null) {
            driver.postclose(file, d);
        }
    }

    /** {@link DrmDriver#unplug} with the file's data, if the file has any. */
    void unplug(DrmFile file) {
        F d = data.get(file);
        if (d != null) {
            driver.unplug(file, d);
        }
    }

    /** The file is closed: its data is dropped. */
    void closed(DrmFile file) {
        data.remove(file);
    }
}
