package org.nova.nvidia.vbios;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * One image of the ROM chain.
 *
 * @param romOffset where the image starts in the ROM
 * @param header its ROM header
 * @param pcir its PCI data structure
 * @param npde its NVIDIA extension, if present and valid
 * @param data the image's bytes (a slice of the ROM)
 */
public record BiosImage(long romOffset, RomHeader header, Pcir pcir, Optional<Npde> npde,
        MemorySegment data) {

    /** @return the size in bytes: the NPDE's if present, else the PCIR's */
    public long sizeBytes() {
        return npde.map(Npde::imageSizeBytes).orElse(pcir.imageSizeBytes());
    }

    /** @return true if this is the last image (NBSI images always are) */
    public boolean isLast() {
        if (pcir.codeType() == Pcir.CODE_TYPE_NBSI) {
            return true;
        }
        return npde.map(Npde::isLast).orElse(pcir.isLast());
    }

    /** @return {@link Pcir#codeType()} */
    public int codeType() {
        return pcir.codeType();
    }
}
