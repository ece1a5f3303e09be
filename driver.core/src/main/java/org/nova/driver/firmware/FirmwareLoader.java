package org.nova.driver.firmware;

import java.nio.file.Path;
import java.util.List;

import org.nova.devres.DevresScope;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The firmware loader service ({@code request_firmware}). Looks a firmware name up in each
 * directory of the search path in order and maps the first match read-only.
 *
 * <p>The search path is the framework property {@value #PATH_PROPERTY} (directories separated
 * by the platform's path separator), if set, searched first — like the kernel's
 * {@code firmware_class.path} — followed by the configured directories (Configuration Admin
 * PID {@value #PID}, property {@code path}; default {@code /lib/firmware} then
 * {@code /usr/lib/firmware}).
 *
 * <p>Names are relative paths of '/'-separated segments; an empty name, an absolute name, a
 * {@code ..} or empty segment, a backslash or a NUL character is refused with {@code EINVAL}.
 */
@ProviderType
public interface FirmwareLoader {
    /** Configuration Admin PID of the loader. */
    String PID = "org.nova.firmware";
    /** Framework property naming directories searched before the configured ones. */
    String PATH_PROPERTY = "nova.firmware.path";

    /**
     * request_firmware: maps the firmware {@code name} and registers it in {@code scope}, which
     * unmaps it when released. A failure is logged as a warning (like the kernel's "Direct
     * firmware load for X failed with error -2").
     *
     * @param name the firmware name, relative to the search path
     * @param scope the requesting device's devres scope; owns the result
     * @return the mapped firmware
     * @throws org.nova.driver.DriverException {@code ENOENT} naming the name and every
     *         directory searched if no directory has it; {@code EINVAL} for a bad name;
     *         {@code EIO} if a file exists but cannot be mapped; {@code ENODEV} if the scope's
     *         device is gone (nothing stays mapped)
     */
    Firmware request(String name, DevresScope scope);

    /**
     * firmware_request_nowarn: as {@link #request} but a failure is not logged (for optional
     * firmware).
     */
    Firmware requestNowarn(String name, DevresScope scope);

    /** @return the directories searched now, in order */
    List<Path> searchPath();
}
