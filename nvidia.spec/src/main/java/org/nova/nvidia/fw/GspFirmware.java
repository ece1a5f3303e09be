package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.nova.nvidia.Chipset;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;

/**
 * The GSP-RM firmware file ({@code gsp-<version>.bin}): an ELF64 whose {@code .fwimage} is the
 * image the GSP bootloader maps through the {@link Radix3} page table, {@code .fwversion} the
 * firmware version string, and {@code .fwsignature_<family>} the signatures for each chip
 * family. Nothing is copied. Source: nova-core firmware/gsp.rs.
 *
 * @param elf the section table
 * @param image the {@code .fwimage} section (zero-copy)
 * @param version the {@code .fwversion} string, e.g. {@code "535.113.01"}
 * @param signatureSections the names of every {@code .fwsignature_*} section, file order
 */
public record GspFirmware(Elf64 elf, MemorySegment image, String version,
        List<String> signatureSections) {

    /** Section holding the GSP image. */
    public static final String SECTION_IMAGE = ".fwimage";
    /** Section holding the version string. */
    public static final String SECTION_VERSION = ".fwversion";
    /** Prefix of the per-family signature sections. */
    public static final String SECTION_SIGNATURE_PREFIX = ".fwsignature_";

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed image
     * @throws FormatException if the ELF is malformed or {@code .fwimage}/{@code .fwversion}
     *         is absent or the version is not text
     */
    public static GspFirmware parse(String source, MemorySegment file) {
        Elf64 elf = Elf64.parse(source, file);
        MemorySegment image = elf.sectionData(SECTION_IMAGE);
        MemorySegment ver = elf.sectionData(SECTION_VERSION);
        byte[] raw = ver.toArray(ValueLayout.JAVA_BYTE);
        int len = 0;
        while (len < raw.length && raw[len] != 0) {
            byte c = raw[len];
            if (c < 0x20 || c > 0x7e) {
                throw new FormatException(source, SECTION_VERSION + " section",
                        elf.section(SECTION_VERSION).orElseThrow().offset() + len,
                        Kind.BAD_VALUE, String.format("byte 0x%02x is not printable text", c));
            }
            len++;
        }
        if (len == 0) {
            throw new FormatException(source, SECTION_VERSION + " section",
                    elf.section(SECTION_VERSION).orElseThrow().offset(), Kind.BAD_VALUE,
                    "the version string is empty");
        }
        List<String> sigs = elf.sections().stream().map(Elf64.Section::name)
                .filter(n -> n.startsWith(SECTION_SIGNATURE_PREFIX)).toList();
        return new GspFirmware(elf, image,
                new String(raw, 0, len, StandardCharsets.US_ASCII), sigs);
    }

    /**
     * @param chipset the chip the image is for
     * @return the chip family's signatures (zero-copy)
     * @throws FormatException (MISSING) naming the section if the file lacks it
     */
    public MemorySegment signatures(Chipset chipset) {
        return elf.sectionData(chipset.gspSignatureSection());
    }

    /** @return the size of the image in bytes */
    public long imageSize() {
        return image.byteSize();
    }
}
