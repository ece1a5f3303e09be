/**
 * GPU virtual address spaces for other bundles: {@link org.nova.gpu.vm.GpuVmManager}, one per
 * bound GPU (handed to nova-drm in {@link org.nova.gpu.vram.NovaDrmData}), creates
 * {@link org.nova.gpu.vm.GpuVm}s — an instance block and page tables in VRAM (MMU format version 2, or 3 on Hopper and Blackwell) — in which
 * the caller maps VRAM blocks or system memory (DMA segments, the system memory aperture) at VAs it chooses, unmaps ranges (splitting mappings that straddle
 * the range's ends), reserves sparse ranges (sparse PTEs: reads zero, writes dropped) and asks how a VA translates. The tables are nova.core's;
 * what is mapped stays the caller's. Plain Java: no OSGi types.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.nova.gpu.vm;
