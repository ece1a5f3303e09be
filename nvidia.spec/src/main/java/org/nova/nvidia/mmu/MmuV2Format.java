package org.nova.nvidia.mmu;

import java.util.List;

/** {@link MmuFormat#V2}: every method delegates to {@link MmuV2}. */
final class MmuV2Format implements MmuFormat {
    @Override
    public int version() {
        return 2;
    }

    @Override
    public int vaBits() {
        return MmuV2.VA_BITS;
    }

    @Override
    public List<MmuLevel> directories() {
        return MmuV2.DIRECTORIES;
    }

    @Override
    public MmuLevel spt() {
        return MmuV2.SPT;
    }

    @Override
    public MmuLevel lpt() {
        return MmuV2.LPT;
    }

    @Override
    public boolean isPte(long entry) {
        return MmuV2.PDE_IS_PTE.isSet(entry);
    }

    @Override
    public int pdeAperture(long pde) {
        return (int) MmuV2.PDE_APERTURE.get(pde);
    }

    @Override
    public int dualBigAperture(long big) {
        return (int) MmuV2.DUAL_PDE_APERTURE_BIG.get(big);
    }

    @Override
    public int dualSmallAperture(long small) {
        return (int) MmuV2.DUAL_PDE_APERTURE_SMALL.get(small);
    }

    @Override
    public long vramPde(long table) {
        return MmuV2.vramPde(table);
    }

    @Override
    public long dualBigVram(long table) {
        return MmuV2.dualBigVram(table);
    }

    @Override
    public long dualSmallVram(long table) {
        return MmuV2.dualSmallVram(table);
    }

    @Override
    public long pdeAddress(long pde) {
        return MmuV2.pdeAddress(pde);
    }

    @Override
    public long dualBigAddress(long big) {
        return MmuV2.dualBigAddress(big);
    }

    @Override
    public long dualSmallAddress(long small) {
        return MmuV2.dualSmallAddress(small);
    }

    @Override
    public long vramPte(long pa, boolean readOnly, boolean privileged) {
        return MmuV2.vramPte(pa, readOnly, privileged);
    }

    @Override
    public long sysPte(long addr, boolean coherent, boolean readOnly) {
        return MmuV2.sysPte(addr, coherent, readOnly);
    }

    @Override
    public int sysAddressBits() {
        return MmuV2.PTE_ADDRESS_SYS.width() + MmuV2.ADDRESS_SHIFT;
    }

    @Override
    public int pteAperture(long pte) {
        return (int) MmuV2.PTE_APERTURE.get(pte);
    }

    @Override
    public long ptePageAddress(long pte) {
        return MmuV2.ptePageAddress(pte);
    }

    @Override
    public boolean isPrivileged(long pte) {
        return MmuV2.PTE_PRIVILEGE.isSet(pte);
    }

    @Override
    public boolean isReadOnly(long pte) {
        return MmuV2.PTE_READ_ONLY.isSet(pte);
    }

    @Override
    public long sparsePte() {
        return MmuV2.sparsePte();
    }

    @Override
    public long dualSparseBig() {
        return MmuV2.dualSparseBig();
    }

    @Override
    public boolean isSparse(long entry) {
        return MmuV2.isSparse(entry);
    }

    @Override
    public boolean isDualSparse(long big, long small) {
        return MmuV2.isDualSparse(big, small);
    }

    @Override
    public long lptUseSmall() {
        return MmuV2.lptUseSmall();
    }

    @Override
    public boolean isLptUseSmall(long lpte) {
        return MmuV2.isLptUseSmall(lpte);
    }

    @Override
    public String toString() {
        return "MMU format version 2";
    }
}
