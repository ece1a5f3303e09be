package org.nova.nvidia.vbios;

/**
 * NVIDIA's PCI data extension ("NPDE"), placed after the PCIR at the next 16-byte boundary.
 *
 * @param revision extension revision
 * @param length extension length
 * @param subimageLength image length in 512-byte blocks (preferred over the PCIR's)
 * @param lastImage bit 7 set on the last image
 */
public record Npde(int revision, int length, int subimageLength, int lastImage) {
    /** Bytes read (11, plus one of padding in the C structure). */
    public static final int SIZE = 11;
    /** The signature. */
    public static final String SIGNATURE = "NPDE";

    /** @return true if this is the last image */
    public boolean isLast() {
        return (lastImage & Pcir.LAST_IMAGE_BIT) != 0;
    }

    /** @return the image size in bytes */
    public long imageSizeBytes() {
        return (long) subimageLength * Pcir.BLOCK;
    }
}
