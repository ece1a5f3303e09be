package org.nova.vgpu;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The vGPU manager (an OSGi service of vgpu.vfio): the NVIDIA vGPU RFC's lifecycle on top of
 * nova.core. A vGPU lives on an SR-IOV virtual function bound to vgpu.vfio; its GPU (the PF)
 * runs nova.core, whose command service carries the firmware calls.
 *
 * <p>Rules (the RFC's): one type at a time per GPU (homogeneous), at most the type's maximum
 * instances, one vGPU per VF. Errors: ENODEV (not a vgpu.vfio VF, unknown or not creatable
 * type), EBUSY (the VF already has a vGPU), ENOSPC (too many instances, no framebuffer or
 * channels left).
 */
@ProviderType
public interface VgpuManager {
    /**
     * @param device the GPU (PF) or one of its VFs
     * @return the types the firmware offers
     * @throws org.nova.driver.DriverException ENODEV if no vGPU-capable GPU is bound there
     */
    List<VgpuType> types(String device);

    /**
     * @param device the GPU (PF) or one of its VFs
     * @return the types a vGPU could be created with now (all, or only the type already running)
     */
    List<VgpuType> creatableTypes(String device);

    /**
     * Creates a vGPU on a VF: carves its framebuffer, assigns its channels, boots it through the
     * firmware.
     *
     * @param vf the VF ("0000:00:06.1" or "00:06.1")
     * @param type a type name or its ID (decimal or 0x hex)
     * @return the vGPU's device
     */
    VfioDevice create(String vf, String type);

    /**
     * Destroys the vGPU of a VF (shutdown and cleanup in the firmware, memory and channels freed).
     *
     * @throws org.nova.driver.DriverException ENODEV if the VF has no vGPU
     */
    void destroy(String vf);

    /** @return every vGPU, in VF order */
    List<VgpuInfo> list();

    /** @return the vGPU device of a VF, if it has one */
    Optional<VfioDevice> device(String vf);
}
