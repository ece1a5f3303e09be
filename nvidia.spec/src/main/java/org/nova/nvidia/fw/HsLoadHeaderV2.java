package org.nova.nvidia.fw;

import java.util.List;

/**
 * Load header of a heavy-secure firmware: where code and data are in the payload, followed by
 * one {@link App} per application. Source: nova-core firmware/booter.rs
 * ({@code HsLoadHeaderV2}, {@code HsLoadHeaderV2App}). In NVIDIA's files each application has
 * a code pair (offset, size) and a data pair after it, so {@code header_size} is
 * {@code 20 + 16 * num_apps}; nova-core, and this record, use the code pairs.
 *
 * @param osCodeOffset offset of the code in the payload
 * @param osCodeSize total size of the code, all apps
 * @param osDataOffset offset of the data in the payload
 * @param osDataSize size of the data
 * @param apps the app entries ({@code num_apps} of them)
 */
public record HsLoadHeaderV2(long osCodeOffset, long osCodeSize, long osDataOffset,
        long osDataSize, List<App> apps) {

    /** Size of the fixed part (before the app entries). */
    public static final int SIZE = 20;
    /** Size of one app entry. */
    public static final int APP_SIZE = 8;

    /**
     * One application's code.
     *
     * @param offset offset of its code in the payload (also its boot address)
     * @param len length of its code
     */
    public record App(long offset, long len) {
    }

    public HsLoadHeaderV2 {
        apps = List.copyOf(apps);
    }
}
