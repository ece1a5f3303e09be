/**
 * The GSP's version-independent ABI: {@link org.nova.nvidia.gsp.GspFwWprMeta} (what the booter
 * reads), the shared-memory message queues ({@link org.nova.nvidia.gsp.GspMsgQueue}: tx/rx
 * headers, 4 KiB pages, queue elements with checksum and sequence number, the RPC message
 * header, the checksum rule) and the LibOS arguments that tell the GSP where the queues are
 * ({@link org.nova.nvidia.gsp.LibosArgs}), the WPR2 heap sizing rules
 * ({@link org.nova.nvidia.gsp.GspFwHeap}), the SetSystemInfo constants
 * ({@link org.nova.nvidia.gsp.SystemInfoFacts}) and the registry keys nova-core sets
 * ({@link org.nova.nvidia.gsp.RegistryKeys}). Both the driver and the simulated GSP use these
 * declarations. Sources: NVIDIA open-gpu-kernel-modules (gsp_fw_wpr_meta.h, msgq_priv.h,
 * message_queue_priv.h, rpc_headers.h, libos_init_args.h, gsp_init_args.h); nova-core
 * gsp/cmdq.rs and gsp/fw.rs.
 */
@Export
@Version("2.0.0")
package org.nova.nvidia.gsp;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
