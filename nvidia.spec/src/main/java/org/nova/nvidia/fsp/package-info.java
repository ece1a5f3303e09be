/**
 * What the driver and the FSP of a Hopper or Blackwell GPU exchange to boot the GSP, as data:
 * <ul>
 * <li>{@link org.nova.nvidia.fsp.Mctp}: the MCTP transport header and the NVIDIA vendor-defined
 * (NVDM) message header every FSP message starts with, and the NVDM types;</li>
 * <li>{@link org.nova.nvidia.fsp.FspCot}: the chain-of-trust (COT) message that hands the FSP the
 * FMC image, its signatures, the FRTS placement and the GSP boot parameters, and the FSP's
 * command response;</li>
 * <li>{@link org.nova.nvidia.fsp.FmcFirmware}: the FMC firmware ELF ({@code fmc-570.144.bin}) and
 * its image, hash, public key and signature sections;</li>
 * <li>{@link org.nova.nvidia.fsp.GspFmcBootParams}: the r570 GSP_FMC_BOOT_PARAMS the GSP-FMC reads,
 * which point it at the WPR metadata and the LibOS arguments.</li>
 * </ul>
 * Parsers reject bad input with a {@link org.nova.nvidia.FormatException} naming the message or
 * file, the structure, the offset and the problem, and nothing else. Sources: torvalds/linux
 * drivers/gpu/nova-core mctp.rs@b2128290, fsp.rs@637315cb, firmware/fsp.rs@637315cb,
 * gsp/fw.rs (GspFmcBootParams) and gsp/fw/r570_144/bindings.rs (GSP_FMC_BOOT_PARAMS).
 */
@Export
@Version("1.0.0")
package org.nova.nvidia.fsp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
