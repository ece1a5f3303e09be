package org.nova.nvidia.mmu;

import org.nova.nvidia.Architecture;
import org.nova.nvidia.regs.Field;
import org.nova.nvidia.regs.Register;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What differs between architectures in the registers and formats memory management uses: the
 * PRAMIN window register, the BAR1 block register, the MMU format version. One implementation
 * per family ({@link Tu102MmuHal}: Turing, Ampere, Ada; {@link Gh100MmuHal}: Hopper, Blackwell).
 * Stateless and thread-safe; implemented only in this package.
 */
@ProviderType
public interface MmuHal {
    /** @return the MMU format version the architecture's page tables use (2 or 3) */
    int mmuVersion();

    /** @return the page-table format the architecture's MMU walks ({@link MmuFormat#V2} or {@link MmuFormat#V3}) */
    MmuFormat format();

    /** @return the register that places the PRAMIN window */
    Register windowRegister();

    /** @return the window register's base field (64 KiB units) */
    Field windowBase();

    /**
     * @param base a 64 KiB aligned VRAM address
     * @return the window register value showing VRAM from {@code base}
     * @throws IllegalArgumentException if {@code base} is misaligned or beyond the field
     */
    int windowValue(long base);

    /** @return the register that binds BAR1's instance block */
    Register bar1BlockRegister();

    /**
     * @param arch an architecture
     * @return its HAL
     */
    static MmuHal of(Architecture arch) {
        return switch (arch) {
            case TURING, AMPERE, ADA -> Tu102MmuHal.INSTANCE;
            case HOPPER, BLACKWELL_GB10X, BLACKWELL_GB20X -> Gh100MmuHal.INSTANCE;
        };
    }
}
