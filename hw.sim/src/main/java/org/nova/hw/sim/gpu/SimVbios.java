package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.NvidiaPciIds;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.vbios.Vbios;
import org.nova.nvidia.vbios.VbiosBuilder;

/**
 * The VBIOS in the GPU's ROM, and the two ways the host reads it: the PCI expansion ROM BAR
 * ({@link NvidiaGpu#ROM_SIZE}) and the PROM window of BAR0 at {@link Vbios#ROM_OFFSET}, which is
 * where nova-core's vbios.rs reads it. The image holds a PC-AT image, an EFI image and the FWSEC
 * images with the FWSEC ucode, signed for each of {@link #FWSEC_FUSE_VERSIONS}.
 *
 * <p>Immutable after construction: the ROM cannot be written.
 */
final class SimVbios {
    /** The PROM window: 1 MiB of BAR0 from {@link Vbios#ROM_OFFSET} (nova-core vbios.rs). */
    static final long PROM_SIZE = 1L << 20;
    /** The fuse versions the FWSEC ucode carries signatures for (the GSP's fuse is one: {@link SimFuse}). */
    static final int[] FWSEC_FUSE_VERSIONS = {0, 1, 2};
    /** BIOS version major "90", as the VBIOSes of Turing to Ada boards report it (BIOSDATA token). */
    private static final long BIOS_VERSION_90 = 0x9000_0000L;
    /** Bits below the chip id in the simulated BIOS version: 90.cc.cc.00.01 for chip id cccc. */
    private static final int BIOS_VERSION_CHIP_SHIFT = 8;
    /** Last component of the simulated BIOS version. */
    private static final long BIOS_VERSION_BUILD = 0x01;
    /** Seed of the made-up FWSEC signatures, mixed with the chip and the fuse version so each differs. */
    private static final long SIGNATURE_SEED = 0xf5ecL * 1000;
    /** Fuse versions per chip in the seed. */
    private static final long SIGNATURE_SEED_VERSIONS = 16;
    /** Bits per byte, to assemble PROM reads. */
    private static final int BYTE_BITS = 8;
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;

    private final byte[] rom;
    private final Vbios parsed;

    /**
     * @param chipset the chip
     * @param deviceId the PCI device ID its PCIR structures carry
     * @param classCode the PCI class code its PCIR structures carry
     */
    SimVbios(Chipset chipset, int deviceId, int classCode) {
        FwsecImageBuilder fw = new FwsecImageBuilder();
        for (int v : FWSEC_FUSE_VERSIONS) {
            fw.signature(v, signature(chipset, v));
        }
        this.rom = new VbiosBuilder().pciIds(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, deviceId, classCode)
                .biosVersion(BIOS_VERSION_90 | (long) chipset.id() << BIOS_VERSION_CHIP_SHIFT | BIOS_VERSION_BUILD)
                .fwsec(fw.build()).build();
        this.parsed = Vbios.parse("simulated VBIOS", MemorySegment.ofArray(rom));
    }

    /** The simulator signs nothing: a signature is bytes only this chip and fuse version have. */
    private static byte[] signature(Chipset chipset, int fuseVersion) {
        byte[] b = new byte[FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE];
        new SplittableRandom(SIGNATURE_SEED + chipset.id() * SIGNATURE_SEED_VERSIONS + fuseVersion).nextBytes(b);
        return b;
    }

    /** @return a copy of the ROM image */
    byte[] image() {
        return rom.clone();
    }

    /** @return the image, parsed */
    Vbios parsed() {
        return parsed;
    }

    /** @return whether BAR0 offset {@code offset} lies in the PROM window */
    static boolean inPromWindow(long offset) {
        return offset >= Vbios.ROM_OFFSET && offset < Vbios.ROM_OFFSET + PROM_SIZE;
    }

    /**
     * A read through the PROM window: the ROM's bytes little-endian, zero past the image.
     *
     * @param offset a BAR0 offset in the window
     * @param size 1, 2, 4 or 8
     */
    long readProm(long offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            long at = offset - Vbios.ROM_OFFSET + i;
            v = v << BYTE_BITS | (at < rom.length ? rom[(int) at] & BYTE_MASK : 0);
        }
        return v;
    }
}
