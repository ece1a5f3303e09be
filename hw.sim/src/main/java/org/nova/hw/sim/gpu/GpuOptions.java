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
 */
public record GpuOptions(Chipset chipset, long fbSizeMiB, GpuFault fault, List<Path> firmwareDirs) {

    public GpuOptions {
        Objects.requireNonNull(chipset, "chipset");
        Objects.requireNonNull(fault, "fault");
        firmwareDirs = List.copyOf(firmwareDirs);
        if (fbSizeMiB < 256) {
            throw new IllegalArgumentException("framebuffer of " + fbSizeMiB + " MiB is too small (256 MiB at least)");
        }
    }

    /** @return a healthy GPU of this chip with its usual framebuffer, trusting {@code dirs} */
    public static GpuOptions of(Chipset chipset, List<Path> dirs) {
        return new GpuOptions(chipset, defaultFbMiB(chipset), GpuFault.NONE, dirs);
    }

    /** @return the same options with another fault */
    public GpuOptions withFault(GpuFault f) {
        return new GpuOptions(chipset, fbSizeMiB, f, firmwareDirs);
    }

    /** @return the framebuffer size of the board the simulator models for a chip */
    public static long defaultFbMiB(Chipset c) {
        return switch (c.architecture()) {
            case TURING -> 11L * 1024;
            case HOPPER -> 80L * 1024;
            case BLACKWELL_GB10X, BLACKWELL_GB20X -> 32L * 1024;
            default -> 24L * 1024;
        };
    }
}
