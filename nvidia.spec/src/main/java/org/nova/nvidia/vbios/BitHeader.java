package org.nova.nvidia.vbios;

/**
 * BIOS Information Table header, 12 bytes, found in the PC-AT image by its pattern
 * {@code ff b8 'B' 'I' 'T' 00}.
 *
 * @param id 0xB8FF
 * @param bcdVersion BCD version, 0x0100 = 1.00
 * @param headerSize size of this header
 * @param tokenSize size of one token entry
 * @param tokenEntries number of tokens
 * @param checksum makes the header's bytes sum to 0 mod 256
 */
public record BitHeader(int id, int bcdVersion, int headerSize, int tokenSize, int tokenEntries,
        int checksum) {
    /** BIT header id. */
    public static final int ID = 0xB8FF;
    /** Size in bytes. */
    public static final int SIZE = 12;
    /** Size of one token entry. */
    public static final int TOKEN_SIZE = 6;
    /** The byte pattern that starts the BIT header. */
    static final byte[] PATTERN = {(byte) 0xff, (byte) 0xb8, 'B', 'I', 'T', 0};
}
