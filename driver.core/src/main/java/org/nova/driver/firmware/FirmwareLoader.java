package org.nova.driver.firmware;

import java.nio.file.Path;
import java.util.List;

import org.nova.devres.DevresScope;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The firmware loader service ({@code request_firmware}). Looks a firmware name up as the
 * kernel's firmware_class does (drivers/base/firmware_loader/main.c) and hands out the first
 * file that loads: a plain file mapped read-only, or a compressed one decompressed once.
 *
 * <p><b>Search path.</b> First the directories of the framework property {@value #PATH_PROPERTY}
 * (separated by the platform's path separator) and of the configuration (Configuration Admin PID
 * {@value #PID}, property {@code path}; empty by default) — together the kernel's
 * {@code firmware_class.path} — then the kernel's fw_path: {@code /lib/firmware/updates/RELEASE},
 * {@code /lib/firmware/updates}, {@code /lib/firmware/RELEASE}, {@code /lib/firmware}, where
 * RELEASE is the running kernel's ({@code uname -r}).
 *
 * <p><b>Compression.</b> The plain file is looked for in every directory first, then
 * {@code NAME.zst} in every directory, then {@code NAME.xz} ({@link FirmwareCompression}), as
 * distributions that ship linux-firmware compressed rely on ({@code FW_LOADER_COMPRESS}).
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
     * The largest firmware file, and the largest image a compressed one decompresses to, in bytes:
     * INT_MAX, the limit fw_get_filesystem_firmware gives kernel_read_file.
     */
    long MAX_SIZE = Integer.MAX_VALUE;

    /**
     * request_firmware: loads the firmware {@code name} and registers it in {@code scope}, which
     * releases it (unmaps the file or frees the decompressed image) when released itself. A
     * failure is logged as a warning (like the kernel's "Direct firmware load for X failed with
     * error -2"), and nothing of it stays held.
     *
     * @param name the firmware name, relative to the search path, without a compression suffix
     * @param scope the requesting device's devres scope; owns the result
     * @return the firmware
     * @throws org.nova.driver.DriverException {@code ENOENT} naming the name and every
     *         directory searched if no directory has it in any form; {@code EINVAL} for a bad
     *         name, or naming the file and why when a compressed file is truncated or corrupt;
     *         {@code EFBIG} if a file or its image is over {@link #MAX_SIZE}; {@code ENOMEM} if
     *         the image cannot be allocated; {@code EIO} if a file exists but cannot be read;
     *         {@code ENODEV} if the scope's device is gone
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
