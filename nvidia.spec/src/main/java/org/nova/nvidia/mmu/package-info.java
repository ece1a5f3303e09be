/**
 * The GPU MMU's memory formats as NVIDIA publishes them: page directory and page table entries of
 * format versions 2 ({@link org.nova.nvidia.mmu.MmuV2}, Pascal to Ada) and 3 ({@link
 * org.nova.nvidia.mmu.MmuV3}, Hopper and Blackwell), each behind one {@link org.nova.nvidia.mmu.MmuFormat}, their level layout ({@link
 * org.nova.nvidia.mmu.MmuLevel}), the instance block words the MMU reads ({@link
 * org.nova.nvidia.mmu.Ramin}), the fault codes ({@link org.nova.nvidia.mmu.FaultType}, {@link
 * org.nova.nvidia.mmu.FaultAccess}) and the per-architecture choices ({@link
 * org.nova.nvidia.mmu.MmuHal}). Each field is an {@link org.nova.nvidia.mmu.EntryField} declared
 * once with the header it comes from; the driver builds entries and the simulated GPU reads them
 * through the same declarations.
 *
 * <p>All types are immutable and thread-safe.
 */
@Export
@Version("1.2.0")
package org.nova.nvidia.mmu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
