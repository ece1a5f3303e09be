package org.nova.driver.firmware;

/**
 * How a firmware file is stored: as the image itself, or compressed as distributions ship
 * linux-firmware ({@code CONFIG_FW_LOADER_COMPRESS_ZSTD}, {@code CONFIG_FW_LOADER_COMPRESS_XZ}).
 * The constants are in the order the loader tries them: {@code _request_firmware} in
 * drivers/base/firmware_loader/main.c looks for the plain file in every directory of the search
 * path, then for {@code .zst} in every directory, then for {@code .xz}; each later pass only when
 * the one before found nothing (ENOENT).
 */
public enum FirmwareCompression {
    /** The file is the image: mapped read-only, not copied. */
    NONE(""),
    /** Zstandard (RFC 8878), one or more frames; fw_decompress_zstd. */
    ZSTD(".zst"),
    /** XZ (the .xz container of LZMA2); fw_decompress_xz. */
    XZ(".xz");

    private final String suffix;

    FirmwareCompression(String suffix) {
        this.suffix = suffix;
    }

    /** @return what the loader appends to a firmware name to find a file stored this way; empty for {@link #NONE} */
    public String suffix() {
        return suffix;
    }

    /**
     * @param fileName a file name or path
     * @return the compression its suffix names; {@link #NONE} for any other suffix
     */
    public static FirmwareCompression of(String fileName) {
        for (FirmwareCompression c : values()) {
            if (c != NONE && fileName.endsWith(c.suffix)) {
                return c;
            }
        }
        return NONE;
    }

    /**
     * @param fileName a file name or path
     * @return the name without this compression's suffix (the firmware name a file stored this way
     *         is found by), or {@code fileName} unchanged if it does not end with the suffix
     */
    public String strip(String fileName) {
        return fileName.endsWith(suffix) ? fileName.substring(0, fileName.length() - suffix.length()) : fileName;
    }
}
