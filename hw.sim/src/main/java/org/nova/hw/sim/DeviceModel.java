package org.nova.hw.sim;

import java.util.Map;
import org.nova.hw.HwException;

/**
 * A register-level device model behind one simulated function, in the role of a QEMU
 * PCIDeviceClass: it provides the power-on config space and the contents of its BARs, reacts to
 * accesses, and reaches the rest of the platform only through its {@link DeviceContext}
 * (interrupts, DMA through the IOMMU, config space).
 *
 * <p>Threading: the function calls {@link Region} accesses, {@link #reset()} and
 * {@link #configWritten} with its lock held. A model that has threads of its own takes
 * {@link DeviceContext#lock()} before touching its state or the context.
 */
interface DeviceModel {

    /** @return a short description, e.g. "QEMU edu" ({@link org.nova.hw.PciFunction#model()}) */
    String description();

    /** @return the power-on config space (called once, before {@link #start}) */
    ConfigSpace createConfigSpace();

    /**
     * @param index 0..5, or 6 for the expansion ROM
     * @return the region of that BAR as declared in the config space, or null
     */
    Region region(int index);

    /**
     * The function is plugged in: the model may start its threads and keep the context.
     *
     * @param context the function's side of the platform
     */
    void start(DeviceContext context);

    /** Function-level reset: device state back to power-on. Called with the lock held. */
    void reset();

    /** The function is removed: stop threads; the context must not be used afterwards. */
    void stop();

    /**
     * Config space was written by software (after the masks were applied). Called with the
     * lock held.
     *
     * @param offset the offset written
     * @param width  the width written
     */
    default void configWritten(int offset, int width) {
    }

    /** @return state no register shows ({@link org.nova.hw.PciFunction#deviceState()}); none by default */
    default Map<String, String> state() {
        return Map.of();
    }

    /**
     * Creates the model of an SR-IOV virtual function of this physical function. Only called
     * when the config space has an SR-IOV capability. The VF's config space must be built with
     * {@link ConfigSpaceBuilder#virtualFunction()}; its regions must match the VF BARs of the
     * PF's SR-IOV capability.
     *
     * @param vfIndex 0-based VF number
     * @return the VF model
     * @throws HwException ENODEV by default: the model has no virtual functions
     */
    default DeviceModel virtualFunction(int vfIndex) {
        throw new HwException(HwException.ENODEV, description() + " has no virtual function model");
    }
}
