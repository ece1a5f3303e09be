/**
 * Work submission on NVIDIA GPUs as NVIDIA publishes it: the channel and copy-engine classes per
 * chip ({@link org.nova.nvidia.fifo.FifoClasses}), the host (PBDMA) methods, pushbuffer method
 * headers, GPFIFO entries and USERD words of the channel class ({@link
 * org.nova.nvidia.fifo.HostMethods}), the copy engine's methods ({@link
 * org.nova.nvidia.fifo.CopyMethods}), the usermode doorbell ({@link org.nova.nvidia.fifo.Doorbell})
 * and the robust-channel error codes a stopped channel reports ({@link
 * org.nova.nvidia.fifo.RobustChannel}). Each number is declared once, with the header it comes
 * from; nova.core writes pushbuffers and the simulated GPU decodes them through the same
 * declarations.
 *
 * <p>All types are immutable and thread-safe.
 */
@Export
@Version("1.1.0")
package org.nova.nvidia.fifo;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
