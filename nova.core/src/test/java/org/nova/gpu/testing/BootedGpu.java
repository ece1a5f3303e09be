package org.nova.gpu.testing;

import java.nio.file.Path;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.internal.BenchGpu;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.Chipset;

/**
 * TEST FIXTURE of nova.core's test jar, never shipped: a simulated GPU booted with GSP-RM by
 * nova.core outside a framework (as nova.core's ChannelsTest probes it), offering what nova.core
 * hands nova-drm in {@code NovaDrmData} — VRAM through BAR1's page tables, the VA spaces, the
 * channels. For benchmarks and other modules' tests, which may not name nova.core's internal
 * packages: the fixture is nova.core's own code and they use only this interface.
 *
 * <p>Ownership: the caller's; {@link #close} revokes the channels and spaces and unbinds the GPU.
 */
public interface BootedGpu extends AutoCloseable {
    /**
     * Boots {@code chip}'s simulated GPU on firmware generated into {@code firmware}.
     *
     * @return the booted GPU, owned by the caller
     */
    static BootedGpu boot(Chipset chip, Path firmware) {
        return BenchGpu.boot(chip, firmware);
    }

    /** @return VRAM through BAR1 (what nova.core gives nova-drm) */
    VramManager vram();

    /** @return the GPU's VA spaces */
    GpuVmManager vms();

    /** @return the GPU's channels through GSP-RM */
    GpuChannels channels();

    /** @return the length of BAR1 (GETPARAM's VRAM_BAR_SIZE) */
    long bar1Size();

    @Override
    void close();
}
