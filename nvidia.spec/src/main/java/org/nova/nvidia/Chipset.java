package org.nova.nvidia;

import java.util.Locale;
import java.util.Optional;

/**
 * The chipsets Nova knows, Turing to Blackwell, with their chipset id
 * ({@code NV_PMC_BOOT_42.architecture << 4 | NV_PMC_BOOT_42.implementation}). Source: nova-core
 * gpu.rs ({@code define_chipset!}, {@code Chipset::arch}), firmware/gsp.rs (which signature
 * section of the GSP ELF each chipset uses), and the {@code nvidia/<chip>/gsp/} folders of
 * linux-firmware (which chipsets have GSP firmware 535.113.01 published).
 *
 * <p>The constants are in chipset-id order, so {@link #compareTo} orders chips as nova-core's
 * {@code PartialOrd} does (e.g. "later than GA100").
 */
public enum Chipset {
    /** Turing TU102. */
    TU102(0x162, Architecture.TURING, "tu10x", true),
    /** Turing TU104. */
    TU104(0x164, Architecture.TURING, "tu10x", true),
    /** Turing TU106. */
    TU106(0x166, Architecture.TURING, "tu10x", true),
    /** Turing TU117. */
    TU117(0x167, Architecture.TURING, "tu11x", true),
    /** Turing TU116. */
    TU116(0x168, Architecture.TURING, "tu11x", true),
    /** Ampere GA100 (uses the Turing GSP image and signatures). */
    GA100(0x170, Architecture.AMPERE, "tu10x", true),
    /** Ampere GA102. */
    GA102(0x172, Architecture.AMPERE, "ga10x", true),
    /** Ampere GA103. */
    GA103(0x173, Architecture.AMPERE, "ga10x", true),
    /** Ampere GA104. */
    GA104(0x174, Architecture.AMPERE, "ga10x", true),
    /** Ampere GA106. */
    GA106(0x176, Architecture.AMPERE, "ga10x", true),
    /** Ampere GA107. */
    GA107(0x177, Architecture.AMPERE, "ga10x", true),
    /** Hopper GH100 (its signature section is in the GA10x GSP image; no linux-firmware folder). */
    GH100(0x180, Architecture.HOPPER, "gh100", false),
    /** Ada AD102. */
    AD102(0x192, Architecture.ADA, "ad10x", true),
    /** Ada AD103. */
    AD103(0x193, Architecture.ADA, "ad10x", true),
    /** Ada AD104. */
    AD104(0x194, Architecture.ADA, "ad10x", true),
    /** Ada AD106. */
    AD106(0x196, Architecture.ADA, "ad10x", true),
    /** Ada AD107. */
    AD107(0x197, Architecture.ADA, "ad10x", true),
    /** Blackwell GB100. */
    GB100(0x1a0, Architecture.BLACKWELL_GB10X, "gb10x", false),
    /** Blackwell GB102. */
    GB102(0x1a2, Architecture.BLACKWELL_GB10X, "gb10x", false),
    /** Blackwell GB202. */
    GB202(0x1b2, Architecture.BLACKWELL_GB20X, "gb20x", false),
    /** Blackwell GB203. */
    GB203(0x1b3, Architecture.BLACKWELL_GB20X, "gb20x", false),
    /** Blackwell GB205. */
    GB205(0x1b5, Architecture.BLACKWELL_GB20X, "gb20x", false),
    /** Blackwell GB206. */
    GB206(0x1b6, Architecture.BLACKWELL_GB20X, "gb20x", false),
    /** Blackwell GB207. */
    GB207(0x1b7, Architecture.BLACKWELL_GB20X, "gb20x", false);

    private final int id;
    private final Architecture architecture;
    private final String signatureFamily;
    private final boolean gspFirmware535;

    Chipset(int id, Architecture architecture, String signatureFamily, boolean gspFirmware535) {
        this.id = id;
        this.architecture = architecture;
        this.signatureFamily = signatureFamily;
        this.gspFirmware535 = gspFirmware535;
    }

    /** @return the chipset id, {@code arch << 4 | impl} of NV_PMC_BOOT_42 */
    public int id() {
        return id;
    }

    /** @return the architecture this chipset belongs to */
    public Architecture architecture() {
        return architecture;
    }

    /** @return the lower-case name used in firmware paths ({@code "ga102"}) */
    public String firmwareName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return the ELF section of the GSP image holding this chip's signatures
     *         ({@code ".fwsignature_tu10x"}, ...), as nova-core firmware/gsp.rs selects it
     */
    public String gspSignatureSection() {
        return ".fwsignature_" + signatureFamily;
    }

    /**
     * @return true if linux-firmware publishes {@code nvidia/<chip>/gsp/*-535.113.01.bin} for
     *         this chip (Turing, GA100, GA10x, AD10x); Hopper and Blackwell are
     *         identification-only here
     */
    public boolean hasGspFirmware535() {
        return gspFirmware535;
    }

    /**
     * @return true where FWSEC cannot be loaded into the GSP falcon directly but goes through the
     *         generic bootloader ({@link FirmwareNames#GEN_BOOTLOADER}): Turing and GA100, as
     *         nova-core gpu.rs {@code Chipset::needs_fwsec_bootloader} (since 1.2.0)
     */
    public boolean needsFwsecBootloader() {
        return architecture == Architecture.TURING || this == GA100;
    }

    /**
     * @param id a chipset id from NV_PMC_BOOT_42
     * @return the chipset, if Nova knows it
     */
    public static Optional<Chipset> fromId(int id) {
        for (Chipset c : values()) {
            if (c.id == id) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * @param name a chipset name in any case ({@code "ga102"}, {@code "GA102"})
     * @return the chipset
     * @throws IllegalArgumentException naming the value if there is no such chipset
     */
    public static Chipset fromName(String name) {
        for (Chipset c : values()) {
            if (c.name().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown NVIDIA chipset '" + name + "'");
    }
}
