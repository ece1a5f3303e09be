package org.nova.nvidia.mmu;

import java.util.List;

/** {@link MmuFormat#V3}: every method delegates to {@link MmuV3}. */
final class MmuV3Format implements MmuFormat {
    @Override
    public int version() {
        return 3;
    }

    @Override
    public int vaBits() {
        return MmuV3.VA_BITS;
    }

    @Override
    public List<MmuLevel> directories() {
        return MmuV3.DIRECTORIES;
    }

    @Override
    public MmuLevel spt() {
        return MmuV3.SPT;
    }

    @Override
    public MmuLevel lpt() {
        return MmuV3.LPT;
    }

    @Override
    public boolean isPte(long entry) {
        return MmuV3.PDE_IS_PTE.isSet(entry);
    }

    @Override
    public int pdeAperture(long pde) {
        return (int) MmuV3.PDE_APERTURE.get(pde);
    }

    @Override
    public int dualBigAperture(long big) {
        return (int) MmuV3.DUAL_PDE_APERTURE_BIG.get(big);
    }

    @Override
    public int dualSmallAperture(long small) {
        return (int) MmuV3.DUAL_PDE_APERTURE_SMALL.get(small);
    }

    @Override
    public long vramPde(long table) {
        return MmuV3.vramPde(table);
    }

    @Override
    public long dualBigVram(long table) {
        return MmuV3.dualBigVram(table);
    }

    @Override
    public long dualSmallVram(long table) {
        return MmuV3.dualSmallVram(table);
    }

    @Override
    public long pdeAddress(long pde) {
        return MmuV3.pdeAddress(pde);
    }

    @Override
    public long dualBigAddress(long big) {
        return MmuV3.dualBigAddress(big);
    }

    @Override
    public long dualSmallAddress(long small) {
        return MmuV3.dualSmallAddress(small);
    }

    @Override
    public long vramPte(long pa, boolean readOnly, boolean privileged) {
        return MmuV3.vramPte(pa, readOnly, privileged);
    }

    @Override
    public long sysPte(long addr, boolean coherent, boolean readOnly) {
        return MmuV3.sysPte(addr, coherent, readOnly);
    }

    @Override
    public int sysAddressBits() {
        return MmuV3.PTE_ADDRESS_SYS.width() + MmuV3.ADDRESS_SHIFT;
    }

    @Override
    public int pteAperture(long pte) {
        return (int) MmuV3.PTE_APERTURE.get(pte);
    }

    @Override
    public long ptePageAddress(long pte) {
        return MmuV3.ptePageAddress(pte);
    }

    @Override
    public boolean isPrivileged(long pte) {
        return MmuV3.isPrivileged(pte);
    }

    @Override
    public boolean isReadOnly(long pte) {
        return MmuV3.isReadOnly(pte);
    }

    @Override
    public long sparsePte() {
        return MmuV3.sparsePte();
    }

    @Override
    public long dualSparseBig() {
        return MmuV3.dualSparseBig();
    }

    @Override
    public boolean isSparse(long entry) {
        return MmuV3.isSparse(entry);
    }

    @Override
    public boolean isDualSparse(long big, long small) {
        return MmuV3.isDualSparse(big, small);
    }

    @Override
    public long lptUseSmall() {
        return MmuV3.lptUseSmall();
    }

    @Override
    public boolean isLptUseSmall(long lpte) {
        return MmuV3.isLptUseSmall(lpte);
    }

    @Override
    public String toString() {
        return "MMU format version 3";
    }
}
