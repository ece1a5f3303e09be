package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.X86Msi.MSI_ADDR_BASE_LO;

import org.nova.hw.IrqType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MSI capability of a function (PCI Local Bus Spec 3.0, 6.8.1), as QEMU's hw/pci/msi.c models
 * it: its layout and write masks ({@link #add}, msi_init), what a write to it does
 * (msi_write_config: enabling drops INTx, too many vectors are clamped, unmasking sends pending
 * vectors), and sending a vector (msi_notify: pending while masked, dropped while disabled or
 * without bus mastering). {@link #program} enables it as the kernel's drivers/pci/msi/msi.c
 * msi_capability_init does, with the x86 message address.
 *
 * <p>Its state is config space; guarded by the function's lock.
 */
final class MsiCapability {
    private static final Logger LOG = LoggerFactory.getLogger(MsiCapability.class);
    /** Bits of a dword, for log2 of a vector count. */
    private static final int DWORD_BITS = 32;
    /** All 32 mask bits. */
    private static final long ALL_MASK_BITS = 0xffff_ffffL;

    private final ConfigSpace config;
    private final int cap;
    private final IntxPin intx;
    private final FunctionIrqs irqs;
    private final String who;

    /**
     * Lays out an MSI capability with the masks of QEMU hw/pci/msi.c msi_init.
     *
     * @param vectors        1, 2, 4, 8, 16 or 32 (Multiple Message Capable)
     * @param addr64         64-bit message address capable
     * @param perVectorMask  per-vector masking capable
     */
    static void add(ConfigSpaceBuilder b, int vectors, boolean addr64, boolean perVectorMask) {
        if (Integer.bitCount(vectors) != 1 || vectors > PCI_MSI_VECTORS_MAX) {
            throw new IllegalArgumentException("MSI vectors " + vectors + " is not a power of two up to 32");
        }
        int flags = Integer.numberOfTrailingZeros(vectors) << PCI_MSI_FLAGS_QMASK_SHIFT;
        flags |= addr64 ? PCI_MSI_FLAGS_64BIT : 0;
        flags |= perVectorMask ? PCI_MSI_FLAGS_MASKBIT : 0;
        int cap = b.addCap(PCI_CAP_ID_MSI, size(flags));
        b.put16(cap + PCI_MSI_FLAGS, flags);
        b.mask16(cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
        b.mask32(cap + PCI_MSI_ADDRESS_LO, PCI_MSI_ADDRESS_LO_MASK);
        if (addr64) {
            b.mask32(cap + PCI_MSI_ADDRESS_HI, -1);
        }
        b.mask16(cap + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), PCI_ID_ABSENT);
        if (perVectorMask) {
            b.mask32(cap + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), (int) (ALL_MASK_BITS >>> (PCI_MSI_VECTORS_MAX - vectors)));
        }
    }

    /** @return the capability's size for its flags (pci_regs.h PCI_MSI_*_SIZEOF) */
    private static int size(int flags) {
        boolean addr64 = (flags & PCI_MSI_FLAGS_64BIT) != 0;
        boolean mask = (flags & PCI_MSI_FLAGS_MASKBIT) != 0;
        return addr64 ? (mask ? PCI_MSI_64M_SIZEOF : PCI_MSI_64_SIZEOF) : (mask ? PCI_MSI_32M_SIZEOF : PCI_MSI_32_SIZEOF);
    }

    /**
     * @param cap the capability's offset
     * @param intx the pin MSI takes over from
     * @param irqs where vectors go
     * @param who the function, for messages
     */
    MsiCapability(ConfigSpace config, int cap, IntxPin intx, FunctionIrqs irqs, String who) {
        this.config = config;
        this.cap = cap;
        this.intx = intx;
        this.irqs = irqs;
        this.who = who;
    }

    /** @return Message Control */
    int flags() {
        return config.get16(cap + PCI_MSI_FLAGS);
    }

    /** @return whether MSI Enable is set (QEMU msi_enabled) */
    boolean enabled() {
        return (flags() & PCI_MSI_FLAGS_ENABLE) != 0;
    }

    /** @return the vectors the function is capable of (Multiple Message Capable) */
    int capable() {
        return 1 << ((flags() & PCI_MSI_FLAGS_QMASK) >>> PCI_MSI_FLAGS_QMASK_SHIFT);
    }

    /** @return whether a write of width bytes at offset touched the capability */
    boolean written(int offset, int width) {
        return ConfigSpace.overlaps(offset, width, cap, size(flags()));
    }

    private boolean addr64() {
        return (flags() & PCI_MSI_FLAGS_64BIT) != 0;
    }

    private int maskOffset() {
        return cap + (addr64() ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
    }

    private int pendingOffset() {
        return cap + (addr64() ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
    }

    /** Side effects of a software write to the capability (QEMU msi_write_config). */
    void configWritten(int oldFlags) {
        int flags = flags();
        if ((flags & PCI_MSI_FLAGS_ENABLE) == 0) {
            return;
        }
        if ((oldFlags & PCI_MSI_FLAGS_ENABLE) == 0) {
            intx.deassert();
        }
        int enabledLog2 = (flags & PCI_MSI_FLAGS_QSIZE) >>> PCI_MSI_FLAGS_QSIZE_SHIFT;
        int capableLog2 = (flags & PCI_MSI_FLAGS_QMASK) >>> PCI_MSI_FLAGS_QMASK_SHIFT;
        if (enabledLog2 > capableLog2) {
            // More vectors enabled than capable is illegal; QEMU clamps, so does this model.
            config.set16(cap + PCI_MSI_FLAGS, (flags & ~PCI_MSI_FLAGS_QSIZE) | capableLog2 << PCI_MSI_FLAGS_QSIZE_SHIFT);
        }
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0) {
            int pending = config.get32(pendingOffset());
            int mask = config.get32(maskOffset());
            for (int v = 0; v < PCI_MSI_VECTORS_MAX; v++) {
                int bit = 1 << v;
                if ((pending & bit) != 0 && (mask & bit) == 0) {
                    config.set32(pendingOffset(), config.get32(pendingOffset()) & ~bit);
                    notify(v);
                }
            }
        }
    }

    /** Sends vector (QEMU msi_notify): pending if masked, dropped if not enabled or not bus master. */
    void notify(int vector) {
        if (!enabled()) {
            LOG.debug("{}: MSI vector {} dropped: MSI is not enabled", who, vector);
            return;
        }
        int flags = flags();
        int vectors = 1 << ((flags & PCI_MSI_FLAGS_QSIZE) >>> PCI_MSI_FLAGS_QSIZE_SHIFT);
        if (vector < 0 || vector >= vectors) {
            LOG.warn("{}: MSI vector {} dropped: only {} vectors are enabled", who, vector, vectors);
            return;
        }
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0 && (config.get32(maskOffset()) & (1 << vector)) != 0) {
            config.set32(pendingOffset(), config.get32(pendingOffset()) | 1 << vector);
            return;
        }
        if (!config.busMaster()) {
            LOG.debug("{}: MSI vector {} dropped: bus mastering is disabled", who, vector);
            return;
        }
        irqs.deliver(IrqType.MSI, vector);
    }

    /** Enables count vectors like drivers/pci/msi/msi.c msi_capability_init and the x86 message composer. */
    void program(int count, ConfigSpace.Writer w) {
        intx.program(false, w);
        int flags = flags();
        boolean addr64 = (flags & PCI_MSI_FLAGS_64BIT) != 0;
        w.write(cap + PCI_MSI_ADDRESS_LO, Integer.BYTES, MSI_ADDR_BASE_LO);
        if (addr64) {
            w.write(cap + PCI_MSI_ADDRESS_HI, Integer.BYTES, 0);
        }
        w.write(cap + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), Short.BYTES, 0);
        if ((flags & PCI_MSI_FLAGS_MASKBIT) != 0) {
            int used = count == PCI_MSI_VECTORS_MAX ? -1 : (1 << count) - 1;
            w.write(cap + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), Integer.BYTES, ~used);
        }
        int log2 = DWORD_BITS - Integer.numberOfLeadingZeros(count - 1);
        w.write(cap + PCI_MSI_FLAGS, Short.BYTES, (flags & ~PCI_MSI_FLAGS_QSIZE) | log2 << PCI_MSI_FLAGS_QSIZE_SHIFT
                | PCI_MSI_FLAGS_ENABLE);
    }

    /** Disables MSI and gives the function INTx back, as pci_msi_shutdown does (pci_intx_for_msi). */
    void disable(ConfigSpace.Writer w) {
        w.write(cap + PCI_MSI_FLAGS, Short.BYTES, flags() & ~PCI_MSI_FLAGS_ENABLE);
        intx.program(true, w);
    }
}
