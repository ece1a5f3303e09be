package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fw.Elf64Builder;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.RiscvImageBuilder;

/**
 * Generates the firmware files of release 570.144 a Hopper or Blackwell chip boots with through its
 * FSP (nova-core firmware.rs@6372843a, firmware/fsp.rs@637315cb): {@code fmc} (an ELF with the sections {@code image},
 * {@code hash}, {@code publickey}, {@code signature}), {@code bootloader} and {@code gsp}. No booter:
 * the FSP replaces SEC2's part. Deterministic per chip, like {@link GpuFirmwareGenerator}, which
 * delegates to this class for these chips.
 *
 * <p>The chain of trust's signing as the simulator does it: the hash section is the image's real
 * SHA-384; the public key is the chip's; the signature is a digest of the key and the hash. The
 * simulated FSP ({@link SimFsp}) trusts what the firmware folders hold ({@link TrustedFirmware}) and
 * checks the image's digest, the key and the signature against that. Hopper's key and signature
 * fill their RSA-3072 sections; Blackwell's are shorter (the COT message zero-pads them), so both
 * forms are exercised.
 */
final class FspFirmwareGenerator {
    /** The release generated: the one nova-core boots Hopper and Blackwell with. */
    static final String VERSION = FirmwareNames.VERSION_570_144;
    /** Size of the generated FMC image (not a whole number of EMEM blocks or pages on purpose). */
    static final int FMC_IMAGE_SIZE = 0x2_0000 + 0x140;
    /** Public key and signature sizes of the generated Blackwell FMC (shorter than their maxima). */
    static final int SHORT_KEY_SIZE = 97;
    /** Signature size of the generated Blackwell FMC. */
    static final int SHORT_SIGNATURE_SIZE = 96;
    /** Size of the generated {@code .fwimage}. */
    static final int GSP_IMAGE_SIZE = 0x10_0000 + 0x800;
    /** Size of one generated GSP signature section. */
    static final int GSP_SIGNATURE_SIZE = 0x1000;
    /** Application version of the generated GSP bootloader. */
    static final long BOOTLOADER_APP_VERSION = 57_000_144L;
    /** sh_flags of the .fwimage section: SHF_WRITE | SHF_ALLOC. */
    private static final long FWIMAGE_SECTION_FLAGS = 3;
    /* Seeds: any values do, as long as each chip and blob gets its own stream, the same every run. */
    private static final long FMC_SEED = 0x464d_4300L;
    private static final long KEY_SEED = 0x4b45_5900L;
    private static final long GSP_SEED = 0x4753_5000L;

    private FspFirmwareGenerator() {
    }

    /**
     * @param chipset a Hopper or Blackwell chip
     * @return file name (relative to the firmware root) → contents
     * @throws IllegalArgumentException for a chip that does not boot through the FSP
     */
    static Map<String, byte[]> files(Chipset chipset) {
        if (!FspCot.bootsThroughFsp(chipset.architecture())) {
            throw new IllegalArgumentException(chipset + " does not boot through the FSP");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(FirmwareNames.path(chipset, FmcFirmware.FILE, VERSION), fmc(chipset));
        out.put(FirmwareNames.path(chipset, FirmwareNames.BOOTLOADER, VERSION),
                new RiscvImageBuilder().appVersion(BOOTLOADER_APP_VERSION).build());
        out.put(FirmwareNames.path(chipset, FirmwareNames.GSP, VERSION), gsp(chipset));
        return out;
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** @return the FMC ELF of {@code chipset} */
    static byte[] fmc(Chipset c) {
        byte[] image = bytes(FMC_SEED + c.id(), FMC_IMAGE_SIZE);
        boolean hopper = c.architecture() == Architecture.HOPPER;
        byte[] key = bytes(KEY_SEED + c.id(), hopper ? FmcFirmware.PUBLIC_KEY_SIZE : SHORT_KEY_SIZE);
        return fmc(image, key, signature(key, SimFsp.sha384(image),
                hopper ? FmcFirmware.SIGNATURE_SIZE : SHORT_SIGNATURE_SIZE));
    }

    /** @return an FMC ELF with these sections (the hash is the image's SHA-384) */
    static byte[] fmc(byte[] image, byte[] key, byte[] signature) {
        Elf64Builder elf = new Elf64Builder();
        elf.section(FmcFirmware.SECTION_IMAGE, MemorySegment.ofArray(image), FWIMAGE_SECTION_FLAGS);
        elf.section(FmcFirmware.SECTION_HASH, SimFsp.sha384(image));
        elf.section(FmcFirmware.SECTION_PUBLIC_KEY, key);
        elf.section(FmcFirmware.SECTION_SIGNATURE, signature);
        try (Arena arena = Arena.ofConfined()) {
            return elf.build(arena).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The simulator's signature: SHA-384 over the key and the hash, repeated to {@code size} bytes. */
    private static byte[] signature(byte[] key, byte[] hash, int size) {
        byte[] in = new byte[key.length + hash.length];
        System.arraycopy(key, 0, in, 0, key.length);
        System.arraycopy(hash, 0, in, key.length, hash.length);
        byte[] d = SimFsp.sha384(in);
        byte[] out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = d[i % d.length];
        }
        return out;
    }

    private static byte[] gsp(Chipset c) {
        Elf64Builder elf = new Elf64Builder();
        elf.section(GspFirmware.SECTION_IMAGE, MemorySegment.ofArray(bytes(GSP_SEED + c.id(), GSP_IMAGE_SIZE)),
                FWIMAGE_SECTION_FLAGS);
        elf.section(GspFirmware.SECTION_VERSION, (VERSION + "\0").getBytes(StandardCharsets.US_ASCII));
        elf.section(c.gspSignatureSection(), bytes(GSP_SEED * 3 + c.id(), GSP_SIGNATURE_SIZE));
        try (Arena arena = Arena.ofConfined()) {
            return elf.build(arena).toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
