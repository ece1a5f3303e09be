package org.nova.hw.sim.gpu;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.nova.nvidia.Chipset;

/**
 * How a simulated NVIDIA GPU is strapped.
 *
 * @param chipset the chip (identification-only for chips without 535 GSP firmware)
 * @param fbSizeMiB usable framebuffer size in MiB
 * @param fault the fault to show
 * @param firmwareDirs where the GPU's secure boot ROM finds the firmware it trusts
 *        ({@code nvidia/<chip>/gsp/*.bin}: the real files if present, else the generated ones),
 *        searched in order like the driver's firmware loader
 * @param totalVfs TotalVFs of the board's SR-IOV capability, 0 for a board without SR-IOV (at most
 *        {@link SimVgpuManager#TOTAL_VFS}); the 4-argument constructor takes the modelled board's
 *        ({@link #defaultTotalVfs})
 */
public record GpuOptions(Chipset chipset, long fbSizeMiB, GpuFault fault, List<Path> firmwareDirs, int totalVfs) {
    /** Smallest framebuffer accepted, in MiB: room for the layout nova-core's fb.rs carves from its top. */
    public static final long MIN_FB_MIB = 256;
    /** MiB per GiB. */
    private static final long MIB_PER_GIB = 1024;
    /** Framebuffer of the Turing board modelled, the GeForce RTX 2080 Ti: 11 GiB. */
    private static final long FB_GIB_TURING = 11;
    /** Framebuffer of the Hopper board modelled, the H100 SXM5: 80 GiB. */
    private static final long FB_GIB_HOPPER = 80;
    /** Framebuffer of the Blackwell boards modelled, as the GeForce RTX 5090: 32 GiB. */
    private static final long FB_GIB_BLACKWELL = 32;
    /** Framebuffer of the Ampere and Ada boards modelled, the GeForce RTX 3090 and 4090: 24 GiB. */
    private static final long FB_GIB_AMPERE_ADA = 24;

    /** Validates the options. */
    public GpuOptions {
        Objects.requireNonNull(chipset, "chipset");
        Objects.requireNonNull(fault, "fault");
        firmwareDirs = List.copyOf(firmwareDirs);
        if (totalVfs < 0 || totalVfs > SimVgpuManager.TOTAL_VFS) {
            throw new IllegalArgumentException("TotalVFs " + totalVfs + " is outside 0.." + SimVgpuManager.TOTAL_VFS);
        }
        if (fbSizeMiB < MIN_FB_MIB) {
            throw new IllegalArgumentException("framebuffer of " + fbSizeMiB + " MiB is too small (" + MIN_FB_MIB
                    + " MiB at least)");
        }
    }

    /** The modelled board's SR-IOV: {@link #defaultTotalVfs}. */
    public GpuOptions(Chipset chipset, long fbSizeMiB, GpuFault fault, List<Path> firmwareDirs) {
        this(chipset, fbSizeMiB, fault, firmwareDirs, defaultTotalVfs(chipset));
    }

    /**
     * @return TotalVFs of the board modelled for the chip: {@link SimVgpuManager#TOTAL_VFS} on a
     *     vGPU-capable chip (the simulator's GSP-RM runs vGPU on AD102), 0 (no SR-IOV) otherwise
     */
    public static int defaultTotalVfs(Chipset c) {
        return SimVgpuManager.supported(c) ? SimVgpuManager.TOTAL_VFS : 0;
    }

    /** @return the same options with another TotalVFs (0: no SR-IOV capability) */
    public GpuOptions withTotalVfs(int n) {
        return new GpuOptions(chipset, fbSizeMiB, fault, firmwareDirs, n);
    }

    /** @return a healthy GPU of this chip with its usual framebuffer, trusting {@code dirs} */
    public static GpuOptions of(Chipset chipset, List<Path> dirs) {
        return new GpuOptions(chipset, defaultFbMiB(chipset), GpuFault.NONE, dirs);
    }

    /** @return the same options with another fault */
    public GpuOptions withFault(GpuFault f) {
        return new GpuOptions(chipset, fbSizeMiB, f, firmwareDirs, totalVfs);
    }

    /** @return the framebuffer size of the board the simulator models for a chip */
    public static long defaultFbMiB(Chipset c) {
        return MIB_PER_GIB * switch (c.architecture()) {
            case TURING -> FB_GIB_TURING;
            case HOPPER -> FB_GIB_HOPPER;
            case BLACKWELL_GB10X, BLACKWELL_GB20X -> FB_GIB_BLACKWELL;
            default -> FB_GIB_AMPERE_ADA;
        };
    }
}
