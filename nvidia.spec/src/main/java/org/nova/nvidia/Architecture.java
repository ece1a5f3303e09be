package org.nova.nvidia;

import java.util.Optional;

/**
 * GPU architectures Nova knows, with the architecture code found in
 * {@code NV_PMC_BOOT_42.architecture} (bits 29:24). Source: nova-core gpu.rs
 * ({@code enum Architecture}); Blackwell is split in two codes, GB10x and GB20x.
 */
public enum Architecture {
    /** Turing (TU10x, TU11x). */
    TURING(0x16, "Turing"),
    /** Ampere (GA100, GA10x). */
    AMPERE(0x17, "Ampere"),
    /** Hopper (GH100). */
    HOPPER(0x18, "Hopper"),
    /** Ada Lovelace (AD10x). */
    ADA(0x19, "Ada"),
    /** Blackwell data-centre parts (GB10x). */
    BLACKWELL_GB10X(0x1a, "BlackwellGB10x"),
    /** Blackwell consumer parts (GB20x). */
    BLACKWELL_GB20X(0x1b, "BlackwellGB20x");

    private final int code;
    private final String displayName;

    Architecture(int code, String displayName) {
        this.code = code;
        this.displayName = displayName;
    }

    /** @return the architecture code of NV_PMC_BOOT_42 bits 29:24 */
    public int code() {
        return code;
    }

    /** @return the name nova-core prints (e.g. {@code "Ampere"}) */
    public String displayName() {
        return displayName;
    }

    /** @return the architecture with this BOOT_42 code, if Nova knows it */
    public static Optional<Architecture> fromCode(int code) {
        for (Architecture a : values()) {
            if (a.code == code) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
