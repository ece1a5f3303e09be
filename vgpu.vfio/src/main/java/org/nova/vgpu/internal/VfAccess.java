package org.nova.vgpu.internal;

/**
 * What a vGPU device needs of its VF: config space, BAR0, BAR1 (which the GPU maps onto the
 * vGPU's framebuffer once the firmware booted it), reset. The PCI device in the driver, a fake in
 * tests.
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

    /** Function-level reset. */
    void reset();
}
