/**
 * VRAM management for nova.core and its auxiliary drivers: {@link org.nova.gpu.vram.BuddyAllocator}
 * (a buddy allocator after the kernel's drivers/gpu/drm/drm_buddy.c: zones split into power-of-two
 * roots, blocks split on allocation and merged with their buddy on free, fragmentation statistics),
 * the {@link org.nova.gpu.vram.VramManager} service nova.core registers per bound GPU,
 * {@link org.nova.gpu.vram.GpuSysmem} (GPU-reachable system memory: coherent DMA buffers,
 * {@link org.nova.gpu.vram.SysmemBuffer}, and CPU copies between them and VRAM), and
 * {@link org.nova.gpu.vram.NovaDrmData}, the registration data of the "NovaCore.nova-drm.&lt;id&gt;"
 * auxiliary device. Plain Java: no OSGi types.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.nova.gpu.vram;
