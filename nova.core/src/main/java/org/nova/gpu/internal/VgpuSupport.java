package org.nova.gpu.internal;

import org.nova.nvidia.Chipset;

/**
 * Whether this boot runs GSP-RM with vGPU (nova-core vgpu.rs {@code VgpuManager::detect_state} and
 * vgpu/hal.rs, torvalds/linux 6dcbb4b1 / 29daacac): the chip must support vGPU, the PF must have
 * SR-IOV with at least {@link #MIN_TOTAL_VFS} VFs (single-VF SR-IOV is not supported yet), and on
 * chips that boot through the FSP its vGPU knob must be on. The per-chip rule: mainline's
 * vgpu/hal/gb202.rs enables Blackwell GB20x; Ada is enabled as the nova-core vGPU RFC
 * (20251206124208, "On Ada with vGPU supported ..."; its tree's {@code vgpu_is_supported}: AD102 and
 * later with VFs) does, which is what this project's vGPU manager runs on; Turing, Ampere, Hopper and
 * GB10x are off (vgpu/hal/tu102.rs). The FSP's vGPU knob is not asked: the simulated FSP does not
 * model it, so a GB20x with enough VFs turns vGPU on by the other two rules alone.
 *
 * <p>With vGPU on, the layout reserves the vGPU WPR2 heap with its VF partitions ({@link FbLayout})
 * and SetRegistry adds RMSetSriovMode ({@link Commands#bootRegistry}).
 */
final class VgpuSupport {
    /** The fewest SR-IOV VFs nova-core enables vGPU with (vgpu.rs: "total_vfs.get() < 2" is off). */
    static final int MIN_TOTAL_VFS = 2;

    /**
     * @param enabled whether vGPU is on for this boot
     * @param totalVfs the PF's TotalVFs
     * @param reason why, for the log and for an ENODEV when a client asks for vGPU
     */
    record Decision(boolean enabled, int totalVfs, String reason) {
    }

    private VgpuSupport() {
    }

    /** @return whether the chip can run vGPU (vgpu/hal supports_vgpu, with Ada as the RFC enables it) */
    static boolean chipSupportsVgpu(Chipset chip) {
        return switch (chip.architecture()) {
            case ADA, BLACKWELL_GB20X -> true;
            case TURING, AMPERE, HOPPER, BLACKWELL_GB10X -> false;
        };
    }

    /**
     * @param chip the identified chip
     * @param totalVfs TotalVFs of the PF's SR-IOV capability, 0 without one
     * @return the decision with its reason
     */
    static Decision decide(Chipset chip, int totalVfs) {
        if (!chipSupportsVgpu(chip)) {
            return new Decision(false, totalVfs, chip + " (" + chip.architecture().displayName()
                    + ") does not support vGPU");
        }
        if (totalVfs == 0) {
            return new Decision(false, 0, "the PCI function has no SR-IOV capability");
        }
        if (totalVfs < MIN_TOTAL_VFS) {
            return new Decision(false, totalVfs, "SR-IOV with " + totalVfs + " VF: vGPU needs at least "
                    + MIN_TOTAL_VFS);
        }
        return new Decision(true, totalVfs, chip + " with " + totalVfs + " SR-IOV VFs");
    }
}
