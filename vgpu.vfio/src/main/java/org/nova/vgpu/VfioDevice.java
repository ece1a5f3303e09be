package org.nova.vgpu;

import java.util.List;
import java.util.function.IntConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The VFIO-style device of one vGPU, for a Java virtual-machine monitor: the guest-visible
 * regions (the VF's config space, BAR0 registers, a BAR1 aperture sized by the vGPU type that
 * maps only this vGPU's framebuffer), its interrupts and reset. Accesses are little endian, of
 * width 1, 2, 4 or 8 inside the region. After the vGPU is destroyed every call fails with
 * {@code ENODEV}.
 */
@ProviderType
public interface VfioDevice {
    /** VFIO_PCI_BAR0_REGION_INDEX. */
    int BAR0_REGION_INDEX = 0;
    /** VFIO_PCI_BAR1_REGION_INDEX. */
    int BAR1_REGION_INDEX = 1;
    /** VFIO_PCI_CONFIG_REGION_INDEX. */
    int CONFIG_REGION_INDEX = 7;
    /** VFIO_PCI_INTX_IRQ_INDEX. */
    int INTX_IRQ_INDEX = 0;
    /** VFIO_PCI_MSI_IRQ_INDEX. */
    int MSI_IRQ_INDEX = 1;

    /** @return the vGPU */
    VgpuInfo info();

    /** @return the regions (VFIO_DEVICE_GET_REGION_INFO for each index) */
    List<VfioRegion> regions();

    /**
     * Reads a region.
     *
     * @throws org.nova.driver.DriverException EINVAL (unknown region, bad width), EFAULT-like
     *     ERANGE (outside the region), ENODEV (destroyed)
     */
    long read(int region, long offset, int width);

    /** Writes a region; errors as {@link #read}. */
    void write(int region, long offset, int width, long value);

    /** @return the interrupt indexes (VFIO_DEVICE_GET_IRQ_INFO) */
    List<VfioIrq> irqs();

    /**
     * VFIO_DEVICE_SET_IRQS with an eventfd: {@code handler} gets the vector when the vGPU
     * signals that interrupt; null disables it.
     */
    void setIrqHandler(int index, IntConsumer handler);

    /** VFIO_DEVICE_RESET: the VF is reset and the vGPU's framebuffer cleared. */
    void reset();

    /** @return true once the vGPU was destroyed */
    boolean isClosed();
}
