/**
 * NVIDIA's register map as nova-core uses it for bring-up: every register and field declared
 * once, with a line of documentation and its source, in the style of nova-core's regs.rs.
 *
 * <p>A {@link org.nova.nvidia.regs.Register} is an offset in a {@link
 * org.nova.nvidia.regs.Register.Space} (BAR0 directly, or relative to a falcon engine's
 * {@code PFALCON}/{@code PFALCON2} base, see {@link org.nova.nvidia.regs.FalconEngine}), possibly
 * an array; a {@link org.nova.nvidia.regs.Field} is a bit range of a 32-bit register value
 * with typed get/set helpers. The constants live in one class per unit: {@link
 * org.nova.nvidia.regs.Pmc}, {@link org.nova.nvidia.regs.Pbus}, {@link
 * org.nova.nvidia.regs.Pfb}, {@link org.nova.nvidia.regs.Pgsp}, {@link
 * org.nova.nvidia.regs.Pgc6}, {@link org.nova.nvidia.regs.Pdisp}, {@link
 * org.nova.nvidia.regs.Fuse}, {@link org.nova.nvidia.regs.Pfalcon}, {@link
 * org.nova.nvidia.regs.Pfalcon2}. The simulated GPU answers these registers and the driver
 * reads them; neither writes a bare offset or mask of its own.
 *
 * <p>All types are immutable and thread-safe.
 */
@Export
@Version("1.3.0")
package org.nova.nvidia.regs;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
