package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.List;
import org.nova.gpu.vm.VmAperture;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;

/**
 * The driver's own page-table walker: translates a VA of the address space an instance block
 * names by reading the tables in the chip's format ({@link MmuFormat}: version 2 on Turing to Ada,
 * version 3 with PD4 on top on Hopper and Blackwell) through {@link Pramin}, level by level, and explains each
 * step (which table, which index, the raw entry, what it means). It reads what is in VRAM, not
 * the {@link PageTableManager}'s bookkeeping, so tests compare the two and `nova:vm` shows what
 * the GPU would see. Walk rules as nouveau mmu/vmmgp100.c and vmmgh100.c write the tables: bit 0
 * marks a PTE; PD0's big half holds a 2 MiB PTE or points at the 64 KiB page table; a 64 KiB
 * entry the format marks "use the small table" ({@link MmuFormat#isLptUseSmall}) defers to the
 * 4 KiB table; the sparse encodings ({@link MmuFormat#isSparse}, {@link MmuFormat#isDualSparse})
 * end the walk as "sparse"; a valid PTE's aperture says
 * whether its address is a VRAM offset or a DMA address. Stateless apart from its Pramin;
 * thread-safe.
 */
public final class Walker {
    /**
     * One level of a walk.
     *
     * @param level the level's name
     * @param table VRAM address of the table read
     * @param index the entry's index
     * @param entry the entry's raw 64-bit value (a dual PDE's big half)
     * @param entryHigh a dual PDE's small half, else 0
     * @param meaning what the entry says
     */
    public record Step(String level, long table, int index, long entry, long entryHigh, String meaning) {
        @Override
        public String toString() {
            return entryHigh != 0 || level.equals(MmuV2.PD0.name()) // "PD0" in both formats
                    ? String.format("%-8s table 0x%x [%3d] = 0x%016x_%016x  %s", level, table, index, entryHigh, entry,
                            meaning)
                    : String.format("%-8s table 0x%x [%3d] = 0x%016x  %s", level, table, index, entry, meaning);
        }
    }

    /**
     * A walk's result.
     *
     * @param va the virtual address
     * @param steps the levels read, root first
     * @param pa the physical address, or -1 if the walk stopped at an invalid entry
     * @param pageShift the page size mapping {@code va} (12, 16, 21), or 0
     * @param readOnly whether the PTE forbids writes
     * @param fault why the walk stopped, or null (mapped or sparse)
     * @param aperture where the page lives, or null when not mapped
     * @param sparse whether the walk ended at a sparse entry
     */
    public record Walk(long va, List<Step> steps, long pa, int pageShift, boolean readOnly, String fault,
            VmAperture aperture, boolean sparse) {
        /** @return whether {@code va} is mapped */
        public boolean mapped() {
            return pa >= 0;
        }
    }

    private final Pramin pramin;
    private final MmuFormat format;

    /**
     * @param pramin the path the tables are read through
     * @param format the chip's page-table format
     */
    public Walker(Pramin pramin, MmuFormat format) {
        this.pramin = pramin;
        this.format = format;
    }

    /** @return the page-table format this walker reads */
    public MmuFormat format() {
        return format;
    }

    /**
     * @param instBlock VRAM address of the instance block
     * @param va the address to translate
     * @return the walk, with the fault that stopped it if any (never throws for bad entries)
     * @throws org.nova.driver.DriverException EINVAL if the instance block or a table lies
     *     outside VRAM
     */
    public Walk walk(long instBlock, long va) {
        List<Step> steps = new ArrayList<>();
        long dirBase = pramin.read64(instBlock + Ramin.PAGE_DIR_BASE_OFFSET);
        long limit = Ramin.lastVa(pramin.read64(instBlock + Ramin.ADR_LIMIT_OFFSET));
        if (!Ramin.USE_VER2_PT_FORMAT.isSet(dirBase)) {
            return stop(va, steps, "instance block does not select the version 2+ (NEW_PT) format");
        }
        if (Long.compareUnsigned(va, limit) > 0) {
            return stop(va, steps, String.format("VA above the space's limit 0x%x", limit));
        }
        long table = Ramin.pageDir(dirBase);
        List<MmuLevel> dirs = format.directories();
        for (MmuLevel level : dirs.subList(0, dirs.size() - 1)) {
            int i = level.index(va);
            long e = pramin.read64(table + (long) i * level.entrySize());
            if (format.isSparse(e)) {
                steps.add(new Step(level.name(), table, i, e, 0, "sparse"));
                return sparse(va, steps);
            }
            if (format.isPte(e)) {
                steps.add(new Step(level.name(), table, i, e, 0, "PTE at a directory level"));
                return stop(va, steps, level.name() + " holds a PTE (pages above 2 MiB are not used)");
            }
            long ap = format.pdeAperture(e);
            if (ap != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                steps.add(new Step(level.name(), table, i, e, 0, ap == 0 ? "invalid" : "aperture " + ap));
                return stop(va, steps, level.name() + " entry " + (ap == 0 ? "invalid" : "not in VRAM"));
            }
            long next = format.pdeAddress(e);
            steps.add(new Step(level.name(), table, i, e, 0, String.format("-> 0x%x", next)));
            table = next;
        }
        MmuLevel pd0 = format.pd0();
        MmuLevel lptLevel = format.lpt();
        MmuLevel sptLevel = format.spt();
        int i = pd0.index(va);
        long big = pramin.read64(table + (long) i * pd0.entrySize());
        long small = pramin.read64(table + (long) i * pd0.entrySize() + Long.BYTES);
        if (format.isPte(big)) {
            steps.add(new Step(pd0.name(), table, i, big, small, "2 MiB PTE"));
            return page(va, steps, big, pd0.shift());
        }
        long bigAp = format.dualBigAperture(big);
        long smallAp = format.dualSmallAperture(small);
        if (format.isDualSparse(big, small)) {
            steps.add(new Step(pd0.name(), table, i, big, small, "sparse 2 MiB"));
            return sparse(va, steps);
        }
        steps.add(new Step(pd0.name(), table, i, big, small, String.format("big %s, small %s",
                bigAp == 0 ? "-" : String.format("-> 0x%x", format.dualBigAddress(big)),
                smallAp == 0 ? "-" : String.format("-> 0x%x", format.dualSmallAddress(small)))));
        if (bigAp == 0 && smallAp == 0) {
            return stop(va, steps, "PD0 entry invalid");
        }
        if (bigAp != 0) {
            if (bigAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                return stop(va, steps, "big page table not in VRAM");
            }
            int j = lptLevel.index(va);
            long lpt = format.dualBigAddress(big);
            long e = pramin.read64(lpt + (long) j * lptLevel.entrySize());
            if (format.isPte(e)) {
                steps.add(new Step(lptLevel.name(), lpt, j, e, 0, "64 KiB PTE"));
                return page(va, steps, e, lptLevel.shift());
            }
            if (!format.isLptUseSmall(e)) {
                if (format.isSparse(e)) {
                    steps.add(new Step(lptLevel.name(), lpt, j, e, 0, "sparse"));
                    return sparse(va, steps);
                }
                steps.add(new Step(lptLevel.name(), lpt, j, e, 0, "invalid"));
                return stop(va, steps, "64 KiB PTE invalid");
            }
            steps.add(new Step(lptLevel.name(), lpt, j, e, 0, "use the 4 KiB table"));
        }
        if (smallAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
            return stop(va, steps, smallAp == 0 ? "no 4 KiB table" : "4 KiB table not in VRAM");
        }
        int j = sptLevel.index(va);
        long spt = format.dualSmallAddress(small);
        long e = pramin.read64(spt + (long) j * sptLevel.entrySize());
        if (format.isSparse(e)) {
            steps.add(new Step(sptLevel.name(), spt, j, e, 0, "sparse"));
            return sparse(va, steps);
        }
        if (!format.isPte(e)) {
            steps.add(new Step(sptLevel.name(), spt, j, e, 0, "invalid"));
            return stop(va, steps, "4 KiB PTE invalid");
        }
        steps.add(new Step(sptLevel.name(), spt, j, e, 0, "4 KiB PTE"));
        return page(va, steps, e, sptLevel.shift());
    }

    private Walk page(long va, List<Step> steps, long pte, int shift) {
        VmAperture ap = VmAperture.ofPte(format.pteAperture(pte));
        if (ap == null) {
            return stop(va, steps, "page in peer memory (aperture " + format.pteAperture(pte) + ")");
        }
        long pa = format.ptePageAddress(pte) + (va & ((1L << shift) - 1));
        return new Walk(va, List.copyOf(steps), pa, shift, format.isReadOnly(pte), null, ap, false);
    }

    private static Walk sparse(long va, List<Step> steps) {
        return new Walk(va, List.copyOf(steps), -1, 0, false, null, null, true);
    }

    private static Walk stop(long va, List<Step> steps, String why) {
        return new Walk(va, List.copyOf(steps), -1, 0, false, why, null, false);
    }
}
