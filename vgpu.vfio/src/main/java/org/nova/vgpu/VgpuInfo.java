package org.nova.vgpu;

/**
 * A vGPU as the manager sees it (a snapshot).
 *
 * @param vf the VF the vGPU lives on ("0000:00:06.1")
 * @param pf the GPU (physical function)
 * @param gfid the GPU function ID (VF index + 1)
 * @param type the vGPU's type
 * @param fbOffset where its framebuffer starts in the GPU's VRAM
 * @param fbSize its framebuffer's size
 * @param chidOffset its first channel ID
 * @param channels its channel count
 * @param pluginHeapOffset where its firmware plugin's management heap starts in the GPU's VRAM
 * @param pluginHeapSize the heap's size
 */
public record VgpuInfo(String vf, String pf, int gfid, VgpuType type, long fbOffset, long fbSize, int chidOffset,
        int channels, long pluginHeapOffset, long pluginHeapSize) {
}
