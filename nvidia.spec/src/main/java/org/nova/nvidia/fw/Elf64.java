package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * The section table of a little-endian ELF64 file, read in place. Only what locating sections
 * by name needs is interpreted (nova-core firmware/gsp.rs {@code elf64_section}): the file
 * header, the section headers and the section-name string table. Every section's range is
 * checked against the file when parsed (except {@code SHT_NOBITS}, which occupies none).
 *
 * @param source the file name, for errors
 * @param data the whole file
 * @param type {@code e_type} (1 = relocatable)
 * @param machine {@code e_machine} (243 = RISC-V)
 * @param sections the sections in file order, index 0 being the null section
 */
public record Elf64(String source, MemorySegment data, int type, int machine,
        List<Section> sections) {

    /** ELF identification magic, {@code 0x7f 'E' 'L' 'F'} read as a little-endian u32. */
    public static final int ELF_MAGIC = 0x464c_457f;
    /** {@code EI_CLASS} value of a 64-bit file. */
    public static final int ELFCLASS64 = 2;
    /** {@code EI_DATA} value of a little-endian file. */
    public static final int ELFDATA2LSB = 1;
    /** Size of the ELF64 file header. */
    public static final int EHDR_SIZE = 64;
    /** Size of an ELF64 section header. */
    public static final int SHDR_SIZE = 64;
    /** Offset of {@code e_machine} in the file header. */
    public static final int E_MACHINE_OFFSET = 0x12;
    /** {@code e_machine} of RISC-V. */
    public static final int EM_RISCV = 243;
    /** {@code e_type} of a relocatable file (what the GSP images are). */
    public static final int ET_REL = 1;
    /** Section type: program data. */
    public static final int SHT_PROGBITS = 1;
    /** Section type: symbol table. */
    public static final int SHT_SYMTAB = 2;
    /** Section type: string table. */
    public static final int SHT_STRTAB = 3;
    /** Section type: occupies no file space. */
    public static final int SHT_NOBITS = 8;

    /**
     * One section header.
     *
     * @param index index in the section table
     * @param name name from the section-name string table
     * @param type {@code sh_type}
     * @param flags {@code sh_flags}
     * @param addr {@code sh_addr}
     * @param offset {@code sh_offset}, in the file
     * @param size {@code sh_size}, in bytes
     * @param link {@code sh_link}
     * @param info {@code sh_info}
     * @param addralign {@code sh_addralign}
     * @param entsize {@code sh_entsize}
     */
    public record Section(int index, String name, int type, long flags, long addr, long offset,
            long size, int link, int info, long addralign, long entsize) {
    }

    /**
     * Parses the section table.
     *
     * @param source the file name, for errors
     * @param data the whole file (not copied; the result refers to it)
     * @return the parsed table
     * @throws FormatException if the file is not a little-endian ELF64, is truncated, or a
     *         section or name lies outside it
     */
    public static Elf64 parse(String source, MemorySegment data) {
        Bytes b = new Bytes(source, data);
        String eh = "ELF64 file header";
        b.require(0, EHDR_SIZE, eh);
        int magic = b.i32(0, eh);
        if (magic != ELF_MAGIC) {
            throw b.error(eh, 0, Kind.BAD_MAGIC, String.format(
                    "e_ident magic is %s, not 7f 45 4c 46 (\\x7fELF)", hex4(magic)));
        }
        if (b.u8(4, eh) != ELFCLASS64) {
            throw b.error(eh, 4, Kind.BAD_VALUE, "EI_CLASS is " + b.u8(4, eh)
                    + ", not 2 (ELF64)");
        }
        if (b.u8(5, eh) != ELFDATA2LSB) {
            throw b.error(eh, 5, Kind.BAD_VALUE, "EI_DATA is " + b.u8(5, eh)
                    + ", not 1 (little-endian)");
        }
        int type = b.u16(0x10, eh);
        int machine = b.u16(E_MACHINE_OFFSET, eh);
        long shoff = b.u64(0x28, eh);
        int shentsize = b.u16(0x3a, eh);
        int shnum = b.u16(0x3c, eh);
        int shstrndx = b.u16(0x3e, eh);
        if (shnum == 0) {
            throw b.error(eh, 0x3c, Kind.MISSING, "e_shnum is 0: the file has no section table");
        }
        if (shentsize != SHDR_SIZE) {
            throw b.error(eh, 0x3a, Kind.BAD_VALUE, "e_shentsize is " + shentsize + ", not 64");
        }
        if (shstrndx >= shnum) {
            throw b.error(eh, 0x3e, Kind.BAD_VALUE, "e_shstrndx " + shstrndx
                    + " is not below e_shnum " + shnum);
        }
        b.requireRange(shoff, (long) shnum * SHDR_SIZE, eh, "section header table (e_shoff "
                + "0x" + Long.toHexString(shoff) + ", " + shnum + " entries)");
        // the string table first, to name the others
        long strOff = shoff + (long) shstrndx * SHDR_SIZE;
        int strSecType = b.i32(strOff + 4, "ELF64 section header " + shstrndx);
        if (strSecType != SHT_STRTAB) {
            // readelf -S names every section "<corrupt>" here; reading names from it would
            // list the sections under whatever bytes that section holds
            throw b.error(eh, 0x3e, Kind.BAD_VALUE, "e_shstrndx " + shstrndx + " names a section "
                    + "of sh_type " + Integer.toUnsignedString(strSecType) + ", not SHT_STRTAB ("
                    + SHT_STRTAB + "): the section names cannot be read");
        }
        long strSecOffset = b.u64(strOff + 24, "ELF64 section header " + shstrndx);
        long strSecSize = b.u64(strOff + 32, "ELF64 section header " + shstrndx);
        b.requireRange(strSecOffset, strSecSize, "ELF64 section header " + shstrndx
                + " (.shstrtab)", "section-name string table");
        List<Section> sections = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            long h = shoff + (long) i * SHDR_SIZE;
            String what = "ELF64 section header " + i;
            long nameIdx = b.u32(h, what);
            if (nameIdx >= Math.max(strSecSize, 1) && !(i == 0 && nameIdx == 0)) {
                throw b.error(what, h, Kind.OUT_OF_BOUNDS, "sh_name " + nameIdx
                        + " is past the end of the string table (" + strSecSize + " bytes)");
            }
            String name = strSecSize == 0 ? ""
                    : b.cstring(strSecOffset + nameIdx, strSecSize - nameIdx, what + " name");
            int stype = b.i32(h + 4, what);
            long offset = b.u64(h + 24, what);
            long size = b.u64(h + 32, what);
            if (stype != SHT_NOBITS && stype != 0) {
                b.requireRange(offset, size, what + " (" + name + ")", "section data");
            }
            sections.add(new Section(i, name, stype, b.u64(h + 8, what), b.u64(h + 16, what),
                    offset, size, b.i32(h + 40, what), b.i32(h + 44, what), b.u64(h + 48, what),
                    b.u64(h + 56, what)));
        }
        return new Elf64(source, data, type, machine, List.copyOf(sections));
    }

    private static String hex4(int v) {
        return String.format("%02x %02x %02x %02x", v & 0xff, (v >>> 8) & 0xff,
                (v >>> 16) & 0xff, (v >>> 24) & 0xff);
    }

    /** @return the first section with this name */
    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /**
     * @param name a section name
     * @return a zero-copy slice of the file holding the section's data
     * @throws FormatException (MISSING) naming the section and the file if it is absent
     */
    public MemorySegment sectionData(String name) {
        Section s = section(name).orElseThrow(() -> new FormatException(source,
                "ELF64 section table", -1, Kind.MISSING, "no section named " + name
                        + " (sections: " + sections.stream().skip(1).map(Section::name).toList()
                        + ")"));
        return sectionData(s);
    }

    /** @return a zero-copy slice holding the section's data (empty for SHT_NOBITS) */
    public MemorySegment sectionData(Section s) {
        if (s.type() == SHT_NOBITS || s.type() == 0) {
            return data.asSlice(0, 0);
        }
        return data.asSlice(s.offset(), s.size());
    }
}
