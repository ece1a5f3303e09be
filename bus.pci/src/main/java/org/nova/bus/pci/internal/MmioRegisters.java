package org.nova.bus.pci.internal;

import org.nova.bus.pci.Bar;
import org.nova.devres.RevokedException;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;

/**
 * The register path of a {@link Bar}: every access goes to the backend's {@link Mmio}, so the
 * device model sees it. A mapping that is gone (ENODEV: unmapped or the function removed) is
 * reported as revoked; other backend errors (EIO for a BAR whose decoding is off) keep their errno.
 */
final class MmioRegisters implements Bar.Registers {
    private final Mmio mmio;
    private final String name;

    MmioRegisters(Mmio mmio, String name) {
        this.mmio = mmio;
        this.name = name;
    }

    private RuntimeException fail(HwException e, String op, long offset) {
        if (HwException.ENODEV.equals(e.errno())) {
            RevokedException r = new RevokedException(name);
            r.initCause(e);
            return r;
        }
        return Hw.translate(e, op + " at offset 0x" + Long.toHexString(offset) + " of " + name);
    }

    @Override
    public int read8(long offset) {
        try {
            return mmio.read8(offset);
        } catch (HwException e) {
            throw fail(e, "read8", offset);
        }
    }

    @Override
    public int read16(long offset) {
        try {
            return mmio.read16(offset);
        } catch (HwException e) {
            throw fail(e, "read16", offset);
        }
    }

    @Override
    public int read32(long offset) {
        try {
            return mmio.read32(offset);
        } catch (HwException e) {
            throw fail(e, "read32", offset);
        }
    }

    @Override
    public long read64(long offset) {
        try {
            return mmio.read64(offset);
        } catch (HwException e) {
            throw fail(e, "read64", offset);
        }
    }

    @Override
    public void write8(long offset, int value) {
        try {
            mmio.write8(offset, value);
        } catch (HwException e) {
            throw fail(e, "write8", offset);
        }
    }

    @Override
    public void write16(long offset, int value) {
        try {
            mmio.write16(offset, value);
        } catch (HwException e) {
            throw fail(e, "write16", offset);
        }
    }

    @Override
    public void write32(long offset, int value) {
        try {
            mmio.write32(offset, value);
        } catch (HwException e) {
            throw fail(e, "write32", offset);
        }
    }

    @Override
    public void write64(long offset, long value) {
        try {
            mmio.write64(offset, value);
        } catch (HwException e) {
            throw fail(e, "write64", offset);
        }
    }
}
