package org.nova.nvidia;

/**
 * The boot registers name a GPU Nova does not drive: older than Fermi (judged from
 * {@code NV_PMC_BOOT_0}), or an architecture or chipset that is not in the table (judged from
 * {@code NV_PMC_BOOT_42}). nova-core answers both with {@code ENODEV}. The message names the
 * register values and why they were refused.
 */
public class UnsupportedGpuException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int boot0;
    private final int boot42;

    public UnsupportedGpuException(int boot0, int boot42, String why) {
        super(String.format("unsupported GPU (boot0 = 0x%08x, boot42 = 0x%08x): %s", boot0,
                boot42, why));
        this.boot0 = boot0;
        this.boot42 = boot42;
    }

    /** @return the raw NV_PMC_BOOT_0 value */
    public int boot0() {
        return boot0;
    }

    /** @return the raw NV_PMC_BOOT_42 value (0 if it was not read) */
    public int boot42() {
        return boot42;
    }
}
