package org.nova.nvidia.vbios;

/**
 * PCI expansion ROM header at the start of every image (PCI Firmware Specification).
 *
 * @param signature 0xAA55 (or NVIDIA's 0xBB77 / 0x4E56 variants)
 * @param nbsiDataOffset offset 0x16: NBSI data offset (NBSI images only)
 * @param pciDataStructOffset offset 0x18: offset of the PCI data structure in the image
 * @param sizeOfBlock offset 0x1a: block size (NBSI images only)
 */
public record RomHeader(int signature, int nbsiDataOffset, int pciDataStructOffset,
        long sizeOfBlock) {
    /** Standard PCI expansion ROM signature. */
    public static final int SIGNATURE = 0xAA55;
    /** Alternative signature accepted by nova-core. */
    public static final int SIGNATURE_BB77 = 0xBB77;
    /** Alternative signature ("VN") accepted by nova-core. */
    public static final int SIGNATURE_NV = 0x4E56;
    /** Bytes nova-core needs (through the PCIR pointer and the block size). */
    public static final int MIN_SIZE = 26;
    /** Offset of the NBSI data offset. */
    public static final int NBSI_DATA_OFFSET_AT = 0x16;
    /** Offset of the PCIR pointer. */
    public static final int PCIR_POINTER_AT = 0x18;
    /** Offset of the NBSI block size. */
    public static final int SIZE_OF_BLOCK_AT = 0x1a;
}
