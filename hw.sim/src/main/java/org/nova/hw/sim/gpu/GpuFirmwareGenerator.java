package org.nova.hw.sim.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BooterImageBuilder;
import org.nova.nvidia.fw.Elf64Builder;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.RiscvImageBuilder;

/**
 * Generates, for a simulated chip, the four GSP firmware files of release 535.113.01 in the real
 * formats ({@code nvidia/<chip>/gsp/{booter_load,booter_unload,bootloader,gsp}-535.113.01.bin}),
 * so that the embedded default runs without NVIDIA's files. The content is deterministic per
 * chip (the same bytes every run); the simulated GPU's secure ROM trusts these files exactly as
 * it trusts the real ones: it reads them back and checks what the driver loaded against them.
 *
 * <p>Where: {@link #DIR_PROPERTY} if set, else {@code <java.io.tmpdir>/nova-sim-firmware}. The
 * default simulated platform appends that folder to the firmware loader's configured search path
 * (after /lib/firmware and /usr/lib/firmware, so real files win when installed).
 */
public final class GpuFirmwareGenerator {
    /** Framework/system property naming the folder the generated firmware is written to. */
    public static final String DIR_PROPERTY = "nova.sim.firmware.dir";
    /** The firmware release generated. */
    public static final String VERSION = FirmwareNames.VERSION_535_113_01;
    /** Size of the generated {@code .fwimage} (not a whole number of pages on purpose). */
    static final int GSP_IMAGE_SIZE = 0x10_0000 + 0x800;
    /** Size of one generated GSP signature section. */
    static final int GSP_SIGNATURE_SIZE = 0x1000;
    /** Signature families carried by the generated GSP ELF, as in NVIDIA's 535 images. */
    static final List<String> GSP_SIGNATURE_FAMILIES = List.of("tu10x", "tu11x", "ga10x", "ad10x", "gh100");
    /** Size of a booter signature (RSA-3K). */
    static final int BOOTER_SIGNATURE_SIZE = FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE;
    /** Number of signatures in a generated booter. */
    static final int BOOTER_SIGNATURES = 2;
    /** The booter's fuse version (signature metadata): the newest signature is for it. */
    static final int BOOTER_FUSE_VERSION = 2;
    /** Engine mask of the booter: SEC2 (bit 0, falcon/hal/ga102.rs). */
    static final int BOOTER_ENGINE_MASK = 0x0001;
    /** Ucode id of booter_load (1-based index of the SEC2 fuse register). */
    static final int BOOTER_LOAD_UCODE_ID = 1;
    /** Ucode id of booter_unload. */
    static final int BOOTER_UNLOAD_UCODE_ID = 2;
    /** Application version of the generated GSP bootloader. */
    static final long BOOTLOADER_APP_VERSION = 33_000_001L;

    private GpuFirmwareGenerator() {
    }

    /** @return the folder generated firmware goes to (see the class comment) */
    public static Path defaultDir() {
        String p = System.getProperty(DIR_PROPERTY);
        if (p != null && !p.isBlank()) {
            return Path.of(p.trim());
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "nova-sim-firmware");
    }

    /**
     * @param chipset a chip with 535 GSP firmware
     * @return file name (relative to the firmware root) → contents, in {@link FirmwareNames#ALL} order
     */
    public static Map<String, byte[]> files(Chipset chipset) {
        return files(chipset, VERSION);
    }

    /**
     * @param chipset a chip with GSP firmware
     * @param version the release the images report in {@code .fwversion} and carry in their names
     *        (535.113.01 or 570.144: the simulated GSP answers with that release's ABI bindings)
     * @return file name (relative to the firmware root) → contents
     */
    public static Map<String, byte[]> files(Chipset chipset, String version) {
        final String VERSION = version;
        if (!chipset.hasGspFirmware535()) {
            throw new IllegalArgumentException(chipset + " has no GSP firmware " + VERSION);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(FirmwareNames.path(chipset, FirmwareNames.BOOTER_LOAD, VERSION), booter(chipset, BOOTER_LOAD_UCODE_ID));
        out.put(FirmwareNames.path(chipset, FirmwareNames.BOOTER_UNLOAD, VERSION), booter(chipset, BOOTER_UNLOAD_UCODE_ID));
        out.put(FirmwareNames.path(chipset, FirmwareNames.BOOTLOADER, VERSION),
                new RiscvImageBuilder().appVersion(BOOTLOADER_APP_VERSION).build());
        out.put(FirmwareNames.path(chipset, FirmwareNames.GSP, VERSION), gsp(chipset, VERSION));
        return out;
    }

    /**
     * Writes the chip's files under {@code root} (atomically, only where missing or different).
     *
     * @return {@code root}
     * @throws UncheckedIOException if a file cannot be written
     */
    public static Path generate(Chipset chipset, Path root) {
        return generate(chipset, root, defaultVersion(chipset));
    }

    /**
     * The release the simulated board of a chip ships: the Ada boards carry r570.144 (whose images
     * Debian's package lacks, so they exist only generated), the others r535.113.01.
     *
     * @return the firmware release {@link #generate(Chipset, Path)} writes for the chip
     */
    public static String defaultVersion(Chipset chipset) {
        return chipset.architecture() == Architecture.ADA ? FirmwareNames.VERSION_570_144 : VERSION;
    }

    /**
     * Writes the chip's files of firmware release {@code version} under {@code root}.
     *
     * @return {@code root}
     */
    public static Path generate(Chipset chipset, Path root, String version) {
        for (Map.Entry<String, byte[]> e : files(chipset, version).entrySet()) {
            Path file = root.resolve(e.getKey());
            try {
                if (Files.isRegularFile(file) && Files.size(file) == e.getValue().length
                        && Arrays.equals(Files.readAllBytes(file), e.getValue())) {
                    continue;
                }
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
                Files.write(tmp, e.getValue());
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot write generated firmware " + file, ex);
            }
        }
        return root;
    }

    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] booter(Chipset c, int ucodeId) {
        long seed = (long) c.id() << 16 | ucodeId;
        BooterImageBuilder b = new BooterImageBuilder()
                .payload(bytes(seed, 0x1000), bytes(seed + 1, 0x800))
                .patchOffsetInData(0x100)
                .params(BOOTER_FUSE_VERSION, BOOTER_ENGINE_MASK, ucodeId);
        for (int i = 0; i < BOOTER_SIGNATURES; i++) {
            b.signature(bytes(seed * 7 + 100 + i, BOOTER_SIGNATURE_SIZE));
        }
        return b.build();
    }

    private static byte[] gsp(Chipset c, String VERSION) {
        Elf64Builder elf = new Elf64Builder();
        elf.section(GspFirmware.SECTION_IMAGE, MemorySegment.ofArray(bytes(c.id() * 1000L, GSP_IMAGE_SIZE)), 3);
        elf.section(GspFirmware.SECTION_VERSION, (VERSION + "\0").getBytes(StandardCharsets.US_ASCII));
        for (String fam : GSP_SIGNATURE_FAMILIES) {
            elf.section(GspFirmware.SECTION_SIGNATURE_PREFIX + fam, bytes(fam.hashCode() * 31L + c.id(), GSP_SIGNATURE_SIZE));
        }
        try (Arena arena = Arena.ofConfined()) {
            return elf.build(arena).toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
