/**
 * The vGPU VFIO driver's API for a Java virtual-machine monitor: the {@link org.nova.vgpu.VgpuManager}
 * service (vGPU types per GPU, create and destroy a vGPU on an SR-IOV virtual function) and the
 * VFIO-style {@link org.nova.vgpu.VfioDevice} of each vGPU (regions, interrupts, reset).
 */
@Export
@Version("1.3.0")
package org.nova.vgpu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
