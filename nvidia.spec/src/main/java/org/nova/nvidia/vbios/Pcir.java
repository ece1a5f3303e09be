package org.nova.nvidia.vbios;

/**
 * PCI data structure ("PCIR", or NVIDIA's "NPDS"), 24 bytes (PCI Firmware Specification).
 *
 * @param signature "PCIR" or "NPDS"
 * @param vendorId PCI vendor id (0x10de)
 * @param deviceId PCI device id
 * @param deviceListPtr device list pointer
 * @param length length of this structure
 * @param revision structure revision
 * @param classCode 24-bit class code (0x030000 for VGA)
 * @param imageLength image length in 512-byte blocks
 * @param vendorRomRevision revision of the vendor's ROM
 * @param codeType image type ({@link #CODE_TYPE_PCI_AT}, ...)
 * @param lastImage bit 7 set on the last image
 * @param maxRuntimeImageLength maximum run-time image length, 512-byte blocks
 */
public record Pcir(String signature, int vendorId, int deviceId, int deviceListPtr, int length,
        int revision, int classCode, int imageLength, int vendorRomRevision, int codeType,
        int lastImage, int maxRuntimeImageLength) {
    /** Size in bytes. */
    public static final int SIZE = 24;
    /** Code type: PC-AT compatible (x86 legacy), holds the BIT. */
    public static final int CODE_TYPE_PCI_AT = 0x00;
    /** Code type: EFI. */
    public static final int CODE_TYPE_EFI = 0x03;
    /** Code type: NBSI (notebook system information). */
    public static final int CODE_TYPE_NBSI = 0x70;
    /** Code type: FWSEC. */
    public static final int CODE_TYPE_FWSEC = 0xE0;
    /** Last-image bit of {@link #lastImage()}. */
    public static final int LAST_IMAGE_BIT = 0x80;
    /** Image lengths count in blocks of this many bytes. */
    public static final int BLOCK = 512;

    /** @return true if this is the last image */
    public boolean isLast() {
        return (lastImage & LAST_IMAGE_BIT) != 0;
    }

    /** @return the image size in bytes */
    public long imageSizeBytes() {
        return (long) imageLength * BLOCK;
    }
}
