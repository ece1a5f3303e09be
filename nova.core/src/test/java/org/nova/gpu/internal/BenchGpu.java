package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.internal.fifo.NovaChannels;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.mm.Bar1VramManager;
import org.nova.gpu.internal.mm.GpuVmSpaces;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramManager;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;

/**
 * The {@link org.nova.gpu.testing.BootedGpu} fixture of nova.core's test jar, never shipped: a
 * simulated GPU booted with GSP-RM by nova.core outside a framework, exactly as ChannelsTest probes
 * it (with this package's {@link SimPciDevice} and {@link DirFirmwareLoader}): VRAM
 * through BAR1's page tables, the VA spaces and the channels nova.core hands nova-drm. The caller
 * owns it; {@link #close} revokes the channels and spaces and unbinds the GPU.
 */
public final class BenchGpu implements org.nova.gpu.testing.BootedGpu {
    private static final String SLOT = "0000:00:05.0";

    private final NvidiaGpu sim;
    private final SimPciDevice dev;
    private final Gpu gpu;
    private final Bar1Space bar1;
    private final Bar1VramManager vram;
    private final GpuVmSpaces vms;
    private final NovaChannels channels;

    private BenchGpu(Chipset chip, Path firmware) {
        Path fw = GpuFirmwareGenerator.generate(chip, firmware);
        sim = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        dev = new SimPciDevice(sim, SLOT);
        gpu = Gpu.probe(dev, new DirFirmwareLoader(fw));
        MemorySegment aperture = sim.bar1Memory();
        BuddyVramManager buddy = gpu.fbRegions().vramManager(SLOT, aperture);
        bar1 = gpu.bar1Space(buddy);
        vram = new Bar1VramManager(buddy, bar1, aperture);
        GpuMemory mem = gpu.memory();
        vms = new GpuVmSpaces(SLOT, mem.mmu(), vram, mem.pramin(), mem.tlb());
        channels = gpu.channels(vram, vms);
    }

    /**
     * Boots {@code chip}'s simulated GPU (firmware generated into {@code firmware}).
     *
     * @return the booted GPU, owned by the caller
     */
    public static BenchGpu boot(Chipset chip, Path firmware) {
        return new BenchGpu(chip, firmware);
    }

    /** @return VRAM through BAR1 (what nova.core gives nova-drm) */
    @Override
    public VramManager vram() {
        return vram;
    }

    /** @return the GPU's VA spaces */
    @Override
    public GpuVmManager vms() {
        return vms;
    }

    /** @return the GPU's channels through GSP-RM */
    @Override
    public GpuChannels channels() {
        return channels;
    }

    /** @return the length of BAR1 (GETPARAM's VRAM_BAR_SIZE) */
    @Override
    public long bar1Size() {
        return sim.bar1Memory().byteSize();
    }

    @Override
    public void close() {
        channels.revoke();
        vms.revoke();
        bar1.close();
        gpu.unbind();
        dev.releaseAll();
    }
}
