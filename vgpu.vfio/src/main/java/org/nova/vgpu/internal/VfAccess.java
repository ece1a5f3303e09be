package org.nova.vgpu.internal;

/**
 * What a vGPU device needs of its VF: config space, BAR0 (with the VF's interrupt tree), BAR1
 * (which the GPU maps onto the vGPU's framebuffer once the firmware booted it), its MSI, reset.
 * The PCI device in the driver, a fake in tests.
 */
interface VfAccess {
    /** @return the VF's name */
    String slot();

    /** @return the VF index (0-based) */
    int vfIndex();

    /** @return the config space size */
    int configSize();

    long readConfig(int offset, int width);

    void writeConfig(int offset, int width, long value);

    /** @return BAR0's size */
    long bar0Size();

    long readBar0(long offset, int width);

    void writeBar0(long offset, int width, long value);

    /** @return BAR1's size */
    long bar1Size();

    long readBar1(long offset, int width);

    void writeBar1(long offset, int width, long value);

    /**
     * Routes the VF's MSI to {@code handler} (vfio-pci's VFIO_DEVICE_SET_IRQS on the MSI index):
     * the first handler enables the VF's MSI vector, null disables it again.
     *
     * @throws org.nova.driver.DriverException when the VF's MSI cannot be enabled
     */
    void onMsi(java.util.function.IntConsumer handler);

    /** Bus mastering on or off (the RFC's open_device enables BME: the VF's MSI and DMA need it). */
    void setBusMaster(boolean on);

    /** Function-level reset. */
    void reset();
}
