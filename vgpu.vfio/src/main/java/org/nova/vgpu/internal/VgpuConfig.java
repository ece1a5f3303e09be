package org.nova.vgpu.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the vGPU VFIO driver (PID {@value VgpuVfioDriver#PID}), for Metatype and the shell. */
@ObjectClassDefinition(name = "Nova vGPU VFIO driver",
        description = "vGPUs the driver creates on the GPUs' SR-IOV virtual functions as they probe.")
@interface VgpuConfig {
    /** @return the entries "VF=TYPE" */
    @AttributeDefinition(name = "Create", required = false,
            description = "Entries VF=TYPE: a virtual function's PCI address and the vGPU type's name or id, e.g. "
                    + "0000:00:06.1=NVIDIA L40-1Q; the VF gets its vGPU when it probes.")
    String[] create() default {};
}
