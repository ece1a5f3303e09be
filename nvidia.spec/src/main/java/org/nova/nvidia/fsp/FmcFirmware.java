package org.nova.nvidia.fsp;

import java.lang.foreign.MemorySegment;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.fw.Elf64;

/**
 * The FMC firmware of a Hopper or Blackwell chip ({@code nvidia/<chip>/gsp/fmc-<release>.bin},
 * nova-core firmware/fsp.rs@637315cb): an ELF whose section {@value #SECTION_IMAGE} is what the
 * FSP loads (only that section goes to the FSP, never the whole file) and whose sections
 * {@value #SECTION_HASH}, {@value #SECTION_PUBLIC_KEY} and {@value #SECTION_SIGNATURE} carry the
 * chain of trust's SHA-384 hash, RSA-3072 public key and signature. The key and signature sections
 * may be shorter than their maximum; the COT message zero-pads them.
 *
 * <p>Where this differs from upstream: nova-core's ELF reader takes ELF32 and ELF64; this one takes
 * the ELF64 form (what the simulator's generator writes) through {@link Elf64}.
 *
 * @param image the image section (a slice of the file)
 * @param hash the SHA-384 hash, exactly {@link #HASH_SIZE} bytes
 * @param publicKey the public key, zero-padded to {@link #PUBLIC_KEY_SIZE} bytes
 * @param signature the signature, zero-padded to {@link #SIGNATURE_SIZE} bytes
 */
public record FmcFirmware(MemorySegment image, byte[] hash, byte[] publicKey, byte[] signature) {
    /** The file's name in {@code nvidia/<chip>/gsp/<file>-<release>.bin} (firmware/fsp.rs request_firmware). */
    public static final String FILE = "fmc";
    /** The section the FSP loads. */
    public static final String SECTION_IMAGE = "image";
    /** The section holding the image's SHA-384 hash. */
    public static final String SECTION_HASH = "hash";
    /** The section holding the public key. */
    public static final String SECTION_PUBLIC_KEY = "publickey";
    /** The section holding the signature. */
    public static final String SECTION_SIGNATURE = "signature";
    /** Size of the SHA-384 hash (firmware/fsp.rs FSP_HASH_SIZE). */
    public static final int HASH_SIZE = 48;
    /** Maximum size of the RSA-3072 public key (firmware/fsp.rs FSP_PKEY_SIZE). */
    public static final int PUBLIC_KEY_SIZE = 384;
    /** Maximum size of the RSA-3072 signature (firmware/fsp.rs FSP_SIG_SIZE). */
    public static final int SIGNATURE_SIZE = 384;

    /** Copies the blobs. */
    public FmcFirmware {
        hash = hash.clone();
        publicKey = publicKey.clone();
        signature = signature.clone();
    }

    /** @return the hash (a copy) */
    @Override
    public byte[] hash() {
        return hash.clone();
    }

    /** @return the zero-padded public key (a copy) */
    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** @return the zero-padded signature (a copy) */
    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /**
     * FspFirmware::new and extract_fmc_signatures.
     *
     * @param source the file's name, for errors
     * @param file the whole file
     * @throws FormatException not an ELF, a section missing (MISSING), a key or signature larger
     *     than its maximum or a hash not exactly {@link #HASH_SIZE} bytes (BAD_VALUE), an empty image
     */
    public static FmcFirmware parse(String source, MemorySegment file) {
        Elf64 elf = Elf64.parse(source, file);
        MemorySegment image = elf.sectionData(SECTION_IMAGE);
        if (image.byteSize() == 0) {
            throw new FormatException(source, "FMC " + SECTION_IMAGE + " section", -1, Kind.BAD_VALUE,
                    "the image section is empty");
        }
        byte[] hash = section(elf, SECTION_HASH, HASH_SIZE);
        if (hash.length != HASH_SIZE) {
            throw new FormatException(source, "FMC " + SECTION_HASH + " section", elf.section(SECTION_HASH)
                    .orElseThrow().offset(), Kind.BAD_VALUE, "the hash section is " + hash.length
                            + " bytes; a SHA-384 hash is " + HASH_SIZE);
        }
        byte[] key = java.util.Arrays.copyOf(section(elf, SECTION_PUBLIC_KEY, PUBLIC_KEY_SIZE), PUBLIC_KEY_SIZE);
        byte[] sig = java.util.Arrays.copyOf(section(elf, SECTION_SIGNATURE, SIGNATURE_SIZE), SIGNATURE_SIZE);
        return new FmcFirmware(image, hash, key, sig);
    }

    private static byte[] section(Elf64 elf, String name, int max) {
        MemorySegment s = elf.sectionData(name);
        if (s.byteSize() > max) {
            throw new FormatException(elf.source(), "FMC " + name + " section", elf.section(name).orElseThrow()
                    .offset(), Kind.BAD_VALUE, "the " + name + " section is " + s.byteSize() + " bytes, more than the "
                            + max + " the COT message carries");
        }
        return s.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
