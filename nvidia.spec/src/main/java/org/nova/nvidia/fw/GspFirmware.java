package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
    /** Lowest byte of printable ASCII (space), the range a version string may use. */
    private static final byte PRINTABLE_FIRST = 0x20;
    /** Highest byte of printable ASCII ({@code '~'}). */
    private static final byte PRINTABLE_LAST = 0x7e;

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed image
     * @throws FormatException if the ELF is malformed, is not for RISC-V, lacks a non-empty
     *         {@code .fwimage}, {@code .fwversion} or {@code .fwsignature_*} data section, or
     *         the version is not printable text up to a NUL or the section's end
     */
    public static GspFirmware parse(String source, MemorySegment file) {
        Elf64 elf = Elf64.parse(source, file);
        if (elf.machine() != Elf64.EM_RISCV) {
            throw new FormatException(source, "ELF64 file header", Elf64.E_MACHINE_OFFSET,
                    Kind.BAD_VALUE, "e_machine is " + elf.machine() + ", not " + Elf64.EM_RISCV
                            + " (RISC-V): not a GSP firmware image");
        }
        Elf64.Section imageSection = progbits(elf, SECTION_IMAGE);
        MemorySegment image = elf.sectionData(imageSection);
        String version = version(elf, progbits(elf, SECTION_VERSION));
        List<Elf64.Section> sigSections = elf.sections().stream()
                .filter(s -> s.name().startsWith(SECTION_SIGNATURE_PREFIX)).toList();
        if (sigSections.isEmpty()) {
            throw new FormatException(source, "ELF64 section table", -1, Kind.MISSING,
                    "no " + SECTION_SIGNATURE_PREFIX + "<family> section: the GSP image carries "
                            + "no signatures");
        }
        for (Elf64.Section s : sigSections) {
            progbits(elf, s.name());
        }
        return new GspFirmware(elf, image, version,
                sigSections.stream().map(Elf64.Section::name).toList());
    }

    /**
     * @return the section named {@code name}, which must hold data ({@code SHT_PROGBITS}) and
     *         not be empty
     */
    private static Elf64.Section progbits(Elf64 elf, String name) {
        Elf64.Section s = elf.section(name).orElseThrow(() -> new FormatException(elf.source(),
                "ELF64 section table", -1, Kind.MISSING, "no section named " + name
                        + " (sections: " + elf.sections().stream().skip(1)
                                .map(Elf64.Section::name).toList() + ")"));
        String what = "ELF64 section header " + s.index() + " (" + name + ")";
        if (s.type() != Elf64.SHT_PROGBITS) {
            throw new FormatException(elf.source(), what, -1, Kind.BAD_VALUE, "sh_type is "
                    + Integer.toUnsignedString(s.type()) + ", not SHT_PROGBITS ("
                    + Elf64.SHT_PROGBITS + ")");
        }
        if (s.size() == 0) {
            throw new FormatException(elf.source(), what, -1, Kind.BAD_VALUE,
                    "sh_size is 0: the section is empty");
        }
        return s;
    }

    /** @return the printable version string of {@code .fwversion}, up to a NUL or its end */
    private static String version(Elf64 elf, Elf64.Section s) {
        MemorySegment ver = elf.sectionData(s);
        StringBuilder sb = new StringBuilder();
        for (long i = 0; i < ver.byteSize(); i++) {
            byte c = ver.get(ValueLayout.JAVA_BYTE, i);
            if (c == 0) {
                if (i == 0) {
                    throw new FormatException(elf.source(), SECTION_VERSION + " section",
                            s.offset(), Kind.BAD_VALUE, "the version string is empty");
                }
                return sb.toString();
            }
            if (c < PRINTABLE_FIRST || c > PRINTABLE_LAST) {
                throw new FormatException(elf.source(), SECTION_VERSION + " section",
                        s.offset() + i, Kind.BAD_VALUE, String.format(
                                "byte 0x%02x is not printable text", c));
            }
            sb.append((char) c);
        }
        // the section's end ends the string too (nova-core reads it as a bounded slice)
        if (sb.isEmpty()) {
            throw new FormatException(elf.source(), SECTION_VERSION + " section", s.offset(),
                    Kind.BAD_VALUE, "the version string is empty");
        }
        return sb.toString();
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
