/**
 * NVIDIA's firmware file formats, as zero-copy parsers over a {@link
 * java.lang.foreign.MemorySegment} (the firmware is memory-mapped; nothing is copied, slices
 * of the caller's segment are returned) and as builders for the simulated GPU:
 * <ul>
 * <li>{@link org.nova.nvidia.fw.Elf64}: ELF64 section headers (the {@code gsp-*.bin} image is
 * an ELF whose sections {@code .fwimage}, {@code .fwversion} and {@code .fwsignature_<chip>}
 * carry the GSP-RM image, its version string and per-chip signatures), read by
 * {@link org.nova.nvidia.fw.GspFirmware}; {@link org.nova.nvidia.fw.Elf64Builder} writes one.</li>
 * <li>{@link org.nova.nvidia.fw.BinFirmware}: the {@code BinHdr} (magic 0x10de) container of
 * the booter and bootloader files; {@link org.nova.nvidia.fw.BooterFirmware} reads the
 * heavy-secure headers and the signatures to patch, {@link org.nova.nvidia.fw.RiscvFirmware}
 * the RISC-V ucode descriptor of the GSP bootloader.</li>
 * <li>{@link org.nova.nvidia.fw.Radix3}: the three-level page table the GSP bootloader walks to
 * find the GSP image.</li>
 * <li>{@link org.nova.nvidia.fw.FalconUcodeDesc} ({@link org.nova.nvidia.fw.FalconUcodeDescV2} on
 * Turing and GA100, {@link org.nova.nvidia.fw.FalconUcodeDescV3} later) and
 * {@link org.nova.nvidia.fw.FwsecInterface}: the FWSEC descriptor from the VBIOS and the DMEM-mapper
 * interface that carries its command.</li>
 * <li>{@link org.nova.nvidia.fw.GenBootloader} and {@link org.nova.nvidia.fw.BootloaderDmemDescV2}:
 * the generic bootloader that DMAs FWSEC into the GSP falcon on Turing and GA100, and the descriptor
 * the driver gives it (1.2.0).</li>
 * </ul>
 * Every parser rejects bad input with a {@link org.nova.nvidia.FormatException} naming the
 * file, the structure, the offset and the problem, and with nothing else: no index, arithmetic,
 * allocation or other runtime exception escapes for any bytes (counts are bounded by the file
 * before anything is allocated for them, offset + size is checked without overflow, u32 fields
 * are read as unsigned). A parse that returns has checked every header, offset, size, id, mask
 * and fuse version the boot will use; what depends on the GPU (its fuses, its chip's signature
 * section) is checked by the methods that take it, with the same exception. Parsed values are immutable records; the
 * slices they return are views of the caller's segment and live as long as it does.
 * Source: Linux nova-core firmware.rs, firmware/{booter,fwsec,gsp,riscv}.rs; NVIDIA
 * open-gpu-kernel-modules (RM_RISCV_UCODE_DESC, FALCON_UCODE_DESC_V3, FALCON_APPLICATION_INTERFACE).
 */
@Export
@Version("1.2.0")
package org.nova.nvidia.fw;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
