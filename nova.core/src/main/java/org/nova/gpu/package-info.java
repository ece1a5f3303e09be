/**
 * nova.core's API for other bundles: the {@link org.nova.gpu.NovaGpus} service describing the
 * GPUs the driver brought up ({@link org.nova.gpu.GpuInfo}), and the command service
 * {@link org.nova.gpu.GspCommands}: channels that send firmware commands by name and get the
 * replies, synchronously or asynchronously, with timeouts, revoked at unbind, accounted per
 * client, and the typed vGPU manager controls {@link org.nova.gpu.VgpuControl}. The firmware ABI
 * (numbers and layouts per release) stays inside nova.core: no client lays out a firmware
 * structure by field name.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.nova.gpu;
