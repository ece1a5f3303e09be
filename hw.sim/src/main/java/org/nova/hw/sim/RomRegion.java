package org.nova.hw.sim;

import java.util.Arrays;

/**
 * An expansion ROM: a read-only image, padded with zeros to the ROM BAR size. Writes are
 * refused (EROFS), as VFIO's ROM region has no write flag.
 */
final class RomRegion implements Region {
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;

    private final byte[] image;

    /**
     * @param image the ROM contents
     * @param size  the ROM BAR size, at least the image length
     */
    RomRegion(byte[] image, long size) {
        if (image.length > size) {
            throw new IllegalArgumentException("ROM image of " + image.length + " bytes exceeds the " + size + "-byte ROM BAR");
        }
        this.image = Arrays.copyOf(image, Math.toIntExact(size));
    }

    @Override
    public long size() {
        return image.length;
    }

    @Override
    public long read(long offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = v << Byte.SIZE | (image[(int) offset + i] & BYTE_MASK);
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        throw new IllegalStateException("ROM writes are refused before they reach the region");
    }

    @Override
    public boolean readOnly() {
        return true;
    }
}
