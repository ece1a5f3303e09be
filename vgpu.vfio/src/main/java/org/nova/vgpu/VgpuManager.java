package org.nova.vgpu;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The vGPU manager (an OSGi service of vgpu.vfio): the NVIDIA vGPU RFC's lifecycle on top of
 * nova.core. A vGPU lives on an SR-IOV virtual function bound to vgpu.vfio; its GPU (the PF)
 * runs nova.core, whose command service carries the firmware calls.
 *
 * <p>Rules (NVIDIA's vGPU manager's homogeneous placement): a type's framebuffers go in fixed-size
 * slots (its placements), at most the type's maximum instances; while vGPUs run only types of
 * their placement size are creatable (types of one size may be mixed); one vGPU per VF. What
 * {@link #availableInstances} counts is creatable, and a create is refused before anything is
 * allocated. Errors: ENODEV (not a vgpu.vfio VF, unknown type, or a type of another placement
 * size than the running vGPUs'), EBUSY (the VF already has a vGPU), ENOSPC (too many instances,
 * no free placement, no channels or CPU-visible VRAM for the plugin heap left).
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
     * @return the types a vGPU could be created with now: those with {@link #availableInstances} &gt; 0
     */
    List<VgpuType> creatableTypes(String device);

    /**
     * How many more vGPUs of a type the GPU takes now (sysfs / mdev {@code available_instances}):
     * its free placements, within its maximum instances, the VFs bound to vgpu.vfio without a vGPU
     * and the channels left; 0 while vGPUs of another placement size run. That many creates of the
     * type on idle VFs succeed, one after the other.
     *
     * @param device the GPU (PF) or one of its VFs
     * @param typeId the type's ID ({@link VgpuType#id()})
     * @throws org.nova.driver.DriverException ENODEV if no vGPU-capable GPU is bound there or it
     *     offers no such type
     */
    int availableInstances(String device, int typeId);

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
