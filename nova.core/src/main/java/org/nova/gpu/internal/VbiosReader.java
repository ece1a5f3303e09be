package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.vbios.Vbios;

/**
 * Reads the VBIOS through BAR0's PROM window (nova-core vbios.rs, VbiosIterator): as much of the
 * ROM as parsing needs, doubling the read up to the BIOS scan limit. The parsing is nvidia.spec's.
 */
final class VbiosReader {
    /** How far the VBIOS is read through the PROM window at first (doubled as needed). */
    static final int FIRST_READ = 64 << 10;

    private VbiosReader() {
    }

    /**
     * @return the parsed VBIOS
     * @throws DriverException EINVAL if the ROM cannot be parsed within the scan limit
     */
    static Vbios read(Bar0 bar) {
        int len = FIRST_READ;
        while (true) {
            byte[] rom = new byte[len];
            for (int i = 0; i < len; i += Integer.BYTES) {
                int w = bar.readProm32(Vbios.ROM_OFFSET + i);
                for (int k = 0; k < Integer.BYTES; k++) {
                    rom[i + k] = (byte) (w >>> (Byte.SIZE * k));
                }
            }
            try {
                return Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
            } catch (FormatException e) {
                boolean shortRead = e.kind() == FormatException.Kind.TRUNCATED
                        || e.kind() == FormatException.Kind.OUT_OF_BOUNDS;
                if (shortRead && len < Vbios.BIOS_MAX_SCAN_LEN) {
                    len *= 2;
                    continue;
                }
                throw new DriverException(Errno.EINVAL, "cannot parse the VBIOS: " + e.getMessage(), e);
            }
        }
    }
}
