package org.nova.drm;

/**
 * What DRM_IOCTL_VERSION reports: {@code struct drm_driver}'s name, desc, major, minor and
 * patchlevel (Rust's {@code drm::DriverInfo}). The date is no longer a driver property: since the
 * kernel dropped {@code drm_driver.date}, drm_version() returns the string "0" ("Driver date is
 * deprecated. Userspace expects a non-empty string.", drm_ioctl.c) — {@link #date()} is that.
 */
public record DrmDriverInfo(String name, String desc, int major, int minor, int patchlevel) {
    /** The date DRM_IOCTL_VERSION returns for every driver (drm_ioctl.c, drm_version). */
    public static final String DATE = "0";

    /** @return "0", what drm_version() copies into {@code version->date} */
    public String date() {
        return DATE;
    }
}
