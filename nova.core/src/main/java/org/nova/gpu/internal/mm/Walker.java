package org.nova.gpu.internal.mm;

import java.util.ArrayList;
import java.util.List;
import org.nova.gpu.vm.VmAperture;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;

/**
 * The driver's own page-table walker: translates a VA of the address space an instance block
 * names by reading the version 2 tables through {@link Pramin}, level by level, and explains each
 * step (which table, which index, the raw entry, what it means). It reads what is in VRAM, not
 * the {@link PageTableManager}'s bookkeeping, so tests compare the two and `nova:vm` shows what
 * the GPU would see. Walk rules as nouveau mmu/vmmgp100.c writes the tables: bit 0 marks a PTE;
 * PD0's big half holds a 2 MiB PTE or points at the 64 KiB page table; a 64 KiB entry that is
 * invalid with PRIV set defers to the 4 KiB table; the sparse encodings (VALID clear + VOL in a
 * PTE or single PDE, VOL_BIG in a dual PDE) end the walk as "sparse"; a valid PTE's aperture says
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
            return entryHigh != 0 || level.equals(MmuV2.PD0.name())
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

    /** @param pramin the path the tables are read through */
    public Walker(Pramin pramin) {
        this.pramin = pramin;
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
            return stop(va, steps, "instance block does not select the version 2 format");
        }
        if (Long.compareUnsigned(va, limit) > 0) {
            return stop(va, steps, String.format("VA above the space's limit 0x%x", limit));
        }
        long table = Ramin.pageDir(dirBase);
        for (MmuLevel level : List.of(MmuV2.PD3, MmuV2.PD2, MmuV2.PD1)) {
            int i = level.index(va);
            long e = pramin.read64(table + (long) i * level.entrySize());
            if (MmuV2.isSparse(e)) {
                steps.add(new Step(level.name(), table, i, e, 0, "sparse"));
                return sparse(va, steps);
            }
            if (MmuV2.PDE_IS_PTE.isSet(e)) {
                steps.add(new Step(level.name(), table, i, e, 0, "PTE at a directory level"));
                return stop(va, steps, level.name() + " holds a PTE (pages above 2 MiB are not used)");
            }
            long ap = MmuV2.PDE_APERTURE.get(e);
            if (ap != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                steps.add(new Step(level.name(), table, i, e, 0, ap == 0 ? "invalid" : "aperture " + ap));
                return stop(va, steps, level.name() + " entry " + (ap == 0 ? "invalid" : "not in VRAM"));
            }
            long next = MmuV2.pdeAddress(e);
            steps.add(new Step(level.name(), table, i, e, 0, String.format("-> 0x%x", next)));
            table = next;
        }
        int i = MmuV2.PD0.index(va);
        long big = pramin.read64(table + (long) i * MmuV2.PD0.entrySize());
        long small = pramin.read64(table + (long) i * MmuV2.PD0.entrySize() + Long.BYTES);
        if (MmuV2.PTE_VALID.isSet(big)) {
            steps.add(new Step(MmuV2.PD0.name(), table, i, big, small, "2 MiB PTE"));
            return page(va, steps, big, MmuV2.PAGE_SHIFT_2M);
        }
        long bigAp = MmuV2.DUAL_PDE_APERTURE_BIG.get(big);
        long smallAp = MmuV2.DUAL_PDE_APERTURE_SMALL.get(small);
        if (MmuV2.isDualSparse(big, small)) {
            steps.add(new Step(MmuV2.PD0.name(), table, i, big, small, "sparse 2 MiB"));
            return sparse(va, steps);
        }
        steps.add(new Step(MmuV2.PD0.name(), table, i, big, small, String.format("big %s, small %s",
                bigAp == 0 ? "-" : String.format("-> 0x%x", MmuV2.dualBigAddress(big)),
                smallAp == 0 ? "-" : String.format("-> 0x%x", MmuV2.dualSmallAddress(small)))));
        if (bigAp == 0 && smallAp == 0) {
            return stop(va, steps, "PD0 entry invalid");
        }
        if (bigAp != 0) {
            if (bigAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                return stop(va, steps, "big page table not in VRAM");
            }
            int j = MmuV2.LPT.index(va);
            long lpt = MmuV2.dualBigAddress(big);
            long e = pramin.read64(lpt + (long) j * MmuV2.LPT.entrySize());
            if (MmuV2.PTE_VALID.isSet(e)) {
                steps.add(new Step(MmuV2.LPT.name(), lpt, j, e, 0, "64 KiB PTE"));
                return page(va, steps, e, MmuV2.PAGE_SHIFT_64K);
            }
            if (MmuV2.isSparse(e) && !MmuV2.PTE_PRIVILEGE.isSet(e)) {
                steps.add(new Step(MmuV2.LPT.name(), lpt, j, e, 0, "sparse"));
                return sparse(va, steps);
            }
            if (!MmuV2.PTE_PRIVILEGE.isSet(e)) {
                steps.add(new Step(MmuV2.LPT.name(), lpt, j, e, 0, "invalid"));
                return stop(va, steps, "64 KiB PTE invalid");
            }
            steps.add(new Step(MmuV2.LPT.name(), lpt, j, e, 0, "use the 4 KiB table"));
        }
        if (smallAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
            return stop(va, steps, smallAp == 0 ? "no 4 KiB table" : "4 KiB table not in VRAM");
        }
        int j = MmuV2.SPT.index(va);
        long spt = MmuV2.dualSmallAddress(small);
        long e = pramin.read64(spt + (long) j * MmuV2.SPT.entrySize());
        if (MmuV2.isSparse(e)) {
            steps.add(new Step(MmuV2.SPT.name(), spt, j, e, 0, "sparse"));
            return sparse(va, steps);
        }
        if (!MmuV2.PTE_VALID.isSet(e)) {
            steps.add(new Step(MmuV2.SPT.name(), spt, j, e, 0, "invalid"));
            return stop(va, steps, "4 KiB PTE invalid");
        }
        steps.add(new Step(MmuV2.SPT.name(), spt, j, e, 0, "4 KiB PTE"));
        return page(va, steps, e, MmuV2.PAGE_SHIFT_4K);
    }

    private static Walk page(long va, List<Step> steps, long pte, int shift) {
        VmAperture ap = VmAperture.ofPte(MmuV2.PTE_APERTURE.get(pte));
        if (ap == null) {
            return stop(va, steps, "page in peer memory (aperture " + MmuV2.PTE_APERTURE.get(pte) + ")");
        }
        long pa = MmuV2.ptePageAddress(pte) + (va & ((1L << shift) - 1));
        return new Walk(va, List.copyOf(steps), pa, shift, MmuV2.PTE_READ_ONLY.isSet(pte), null, ap, false);
    }

    private static Walk sparse(long va, List<Step> steps) {
        return new Walk(va, List.copyOf(steps), -1, 0, false, null, null, true);
    }

    private static Walk stop(long va, List<Step> steps, String why) {
        return new Walk(va, List.copyOf(steps), -1, 0, false, why, null, false);
    }
}
