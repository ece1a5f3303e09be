/**
 * Cross-driver fences: the kernel's dma-fence (include/linux/dma-fence.h, drivers/dma-buf/dma-fence.c
 * and dma-fence-array.c, Linux 6.12). A {@link org.nova.dma.fence.DmaFence} is a point on a
 * timeline ({@link org.nova.dma.fence.FenceContext}: a context number and increasing sequence
 * numbers) that is signalled exactly once, successfully or with a
 * {@link org.nova.dma.fence.FenceError}; other bundles add callbacks to it or wait on it.
 * {@link org.nova.dma.fence.DmaFenceArray} is the "all of" fence used for job dependencies.
 * Plain Java: no OSGi types; thread-safe.
 */
@Export
@Version("1.0.0")
package org.nova.dma.fence;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
