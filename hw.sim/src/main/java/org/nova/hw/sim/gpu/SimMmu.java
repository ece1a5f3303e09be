package org.nova.hw.sim.gpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.FaultType;
import org.nova.nvidia.mmu.MmuFormat;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.mmu.MmuLevel;
import org.nova.nvidia.mmu.MmuV2;
import org.nova.nvidia.mmu.Ramin;

/**
 * The GPU MMU: translates a virtual address of the address space an instance block names through
 * the page tables in VRAM in the chip's format ({@link MmuHal#format()}: version 2 on Turing to
 * Ada, {@link MmuV2}: PD3, PD2, PD1, the dual PD0, a 4 KiB or 64 KiB page table, or a 2 MiB PTE
 * in PD0; version 3 on Hopper and Blackwell, {@link org.nova.nvidia.mmu.MmuV3}: PD4 above the
 * same shape, 57-bit VAs, permissions in the PCF), through the {@link SimTlb} first, and records every
 * refusal as a fault ({@link SimMmuFault}: VA, access type, fault type) the way the fault buffer
 * reports them (open-gpu-kernel-modules volta/gv100 dev_fault.h codes, for version 3 too:
 * hopper/gh100/dev_fault.h publishes only engine and client ids, no NV_PFAULT_FAULT_TYPE). Walk rules follow nouveau mmu/vmmgp100.c and vmmgh100.c: bit
 * 0 set marks a PTE, a dual PDE's big half holds a 2 MiB PTE or the big page table, a big-page PTE
 * the format marks "use the small table" ({@link MmuFormat#isLptUseSmall}; v2: invalid with
 * PRIVILEGE, v3: PCF INVALID) sends the walk to the small page table, any other invalid entry
 * faults (v3's NO_VALID_4KB_PAGE among them) — except the sparse encodings (v2: VALID clear with
 * VOL, v3: PCF SPARSE, in a PTE or a single PDE; a dual PDE's big half sparse with both
 * apertures INVALID), which translate to
 * "sparse": no page, reads return zero, writes are dropped, nothing is recorded. A valid PTE with
 * a system memory aperture (coherent or not) yields the DMA address in its SYS address field,
 * which the GPU reaches through the host's IOMMU ({@link GpuHost}).
 *
 * <p>Where NVIDIA does not say what the hardware does, the simulator refuses rather than guess,
 * each named in the fault's reason: page tables or page directories outside VRAM
 * (UNSUPPORTED_APERTURE: only VRAM tables are modelled), a PTE at PD3..PD1 (PDE: pages larger
 * than 2 MiB are not modelled), a page address not aligned to its page size or beyond VRAM (PTE),
 * an instance block without the USE_VER2_PT_FORMAT bit (set for version 3 too: nouveau's gh100
 * VMM joins through gv100_vmm_join) or 64 KiB big pages (UNBOUND_INST_BLOCK), a PTE at PD1 (v3's
 * 512 MiB pages are not modelled; PDE). A
 * privileged page faults PRIV_VIOLATION for the clients modelled here (BAR1 and test clients are
 * not privileged); a write to a read-only page faults RO_VIOLATION; a peer-memory page faults
 * UNSUPPORTED_APERTURE (no peers exist).
 *
 * <p>Called with the function's lock held.
 */
final class SimMmu {
    /** Faults kept for {@link #faults()}; older ones drop off (the count keeps counting). */
    static final int FAULT_LOG = 1024;

    /**
     * A translation.
     *
     * @param pa the physical address
     * @param aperture the PTE's aperture (MmuV2.PTE_APERTURE_*)
     * @param pageShift the page size that mapped it (for a sparse translation: the span the
     *     sparse entry covers)
     * @param sparse whether the VA lies in a sparse entry: no page, reads return zero, writes are
     *     dropped ({@code pa} and {@code aperture} are -1)
     */
    record Translation(long pa, int aperture, int pageShift, boolean sparse) {
        Translation(long pa, int aperture, int pageShift) {
            this(pa, aperture, pageShift, false);
        }

        static Translation sparse(int shift) {
            return new Translation(-1, -1, shift, true);
        }
    }

    /** The result of one walk: the PTE and its page size, or a fault, or a sparse entry. */
    private record Walk(long pte, int pageShift, FaultType fault, String reason, boolean sparse) {
        Walk(long pte, int pageShift, FaultType fault, String reason) {
            this(pte, pageShift, fault, reason, false);
        }

        static Walk fault(FaultType t, String reason) {
            return new Walk(0, 0, t, reason);
        }

        static Walk sparse(int shift) {
            return new Walk(0, shift, null, null, true);
        }
    }

    private final NvidiaGpu gpu;
    private final SimVram vram;
    /** The chip's page-table format. */
    private final MmuFormat format;
    private final SimTlb tlb = new SimTlb();
    private final ArrayDeque<SimMmuFault> faults = new ArrayDeque<>();
    private long faultCount;
    private long walks;

    SimMmu(NvidiaGpu gpu, SimVram vram) {
        this.gpu = gpu;
        this.vram = vram;
        this.format = MmuHal.of(gpu.architecture()).format();
    }

    /** @return the page-table format this MMU walks */
    MmuFormat format() {
        return format;
    }

    /** @return the TLB */
    SimTlb tlb() {
        return tlb;
    }

    /** Power-on: the TLB is empty (the fault log is the simulator's record and stays). */
    void powerOn() {
        tlb.invalidateAll();
    }

    /**
     * Translates one access.
     *
     * @param instBlock VRAM address of the instance block of the address space
     * @param va the virtual address
     * @param access what the client does
     * @param client who, for the fault record
     * @return the translation, or null after recording a fault
     */
    Translation translate(long instBlock, long va, FaultAccess access, String client) {
        return translate(instBlock, va, access, client, false);
    }

    /**
     * Translates as {@link #translate} would right after a TLB invalidate, leaving no trace: no
     * fault recorded, the TLB neither read nor filled, no walk counted. For {@link SimBar1View},
     * which lays out the CPU's view of BAR1 after each bind and invalidate.
     *
     * @return the translation, or null where {@link #translate} would fault
     */
    Translation peek(long instBlock, long va, FaultAccess access) {
        return translate(instBlock, va, access, SimBar1.CLIENT, true);
    }

    /**
     * @return how many bytes from {@code va} on are refused at the directory levels (an invalid
     *     PD3, PD2 or PD1 entry, or a PD0 entry with neither a 2 MiB page nor a page table), so
     *     that {@link SimBar1View} can skip them whole; 0 when {@code va}'s page needs a full
     *     translation. Leaves no trace, as {@link #peek}.
     */
    long unmappedSpan(long instBlock, long va) {
        if (instBlock < 0 || instBlock + Ramin.SIZE > vram.size()) {
            return 0;
        }
        long dirBase = vram.read(instBlock + Ramin.PAGE_DIR_BASE_OFFSET, Long.BYTES);
        if (Ramin.PAGE_DIR_BASE_TARGET.get(dirBase) != Ramin.TARGET_VID_MEM) {
            return 0;
        }
        long table = Ramin.pageDir(dirBase);
        List<MmuLevel> dirs = format.directories();
        for (MmuLevel level : dirs.subList(0, dirs.size() - 1)) {
            long at = table + (long) level.index(va) * level.entrySize();
            if (at + Long.BYTES > vram.size()) {
                return 0;
            }
            long e = vram.read(at, Long.BYTES);
            if (format.isPte(e) || format.pdeAperture(e) != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                return format.pdeAperture(e) == MmuV2.PDE_APERTURE_INVALID && !format.isPte(e)
                        ? level.entrySpan() - (va & (level.entrySpan() - 1)) : 0;
            }
            table = format.pdeAddress(e);
        }
        MmuLevel pd0 = format.pd0();
        long at = table + (long) pd0.index(va) * pd0.entrySize();
        if (at + pd0.entrySize() > vram.size()) {
            return 0;
        }
        long big = vram.read(at, Long.BYTES);
        long small = vram.read(at + Long.BYTES, Long.BYTES);
        boolean empty = !format.isPte(big)
                && format.dualBigAperture(big) == MmuV2.PDE_APERTURE_INVALID
                && format.dualSmallAperture(small) == MmuV2.PDE_APERTURE_INVALID;
        return empty ? pd0.entrySpan() - (va & (pd0.entrySpan() - 1)) : 0;
    }

    private Translation translate(long instBlock, long va, FaultAccess access, String client, boolean peek) {
        if (instBlock < 0 || instBlock + Ramin.SIZE > vram.size() || (instBlock & (Ramin.SIZE - 1)) != 0) {
            return peek ? null : fault(instBlock, va, access, FaultType.UNBOUND_INST_BLOCK, client,
                    "instance block not a 4 KiB block inside VRAM");
        }
        long dirBase = vram.read(instBlock + Ramin.PAGE_DIR_BASE_OFFSET, Long.BYTES);
        long limit = vram.read(instBlock + Ramin.ADR_LIMIT_OFFSET, Long.BYTES);
        if (!Ramin.USE_VER2_PT_FORMAT.isSet(dirBase)) {
            return peek ? null : fault(instBlock, va, access, FaultType.UNBOUND_INST_BLOCK, client,
                    "NV_RAMIN_USE_VER2_PT_FORMAT clear (the pre-Pascal formats are not modelled)");
        }
        if (Ramin.BIG_PAGE_SIZE.get(dirBase) != Ramin.BIG_PAGE_SIZE_64KB) {
            return peek ? null : fault(instBlock, va, access, FaultType.UNBOUND_INST_BLOCK, client,
                    "NV_RAMIN_BIG_PAGE_SIZE is not 64KB (128 KiB big pages are not modelled)");
        }
        if (Ramin.PAGE_DIR_BASE_TARGET.get(dirBase) != Ramin.TARGET_VID_MEM) {
            return peek ? null : fault(instBlock, va, access, FaultType.UNSUPPORTED_APERTURE, client,
                    "page directory outside VRAM (not modelled)");
        }
        if (va < 0 || va >>> format.vaBits() != 0 || Long.compareUnsigned(va, Ramin.lastVa(limit)) > 0) {
            return peek ? null : fault(instBlock, va, access, FaultType.VA_LIMIT_VIOLATION, client,
                    String.format("above NV_RAMIN_ADR_LIMIT 0x%x", Ramin.lastVa(limit)));
        }
        long pdb = Ramin.pageDir(dirBase);
        SimTlb.Entry e = peek ? null : tlb.lookup(pdb, va);
        if (e == null) {
            if (!peek) {
                walks++;
            }
            Walk w = walk(pdb, va);
            if (w.fault() != null) {
                return peek ? null : fault(instBlock, va, access, w.fault(), client, w.reason());
            }
            if (w.sparse()) {
                // not cached: the TLB holds translations to pages, a sparse entry has none
                return Translation.sparse(w.pageShift());
            }
            long base = format.ptePageAddress(w.pte());
            int aperture = format.pteAperture(w.pte());
            if ((base & ((1L << w.pageShift()) - 1)) != 0) {
                return peek ? null : fault(instBlock, va, access, FaultType.PTE, client, String.format(
                        "PTE 0x%016x: page address 0x%x not aligned to its %d KiB page", w.pte(), base,
                        (1L << w.pageShift()) >> 10));
            }
            if (aperture == MmuV2.PTE_APERTURE_VIDEO_MEMORY && base + (1L << w.pageShift()) > vram.size()) {
                return peek ? null : fault(instBlock, va, access, FaultType.PTE, client, String.format(
                        "PTE 0x%016x: page 0x%x beyond the %d bytes of VRAM", w.pte(), base, vram.size()));
            }
            e = new SimTlb.Entry(base, w.pageShift(), w.pte());
            if (!peek) {
                tlb.fill(pdb, va, e);
            }
        }
        int aperture = format.pteAperture(e.pte());
        if (aperture == MmuV2.PTE_APERTURE_PEER_MEMORY) {
            return peek ? null : fault(instBlock, va, access, FaultType.UNSUPPORTED_APERTURE, client,
                    String.format("PTE 0x%016x: peer memory (no peer GPU exists)", e.pte()));
        }
        if (format.isPrivileged(e.pte())) {
            return peek ? null : fault(instBlock, va, access, FaultType.PRIV_VIOLATION, client,
                    String.format("PTE 0x%016x: privileged page, %s is not a privileged client", e.pte(), client));
        }
        if (access == FaultAccess.VIRT_WRITE && format.isReadOnly(e.pte())) {
            return peek ? null : fault(instBlock, va, access, FaultType.RO_VIOLATION, client,
                    String.format("PTE 0x%016x: read-only page", e.pte()));
        }
        return new Translation(e.pageBase() + (va & ((1L << e.pageShift()) - 1)), aperture, e.pageShift());
    }

    private Walk walk(long pdb, long va) {
        long table = pdb;
        List<MmuLevel> dirs = format.directories();
        for (MmuLevel level : dirs.subList(0, dirs.size() - 1)) {
            int i = level.index(va);
            long at = table + (long) i * level.entrySize();
            if (at + Long.BYTES > vram.size()) {
                return Walk.fault(FaultType.PDE, String.format("%s at 0x%x lies beyond VRAM", level.name(), table));
            }
            long e = vram.read(at, Long.BYTES);
            if (format.isPte(e)) {
                return Walk.fault(FaultType.PDE, String.format(
                        "%s[%d] = 0x%016x is a PTE (pages above 2 MiB are not modelled)", level.name(), i, e));
            }
            long ap = format.pdeAperture(e);
            if (format.isSparse(e)) {
                return Walk.sparse(level.shift());
            }
            if (ap == MmuV2.PDE_APERTURE_INVALID) {
                return Walk.fault(FaultType.PDE, String.format("%s[%d] = 0x%016x is invalid", level.name(), i, e));
            }
            if (ap != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                return Walk.fault(FaultType.UNSUPPORTED_APERTURE, String.format(
                        "%s[%d] = 0x%016x points outside VRAM (not modelled)", level.name(), i, e));
            }
            table = format.pdeAddress(e);
        }
        MmuLevel pd0 = format.pd0();
        MmuLevel lpt = format.lpt();
        MmuLevel spt = format.spt();
        int i = pd0.index(va);
        long at = table + (long) i * pd0.entrySize();
        if (at + pd0.entrySize() > vram.size()) {
            return Walk.fault(FaultType.PDE, String.format("PD0 at 0x%x lies beyond VRAM", table));
        }
        long big = vram.read(at, Long.BYTES);
        long small = vram.read(at + Long.BYTES, Long.BYTES);
        if (format.isPte(big)) {
            return new Walk(big, pd0.shift(), null, null);
        }
        long bigAp = format.dualBigAperture(big);
        long smallAp = format.dualSmallAperture(small);
        if (format.isDualSparse(big, small)) {
            return Walk.sparse(pd0.shift());
        }
        if (bigAp == MmuV2.PDE_APERTURE_INVALID && smallAp == MmuV2.PDE_APERTURE_INVALID) {
            return Walk.fault(FaultType.PDE, String.format("PD0[%d] = 0x%016x_%016x is invalid", i, small, big));
        }
        if (bigAp != MmuV2.PDE_APERTURE_INVALID) {
            if (bigAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
                return Walk.fault(FaultType.UNSUPPORTED_APERTURE, String.format(
                        "PD0[%d] big half 0x%016x points outside VRAM (not modelled)", i, big));
            }
            int j = lpt.index(va);
            long lpte = vram.read(format.dualBigAddress(big) + (long) j * lpt.entrySize(), Long.BYTES);
            if (format.isPte(lpte)) {
                return new Walk(lpte, lpt.shift(), null, null);
            }
            if (!format.isLptUseSmall(lpte)) {
                if (format.isSparse(lpte)) {
                    return Walk.sparse(lpt.shift());
                }
                return Walk.fault(FaultType.PTE, String.format("PT(64K)[%d] = 0x%016x is invalid", j, lpte));
            }
            // this 64 KiB is mapped by the small page table
        }
        if (smallAp == MmuV2.PDE_APERTURE_INVALID) {
            return Walk.fault(FaultType.PDE, String.format("PD0[%d] small half 0x%016x is invalid", i, small));
        }
        if (smallAp != MmuV2.PDE_APERTURE_VIDEO_MEMORY) {
            return Walk.fault(FaultType.UNSUPPORTED_APERTURE, String.format(
                    "PD0[%d] small half 0x%016x points outside VRAM (not modelled)", i, small));
        }
        int j = spt.index(va);
        long spte = vram.read(format.dualSmallAddress(small) + (long) j * spt.entrySize(), Long.BYTES);
        if (format.isSparse(spte)) {
            return Walk.sparse(spt.shift());
        }
        if (!format.isPte(spte)) {
            return Walk.fault(FaultType.PTE, String.format("PT(4K)[%d] = 0x%016x is invalid", j, spte));
        }
        return new Walk(spte, spt.shift(), null, null);
    }

    private Translation fault(long inst, long va, FaultAccess access, FaultType type, String client, String reason) {
        SimMmuFault f = new SimMmuFault(inst, va, access, type, client, reason);
        synchronized (faults) {
            if (faults.size() == FAULT_LOG) {
                faults.removeFirst();
            }
            faults.addLast(f);
            faultCount++;
        }
        gpu.log("MMU fault: {}", f);
        return null;
    }

    /** @return the faults recorded, oldest first (at most {@link #FAULT_LOG}) */
    List<SimMmuFault> faults() {
        synchronized (faults) {
            return new ArrayList<>(faults);
        }
    }

    /** @return faults recorded since creation */
    long faultCount() {
        synchronized (faults) {
            return faultCount;
        }
    }

    /** @return page-table walks done (TLB misses) */
    long walks() {
        return walks;
    }
}
