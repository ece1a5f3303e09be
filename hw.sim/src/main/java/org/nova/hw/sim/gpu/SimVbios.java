package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
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
 * images with the FWSEC ucode: from GA102 on with a V3 descriptor, signed for each of
 * {@link #FWSEC_FUSE_VERSIONS}; on Turing and GA100 with a V2 descriptor (the image is signed as it
 * is) behind an IFR header ({@link org.nova.nvidia.vbios.IfrHeader}): version 2 on Turing, whose IFR
 * microcode applies the ROM offset so that the PROM window starts at the PCI ROM, version 3 on GA100,
 * whose PROM window shows the IFR header and the driver must skip it (nova-core vbios.rs
 * {@code rom_offset}). The expansion ROM BAR shows the PCI ROM.
 *
 * <p>Immutable after construction: the ROM cannot be written.
 */
final class SimVbios {
    /** The PROM window: 1 MiB of BAR0 from {@link Vbios#ROM_OFFSET} (nova-core vbios.rs). */
    static final long PROM_SIZE = 1L << 20;
    /** The fuse versions the FWSEC ucode carries signatures for (the GSP's fuse is one: {@link SimFuse}). */
    static final int[] FWSEC_FUSE_VERSIONS = {0, 1, 2};
    /** IFR header version of the simulated Turing ROMs. */
    static final int IFR_VERSION_TURING = 2;
    /** IFR header version of the simulated GA100 ROM (with a ROM directory). */
    static final int IFR_VERSION_GA100 = 3;
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

    /** The whole flash, IFR header included. */
    private final byte[] flash;
    /** Where the PCI ROM starts in the flash. */
    private final int pciRomOffset;
    /** Where PROM offset 0 is in the flash: the PCI ROM where the IFR microcode applies the offset. */
    private final int promBase;
    private final Vbios parsed;

    /**
     * @param chipset the chip
     * @param deviceId the PCI device ID its PCIR structures carry
     * @param classCode the PCI class code its PCIR structures carry
     */
    SimVbios(Chipset chipset, int deviceId, int classCode) {
        FwsecImageBuilder fw = new FwsecImageBuilder();
        VbiosBuilder rom = new VbiosBuilder().pciIds(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, deviceId, classCode)
                .biosVersion(BIOS_VERSION_90 | (long) chipset.id() << BIOS_VERSION_CHIP_SHIFT | BIOS_VERSION_BUILD);
        if (chipset.needsFwsecBootloader()) {
            fw.v2();
            rom.ifr(chipset == Chipset.GA100 ? IFR_VERSION_GA100 : IFR_VERSION_TURING);
        } else {
            for (int v : FWSEC_FUSE_VERSIONS) {
                fw.signature(v, signature(chipset, v));
            }
        }
        this.flash = rom.fwsec(fw.build()).build();
        this.pciRomOffset = chipset.needsFwsecBootloader() ? VbiosBuilder.IFR_PCI_ROM_OFFSET : 0;
        this.promBase = chipset == Chipset.GA100 ? 0 : pciRomOffset;
        this.parsed = Vbios.parse("simulated VBIOS", MemorySegment.ofArray(flash).asSlice(promBase));
    }

    /** The simulator signs nothing: a signature is bytes only this chip and fuse version have. */
    private static byte[] signature(Chipset chipset, int fuseVersion) {
        byte[] b = new byte[FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE];
        new SplittableRandom(SIGNATURE_SEED + chipset.id() * SIGNATURE_SEED_VERSIONS + fuseVersion).nextBytes(b);
        return b;
    }

    /** @return a copy of the PCI ROM (what the expansion ROM BAR shows) */
    byte[] image() {
        return Arrays.copyOfRange(flash, pciRomOffset, flash.length);
    }

    /** @return a copy of what the PROM window shows from its offset 0 */
    byte[] promImage() {
        return Arrays.copyOfRange(flash, promBase, flash.length);
    }

    /** @return the PROM image, parsed (as the driver parses it) */
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
            long at = offset - Vbios.ROM_OFFSET + promBase + i;
            v = v << BYTE_BITS | (at < flash.length ? flash[(int) at] & BYTE_MASK : 0);
        }
        return v;
    }
}
