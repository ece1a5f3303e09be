/**
 * nova.core's API for other bundles: the {@link org.nova.gpu.NovaGpus} service describing the
 * GPUs the driver brought up ({@link org.nova.gpu.GpuInfo}). The firmware ABI stays inside.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.nova.gpu;
