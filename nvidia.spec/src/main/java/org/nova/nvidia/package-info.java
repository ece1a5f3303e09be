/**
 * NVIDIA's published interface as data, shared by the simulated GPU and the nova.core driver
 * the way a real GPU and its driver share NVIDIA's headers: the chipsets and architectures
 * ({@link org.nova.nvidia.Chipset}, {@link org.nova.nvidia.Architecture}), the identification
 * of a GPU from its boot registers ({@link org.nova.nvidia.GpuIdentity}), the firmware file
 * names ({@link org.nova.nvidia.FirmwareNames}) and the error every parser of this bundle
 * reports ({@link org.nova.nvidia.FormatException}).
 *
 * <p>Sub-packages: {@code org.nova.nvidia.regs} (the register map), {@code org.nova.nvidia.fw}
 * (firmware file formats: ELF, BinHdr, booter, RISC-V descriptor, GSP image, radix-3 page
 * table, FWSEC interface) and {@code org.nova.nvidia.vbios} (the VBIOS layout, as parser and
 * builder). Every value here is immutable and holds no resource; parsers read a caller's
 * {@link java.lang.foreign.MemorySegment} without copying it and stay valid as long as the
 * caller keeps that segment alive.
 *
 * <p>Sources: Linux drivers/gpu/nova-core (gpu.rs, regs.rs, firmware.rs) and NVIDIA's
 * open-gpu-doc and open-gpu-kernel-modules headers.
 */
@Export
@Version("1.2.0")
package org.nova.nvidia;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
