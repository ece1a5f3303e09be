package org.nova.nvidia;

import org.nova.nvidia.regs.Pmc;

/**
 * What the boot registers say about a GPU: its chipset (hence architecture) and revision.
 * Decoded with nova-core's rules (gpu.rs {@code Spec::new}, regs.rs): BOOT_0 first, to refuse a
 * GPU older than Fermi (for which BOOT_42 may not exist); then BOOT_42, whose architecture and
 * implementation form the chipset id, and whose major/minor fields give the revision.
 *
 * @param chipset the chipset
 * @param revisionMajor NV_PMC_BOOT_42 major revision (bits 19:16)
 * @param revisionMinor NV_PMC_BOOT_42 minor revision (bits 15:12)
 */
public record GpuIdentity(Chipset chipset, int revisionMajor, int revisionMinor) {

    /** @return the architecture of {@link #chipset()} */
    public Architecture architecture() {
        return chipset.architecture();
    }

    /** @return {@code architecture << 4 | implementation}'s implementation nibble */
    public int implementation() {
        return chipset.id() & 0xf;
    }

    /** @return the revision as nova-core prints it, {@code "a.1"} (hex major.minor) */
    public String revision() {
        return Integer.toHexString(revisionMajor) + "." + Integer.toHexString(revisionMinor);
    }

    /**
     * Encodes this identity as the register values a GPU of this kind reports (used by the
     * simulated GPU). BOOT_0 carries the low five bits of the architecture in bits 28:24, its
     * sixth bit in bit 8, the implementation and the revision.
     *
     * @return {@code {boot0, boot42}}
     */
    public int[] encode() {
        int arch = chipset.architecture().code();
        int impl = implementation();
        int boot0 = 0;
        boot0 = Pmc.BOOT_0_ARCHITECTURE_0.set(boot0, arch & 0x1f);
        boot0 = Pmc.BOOT_0_ARCHITECTURE_1.set(boot0, arch >>> 5);
        boot0 = Pmc.BOOT_0_IMPLEMENTATION.set(boot0, impl);
        boot0 = Pmc.BOOT_0_MAJOR_REVISION.set(boot0, revisionMajor);
        boot0 = Pmc.BOOT_0_MINOR_REVISION.set(boot0, revisionMinor);
        int boot42 = 0;
        boot42 = Pmc.BOOT_42_ARCHITECTURE.set(boot42, arch);
        boot42 = Pmc.BOOT_42_IMPLEMENTATION.set(boot42, impl);
        boot42 = Pmc.BOOT_42_MAJOR_REVISION.set(boot42, revisionMajor);
        boot42 = Pmc.BOOT_42_MINOR_REVISION.set(boot42, revisionMinor);
        return new int[] {boot0, boot42};
    }

    /**
     * Decides from BOOT_0 alone whether BOOT_42 may be read: pre-Fermi GPUs left
     * {@code architecture_1} zero and have an {@code architecture_0} below GF100's 0xc.
     *
     * @param boot0 raw NV_PMC_BOOT_0
     * @return true if the GPU is older than Fermi
     */
    public static boolean isOlderThanFermi(int boot0) {
        return Pmc.BOOT_0_ARCHITECTURE_1.get(boot0) == 0
                && Pmc.BOOT_0_ARCHITECTURE_0.get(boot0) < Pmc.BOOT_0_ARCHITECTURE_GF100;
    }

    /**
     * Identifies a GPU from its boot registers.
     *
     * @param boot0 raw NV_PMC_BOOT_0
     * @param boot42 raw NV_PMC_BOOT_42 (ignored for a pre-Fermi BOOT_0)
     * @return the identity
     * @throws UnsupportedGpuException naming the values for a pre-Fermi GPU, an unknown
     *         architecture or an unknown chipset (nova-core: ENODEV)
     */
    public static GpuIdentity decode(int boot0, int boot42) {
        if (isOlderThanFermi(boot0)) {
            throw new UnsupportedGpuException(boot0, boot42, String.format(
                    "older than Fermi (BOOT_0 architecture 0x%x, architecture_1 = 0): Nova "
                            + "drives Turing and later", Pmc.BOOT_0_ARCHITECTURE_0.get(boot0)));
        }
        int arch = Pmc.BOOT_42_ARCHITECTURE.get(boot42);
        int impl = Pmc.BOOT_42_IMPLEMENTATION.get(boot42);
        if (Architecture.fromCode(arch).isEmpty()) {
            throw new UnsupportedGpuException(boot0, boot42, String.format(
                    "architecture 0x%x (implementation 0x%x) is not Turing to Blackwell",
                    arch, impl));
        }
        int id = (arch << Pmc.BOOT_42_IMPLEMENTATION.width()) | impl;
        Chipset chipset = Chipset.fromId(id).orElseThrow(() -> new UnsupportedGpuException(
                boot0, boot42, String.format("unknown chipset 0x%x (architecture 0x%x, "
                        + "implementation 0x%x)", id, arch, impl)));
        return new GpuIdentity(chipset, Pmc.BOOT_42_MAJOR_REVISION.get(boot42),
                Pmc.BOOT_42_MINOR_REVISION.get(boot42));
    }

    @Override
    public String toString() {
        return "Chipset: " + chipset + ", Architecture: " + architecture().displayName()
                + ", Revision: " + revision();
    }
}
