package org.nova.hw.sim.gpu;

import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Fuse;

/**
 * FUSE: the OPT_FPF ucode version fuses whose highest set bit selects which signature of a
 * heavy-secure ucode the boot ROM accepts (falcon/hal/ga102.rs signature_reg_fuse_version_ga102;
 * Turing's boot ROM does not read them, falcon/hal/tu102.rs), and the display-disabled fuse
 * (regs.rs gm107/ga100 NV_FUSE_STATUS_OPT_DISPLAY). All read-only to the host.
 *
 * <p>The GSP's fuses are strapped at {@link #GSP_UCODE_FUSE_BITMAP}, a version the VBIOS's FWSEC
 * carries a signature for ({@link SimVbios#FWSEC_FUSE_VERSIONS}); SEC2's follow the trusted
 * booter's signature metadata, so that its fuse version is the one the booter was signed for.
 */
final class SimFuse implements Bar0Unit {
    /** GSP ucode fuse bitmap: version 2 (two bits set). */
    static final int GSP_UCODE_FUSE_BITMAP = 0b11;
    /** The highest version a 16-bit fuse bitmap can strap: all but its top bit set. */
    private static final int MAX_STRAPPED_VERSION = Fuse.OPT_FPF_SEC2_DATA.width() - 1;
    /** NV_FUSE_STATUS_OPT_DISPLAY: display_disabled clear, the display engine is present. */
    private static final int DISPLAY_PRESENT = 0;

    private final boolean ga102Plus;
    private final TrustedFirmware trusted;

    /**
     * @param ga102Plus whether the boot ROM reads the version fuses (GA102 and later)
     * @param trusted the firmware the secure ROM trusts, whose booter SEC2's fuses follow
     */
    SimFuse(boolean ga102Plus, TrustedFirmware trusted) {
        this.ga102Plus = ga102Plus;
        this.trusted = trusted;
    }

    /**
     * @return the fuse version the boot ROM of {@code engine} checks a ucode's signature against:
     *     from the fuses on GA102 and later, 0 on Turing
     */
    int signatureFuseVersion(FalconEngine engine) {
        return ga102Plus ? Fuse.versionFromBitmap(bitmap(engine)) : 0;
    }

    private int bitmap(FalconEngine engine) {
        if (engine == FalconEngine.SEC2) {
            return trusted.booterLoad()
                    .map(b -> (int) ((1L << Math.min(MAX_STRAPPED_VERSION, b.params().fuseVersion())) - 1))
                    .orElse(GSP_UCODE_FUSE_BITMAP);
        }
        return GSP_UCODE_FUSE_BITMAP;
    }

    @Override
    public boolean decodes(int off) {
        return Fuse.OPT_FPF_GSP_UCODE1_VERSION.indexAt(off) >= 0 || Fuse.OPT_FPF_SEC2_UCODE1_VERSION.indexAt(off) >= 0
                || off == Fuse.STATUS_OPT_DISPLAY_GM107.address() || off == Fuse.STATUS_OPT_DISPLAY_GA100.address();
    }

    @Override
    public int read(int off) {
        if (Fuse.OPT_FPF_SEC2_UCODE1_VERSION.indexAt(off) >= 0) {
            return bitmap(FalconEngine.SEC2);
        } else if (Fuse.OPT_FPF_GSP_UCODE1_VERSION.indexAt(off) >= 0) {
            return bitmap(FalconEngine.GSP);
        }
        return DISPLAY_PRESENT;
    }

    @Override
    public void write(int off, int value) {
        // fuses are burnt at the factory
    }
}
