package org.nova.gpu.vram;

import java.lang.foreign.MemorySegment;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.vm.GpuVmManager;

/**
 * The registration data of the auxiliary device "NovaCore.nova-drm.&lt;id&gt;" that nova.core
 * registers per bound GPU, read by nova-drm with {@code registrationData(NovaDrmData.class)}.
 * nova.core owns every part; they stay usable until the auxiliary device is deleted (nova-drm
 * unbinds first).
 *
 * @param gpu the GPU's PCI device name ("0000:00:05.0")
 * @param vramBarSize the length of the VRAM BAR (BAR1) in bytes: what
 *     {@code NOVA_GETPARAM_VRAM_BAR_SIZE} returns (nova-drm's file.rs reads
 *     {@code pdev.resource_len(1)})
 * @param vram the GPU's VRAM manager, backing GEM objects
 * @param aperture the CPU mapping of the VRAM aperture (BAR1, VRAM offsets [0, BAR1 size)),
 *     through which GEM objects are mapped, or {@link MemorySegment#NULL} if there is none (mmap
 *     then fails with ENXIO): nova.core's devres mapping of BAR1 ({@code Bar.memory()}), which
 *     becomes inaccessible (IllegalStateException) when nova.core unbinds, after nova-drm
 * @param vm the GPU's VA spaces (what nova-drm's VM_INIT creates a file's space with), or null
 *     when the GPU offers none (VM_INIT then fails with ENODEV); revoked by nova.core after
 *     nova-drm unbinds
 * @param channels the GPU's channels (what nova-drm's jobs run on), or null when the GPU offers
 *     none (channel allocation then fails with ENODEV); revoked by nova.core after nova-drm unbinds
 * @param sysmem the GPU's system memory for GEM objects placed outside VRAM (coherent DMA of the
 *     GPU's PciDevice), or null when the GPU offers none (GEM objects then live in VRAM only and
 *     nothing is evicted); revoked by nova.core after nova-drm unbinds (version 1.5)
 */
public record NovaDrmData(String gpu, long vramBarSize, VramManager vram, MemorySegment aperture, GpuVmManager vm,
        GpuChannels channels, GpuSysmem sysmem) {
    /** The data without GPU VA spaces (version 1.2 of this package). */
    public NovaDrmData(String gpu, long vramBarSize, VramManager vram, MemorySegment aperture) {
        this(gpu, vramBarSize, vram, aperture, null, null, null);
    }

    /** The data without channels (version 1.3 of this package). */
    public NovaDrmData(String gpu, long vramBarSize, VramManager vram, MemorySegment aperture, GpuVmManager vm) {
        this(gpu, vramBarSize, vram, aperture, vm, null, null);
    }

    /** The data without system memory (version 1.4 of this package). */
    public NovaDrmData(String gpu, long vramBarSize, VramManager vram, MemorySegment aperture, GpuVmManager vm,
            GpuChannels channels) {
        this(gpu, vramBarSize, vram, aperture, vm, channels, null);
    }

    public NovaDrmData {
        if (gpu == null || vram == null) {
            throw new IllegalArgumentException("NovaDrmData needs a GPU name and a VRAM manager");
        }
        if (aperture == null) {
            aperture = MemorySegment.NULL;
        }
    }
}
