package org.nova.bus.pci.testing;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.internal.BarImpl;
import org.nova.hw.Mmio;

/**
 * {@link Bar}s for tests and benchmarks: the very implementation {@link PciDevice#iomapRegion}
 * hands drivers (checks, both access paths, revocation, the memory view), over memory or a
 * register model the test provides instead of a function's BAR. Test-only: a driver that made its
 * own Bar would touch memory no device of its owns.
 */
public final class TestBars {
    private TestBars() {
    }

    /**
     * The owner's handle on a test Bar, in place of the Devres the bus would hold: closing it
     * revokes the Bar (and its memory view), then unmaps, exactly once.
     */
    public static final class Mapping implements AutoCloseable {
        private final BarImpl bar;

        private Mapping(BarImpl bar) {
            this.bar = bar;
        }

        /** @return the Bar; usable until this mapping is closed */
        public Bar bar() {
            return bar;
        }

        /** Revokes the Bar, then runs the unmap. Idempotent; an unmap failure is logged. */
        @Override
        public void close() {
            bar.release();
        }
    }

    /**
     * A Bar over plain memory, as the bus maps a RAM-like or mmap'ed region.
     *
     * @param name names the BAR in messages
     * @param memory the region; the Bar's size is its size. A native segment also gives
     *     {@link Bar#memory()}; a heap segment does not (it cannot be revoked)
     * @param unmap closed once, after the Bar is revoked; owns whatever backs the memory
     * @return the owner's handle
     */
    public static Mapping overMemory(String name, MemorySegment memory, AutoCloseable unmap) {
        return new Mapping(BarImpl.overMemory(name, memory, unmap));
    }

    /**
     * A Bar over a backend mapping, exactly as the bus maps a BAR: through the region's memory if
     * {@link Mmio#segment()} gives one, else through its register accesses (after the Bar's
     * checks; ENODEV from them is revocation, other errnos stay). Its size is the region's.
     *
     * @param name names the BAR in messages
     * @param region the register model (or memory) of the region; closed once, after the Bar is revoked
     * @return the owner's handle
     */
    public static Mapping map(String name, Mmio region) {
        Objects.requireNonNull(region, "region");
        return new Mapping(BarImpl.over(name, region.size(), region, region::close));
    }
}
