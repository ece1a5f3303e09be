package org.nova.gpu;

import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;

/**
 * What the GPU's firmware needs to boot the vGPU plugin task of one virtual function
 * ({@link VgpuControl#bootloadPluginTask}). The caller owns the two VRAM blocks (carved from the
 * GPU's {@link org.nova.gpu.vram.VramManager}) and keeps them until the plugin was cleaned up.
 *
 * @param vf the virtual function
 * @param gfid its GPU function ID (VF index + 1)
 * @param vgpuType the type to run ({@link VgpuTypeInfo#id})
 * @param firstChannel the vGPU's first channel ID (every engine's, as the RFC hands them out)
 * @param channels how many channels the vGPU has
 * @param framebuffer the guest framebuffer (one segment)
 * @param heap the plugin's management heap: CPU-visible VRAM, at least
 *     {@link VgpuControl#pluginHeapMinimum()} bytes
 */
public record PluginTask(PciAddress vf, int gfid, int vgpuType, int firstChannel, int channels, VramBlock framebuffer,
        VramBlock heap) {
}
