package org.nova.nvidia.fw;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.nova.nvidia.internal.Bytes;

/**
 * Writes a relocatable little-endian ELF64 file made of named {@code PROGBITS} sections, laid
 * out like NVIDIA's GSP images: the file header, each section's data in order (the first at
 * offset 0x40), the {@code .shstrtab}, then the section header table 8-byte aligned. Used by
 * the simulated GPU to generate GSP images in the real format.
 */
public final class Elf64Builder {
    private record Pending(String name, MemorySegment data, long flags) {
    }

    private final List<Pending> sections = new ArrayList<>();
    private int machine = Elf64.EM_RISCV;

    /** @param machine the {@code e_machine} to write (default RISC-V) */
    public Elf64Builder machine(int machine) {
        this.machine = machine;
        return this;
    }

    /** Adds a section with flags 0. */
    public Elf64Builder section(String name, byte[] data) {
        return section(name, MemorySegment.ofArray(data), 0);
    }

    /**
     * @param name section name
     * @param data its contents (copied when {@link #build} runs)
     * @param flags {@code sh_flags} (the .fwimage of NVIDIA's files has WA = 3)
     */
    public Elf64Builder section(String name, MemorySegment data, long flags) {
        sections.add(new Pending(name, data, flags));
        return this;
    }

    /** @return the size in bytes the built file will have */
    public long size() {
        return layout(new long[sections.size() + 2], new int[sections.size() + 2]);
    }

    private long layout(long[] offsets, int[] nameIdx) {
        long pos = Elf64.EHDR_SIZE;
        int strPos = 1;
        for (int i = 0; i < sections.size(); i++) {
            offsets[i] = pos;
            pos += sections.get(i).data.byteSize();
            nameIdx[i] = strPos;
            strPos += sections.get(i).name.getBytes(StandardCharsets.US_ASCII).length + 1;
        }
        nameIdx[sections.size()] = strPos;
        strPos += ".shstrtab".length() + 1;
        offsets[sections.size()] = pos; // shstrtab
        pos += strPos;
        offsets[sections.size() + 1] = (pos + 7) & ~7L; // section headers
        return offsets[sections.size() + 1] + (long) (sections.size() + 2) * Elf64.SHDR_SIZE;
    }

    /**
     * @param arena where to allocate the file
     * @return the file's bytes
     */
    public MemorySegment build(Arena arena) {
        long[] offsets = new long[sections.size() + 2];
        int[] nameIdx = new int[sections.size() + 2];
        long total = layout(offsets, nameIdx);
        MemorySegment out = arena.allocate(total, 8);
        out.fill((byte) 0);
        int n = sections.size();
        int shnum = n + 2;
        // file header
        Bytes.put32(out, 0, Elf64.ELF_MAGIC);
        Bytes.put8(out, 4, Elf64.ELFCLASS64);
        Bytes.put8(out, 5, Elf64.ELFDATA2LSB);
        Bytes.put8(out, 6, 1); // EI_VERSION
        Bytes.put16(out, 0x10, Elf64.ET_REL);
        Bytes.put16(out, 0x12, machine);
        Bytes.put32(out, 0x14, 1); // e_version
        Bytes.put64(out, 0x28, offsets[n + 1]);
        Bytes.put16(out, 0x34, Elf64.EHDR_SIZE);
        Bytes.put16(out, 0x3a, Elf64.SHDR_SIZE);
        Bytes.put16(out, 0x3c, shnum);
        Bytes.put16(out, 0x3e, n + 1);
        // data and names
        long strtab = offsets[n];
        for (int i = 0; i < n; i++) {
            Pending p = sections.get(i);
            MemorySegment.copy(p.data, 0, out, offsets[i], p.data.byteSize());
            byte[] nm = p.name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(MemorySegment.ofArray(nm), 0, out, strtab + nameIdx[i], nm.length);
        }
        byte[] sh = ".shstrtab".getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(sh), 0, out, strtab + nameIdx[n], sh.length);
        // section headers: [0] null, [1..n] data, [n+1] .shstrtab
        long shoff = offsets[n + 1];
        for (int i = 0; i < n; i++) {
            long h = shoff + (long) (i + 1) * Elf64.SHDR_SIZE;
            Pending p = sections.get(i);
            Bytes.put32(out, h, nameIdx[i]);
            Bytes.put32(out, h + 4, Elf64.SHT_PROGBITS);
            Bytes.put64(out, h + 8, p.flags);
            Bytes.put64(out, h + 24, offsets[i]);
            Bytes.put64(out, h + 32, p.data.byteSize());
            Bytes.put64(out, h + 48, 1);
        }
        long h = shoff + (long) (n + 1) * Elf64.SHDR_SIZE;
        Bytes.put32(out, h, nameIdx[n]);
        Bytes.put32(out, h + 4, Elf64.SHT_STRTAB);
        Bytes.put64(out, h + 24, strtab);
        Bytes.put64(out, h + 32, nameIdx[n] + sh.length + 1L);
        Bytes.put64(out, h + 48, 1);
        return out;
    }
}
