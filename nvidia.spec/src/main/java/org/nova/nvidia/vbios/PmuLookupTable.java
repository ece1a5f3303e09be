package org.nova.nvidia.vbios;

import java.util.List;
import java.util.Optional;

/**
 * The PMU lookup table (the "falcon ucode table") the BIT falcon-data token points to: a
 * 4-byte header then {@code entry_count} entries of {@code entry_len} bytes, each an
 * application id, a target id and a u32 pointer. Source: nova-core vbios.rs.
 *
 * @param version table version
 * @param headerLength header length
 * @param entryLength entry length (at least 6)
 * @param entries the entries
 */
public record PmuLookupTable(int version, int headerLength, int entryLength,
        List<Entry> entries) {
    /** Size of the header. */
    public static final int HEADER_SIZE = 4;
    /** Size of an entry (packed). */
    public static final int ENTRY_SIZE = 6;
    /** Application id of the FWSEC licence ucode. */
    public static final int APPID_FIRMWARE_SEC_LIC = 0x05;
    /** Application id of the debug-signed FWSEC. */
    public static final int APPID_FWSEC_DBG = 0x45;
    /** Application id of the production FWSEC, the one nova-core runs. */
    public static final int APPID_FWSEC_PROD = 0x85;

    /**
     * @param applicationId the application id
     * @param targetId the target id
     * @param data the pointer (counted as if PC-AT and FWSEC images were contiguous)
     */
    public record Entry(int applicationId, int targetId, long data) {
    }

    public PmuLookupTable {
        entries = List.copyOf(entries);
    }

    /** @return the first entry with this application id */
    public Optional<Entry> find(int applicationId) {
        return entries.stream().filter(e -> e.applicationId() == applicationId).findFirst();
    }
}
