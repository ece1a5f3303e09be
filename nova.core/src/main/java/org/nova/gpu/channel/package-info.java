/**
 * GPU channels for other bundles: {@link org.nova.gpu.channel.GpuChannels}, one per bound GPU
 * (handed to nova-drm in {@link org.nova.gpu.vram.NovaDrmData}), allocates
 * {@link org.nova.gpu.channel.GpuChannel}s through GSP-RM — a GPFIFO ring, its USERD and an
 * instance block, bound to a {@link org.nova.gpu.vm.GpuVm} and to an engine — into which the
 * caller pushes pushbuffer segments that the engine fetches through the GPU's MMU. Completion is a
 * semaphore the channel releases after each submission, followed by a non-stall interrupt; a
 * channel the GPU faults reports a {@link org.nova.gpu.channel.ChannelError}. Scheduling of jobs,
 * dependencies and fences are the caller's (nova-drm's job queue): this package is the ring.
 * Plain Java: no OSGi types.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.nova.gpu.channel;
