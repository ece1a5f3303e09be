package org.nova.nvidia.vbios;

/**
 * One BIT token entry (6 bytes): a typed pointer into the PC-AT image.
 *
 * @param id token id ({@link #ID_FALCON_DATA}, {@link #ID_BIOSDATA})
 * @param dataVersion version of the token's data
 * @param dataSize size of the data
 * @param dataOffset offset of the data in the PC-AT image
 */
public record BitToken(int id, int dataVersion, int dataSize, int dataOffset) {
    /** Token 'p': a u32 pointer to the falcon data (the PMU lookup table). */
    public static final int ID_FALCON_DATA = 0x70;
    /** Token 'B': BIOS data, starting with the u32 BIOS version and the OEM version byte. */
    public static final int ID_BIOSDATA = 0x42;
}
