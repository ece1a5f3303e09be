package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Register;

/**
 * The sysmem flush page registers, per architecture as nova-core's fb/hal programs them (fb.rs
 * SysmemFlush explains the use): the page the GPU's sysmembar flushes its PCIe writes to system
 * memory through. A falcon's reset acknowledgement is such a write, so without a page the host can
 * reach, a falcon reset never completes ({@link SimFalcon}).
 *
 * <ul>
 *   <li>Turing: NV_PFB_NISO_FLUSH_SYSMEM_ADDR, address bits 39:8 (fb/hal/tu102.rs);
 *   <li>GA100 to Ada: and NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI, bits 63:40 (fb/hal/ga100.rs);
 *   <li>Hopper: NV_PFB_FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO/HI, the raw address in halves, bits 7:0
 *       ignored (fb/hal/gh100.rs);
 *   <li>GB10x: HSHUB0's primary and egress pairs, which must hold the same address (fb/hal/gb100.rs);
 *   <li>GB20x: FBHUB0's pair (fb/hal/gb202.rs).
 * </ul>
 * The NISO registers are not decoded from Hopper on: what the host writes there lands in BAR0's
 * plain storage and flushes nothing.
 *
 * <p>Owns the register values; power-on clears them. Threading: accessed with the function's
 * lock held, like every register.
 */
final class SimSysmemFlush implements Bar0Unit {
    /** One host page: what the flush writes land in (nova-core allocates PAGE_SIZE). */
    static final int PAGE = 4096;
    /** Bits 7:0 of the Hopper and Blackwell LO registers: the hardware ignores them. */
    private static final long LO_IGNORED = 0xff;

    /** One LO/HI pair of a Hopper or Blackwell flush register. */
    private record Pair(Register lo, Register hi) {
    }

    private final NvidiaGpu gpu;
    private final Chipset chip;
    /** From Hopper on: the pairs the chip decodes, the first the one read back; empty before. */
    private final List<Pair> pairs;
    /** Register offset to its value. */
    private final Map<Integer, Integer> values = new HashMap<>();

    SimSysmemFlush(NvidiaGpu gpu, Chipset chip) {
        this.gpu = gpu;
        this.chip = chip;
        this.pairs = switch (chip.architecture()) {
            case HOPPER -> List.of(new Pair(Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO, Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI));
            case BLACKWELL_GB10X -> List.of(
                    new Pair(Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100, Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100),
                    new Pair(Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100,
                            Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100));
            case BLACKWELL_GB20X -> List.of(new Pair(Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_LO_GB202,
                    Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_HI_GB202));
            default -> List.of();
        };
    }

    private boolean niso() {
        return pairs.isEmpty();
    }

    private boolean nisoHi() {
        return chip.compareTo(Chipset.GA100) >= 0;
    }

    /** Power-on or reset: no page registered. */
    void powerOn() {
        values.clear();
    }

    private long value(Register r) {
        return Integer.toUnsignedLong(values.getOrDefault(r.address(), 0));
    }

    private long address(Pair p) {
        return (long) Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_ADR.get((int) value(p.hi())) << Integer.SIZE
                | value(p.lo()) & ~LO_IGNORED;
    }

    /** @return the registered page's bus address, 0 if none */
    long address() {
        if (!niso()) {
            return address(pairs.get(0));
        }
        long a = value(Pfb.NISO_FLUSH_SYSMEM_ADDR) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT;
        if (nisoHi()) {
            a |= (long) Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.get((int) value(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI))
                    << Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI;
        }
        return a;
    }

    /**
     * @return why a sysmembar cannot flush now (no page registered, GB10x's pairs disagree, or the
     *     host does not let the GPU reach it), or null when it can
     */
    String unusableReason() {
        long a = address();
        if (a == 0) {
            return (niso() ? Pfb.NISO_FLUSH_SYSMEM_ADDR : pairs.get(0).lo()).name()
                    + " is unset (no sysmem flush page registered)";
        }
        for (Pair p : pairs) {
            if (address(p) != a) {
                return String.format("%s holds 0x%x but %s 0x%x: %s routes sysmembar through both, which must "
                        + "hold the same page", p.lo().name(), address(p), pairs.get(0).lo().name(), a, chip);
            }
        }
        if (!gpu.host().dmaRead(a, MemorySegment.ofArray(new byte[PAGE]))) {
            return String.format("the sysmem flush page 0x%x is not memory the GPU may reach (the IOMMU refuses it)",
                    a);
        }
        return null;
    }

    @Override
    public boolean decodes(int off) {
        if (niso()) {
            return off == Pfb.NISO_FLUSH_SYSMEM_ADDR.address()
                    || nisoHi() && off == Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address();
        }
        return pairs.stream().anyMatch(p -> off == p.lo().address() || off == p.hi().address());
    }

    @Override
    public int read(int off) {
        return values.getOrDefault(off, 0);
    }

    @Override
    public void write(int off, int value) {
        int v = value;
        if (off == Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address() && niso()) {
            v = value & Pfb.NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40.mask();
        } else if (pairs.stream().anyMatch(p -> off == p.hi().address())) {
            v = value & Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_ADR.mask();
        }
        values.put(off, v);
    }
}
