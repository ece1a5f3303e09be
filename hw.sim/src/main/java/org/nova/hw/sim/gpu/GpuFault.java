package org.nova.hw.sim.gpu;

import java.util.Arrays;
import java.util.Locale;

/**
 * Faults the simulated GPU can be told to show (configuration property {@code fault}), so the
 * driver's error paths can be exercised the way real hardware would trigger them.
 */
public enum GpuFault {
    /** Behave like a healthy GPU. */
    NONE("none"),
    /** FWSEC-FRTS reports an error code in NV_PBUS_SW_SCRATCH[0xe] and creates no WPR2. */
    FWSEC_ERROR("fwsec-error"),
    /** WPR2 is already set when the GPU is plugged in (not reset since a previous driver ran FRTS); a reset clears it. */
    WPR2_SET("wpr2-set"),
    /** A started falcon never halts (hung firmware): the driver's 2 s wait must time out. */
    FALCON_HANG("falcon-hang"),
    /** GFW boot never completes: the driver's wait for GFW_BOOT must time out. */
    GFW_HANG("gfw-hang"),
    /** The simulated GSP never answers commands (the driver's RPC wait must time out). */
    GSP_SILENT("gsp-silent"),
    /** The simulated GSP's messages carry a wrong checksum. */
    GSP_BAD_CHECKSUM("gsp-bad-checksum"),
    /** The simulated GSP answers GetGspStaticInfo with another function's number. */
    GSP_WRONG_FUNCTION("gsp-wrong-function"),
    /** The simulated GSP crashes (its RISC-V core halts) after init done. */
    GSP_CRASH("gsp-crash"),
    /** SEC2-RTOS refuses the CPU sequencer's core resume (an error in its MAILBOX0): GSP-RM never resumes. */
    SEC2_RESUME_ERROR("sec2-resume-error"),
    /** Hopper and Blackwell: the FSP's secure boot never completes (the driver's 5 s boot-complete wait must time out). */
    FSP_BOOT_HANG("fsp-boot-hang"),
    /** Hopper and Blackwell: GSP-FMC never runs after the FSP accepted the chain of trust (the GSP stays locked: the driver's 30 s lockdown wait must time out). */
    GSP_FMC_HANG("gsp-fmc-hang"),
    /** A vGPU's plugin task accepts the bootload but never reports success in its control buffer. */
    VGPU_PLUGIN_HANG("vgpu-plugin-hang"),
    /** GSP-RM answers GetGspStaticInfo with an empty framebuffer region table (numFBRegions 0). */
    FB_REGIONS_NONE("fb-regions-none"),
    /** GSP-RM's region table has its reserved heap start inside the usable region below it. */
    FB_REGIONS_OVERLAP("fb-regions-overlap"),
    /** GSP-RM's region table has its top region end past the framebuffer. */
    FB_REGION_PAST_FB("fb-region-past-fb"),
    /** GSP-RM's region table marks every region reserved: no VRAM for the driver. */
    FB_REGIONS_ALL_RESERVED("fb-regions-all-reserved");

    /** The FRTS error code the {@link #FWSEC_ERROR} fault reports. */
    public static final int FWSEC_ERROR_CODE = 0x0bad;

    private final String key;

    GpuFault(String key) {
        this.key = key;
    }

    /** @return the configuration value, e.g. {@code "fwsec-error"} */
    public String key() {
        return key;
    }

    /**
     * @param key a configuration value (null or blank = none)
     * @return the fault
     * @throws IllegalArgumentException naming the known values
     */
    public static GpuFault of(String key) {
        if (key == null || key.isBlank()) {
            return NONE;
        }
        for (GpuFault f : values()) {
            if (f.key.equals(key.trim().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown GPU fault '" + key + "' (known: "
                + Arrays.stream(values()).map(GpuFault::key).toList() + ")");
    }
}
