package org.nova.vgpu.internal;

import java.util.List;
import java.util.function.IntConsumer;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.VramBlock;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VfioIrq;
import org.nova.vgpu.VfioRegion;
import org.nova.vgpu.VgpuInfo;

/**
 * One vGPU and its VFIO-style device. BAR1 is the VF's own BAR1, which the GPU maps onto this
 * vGPU's framebuffer (offset o reaches VRAM at fb.offset + o): the isolation is the hardware's.
 * The guest sees the type's BAR1 size, at most the framebuffer and the VF's BAR; accesses outside
 * are refused here before they reach the device.
 */
final class Vgpu implements VfioDevice {
    /** PCI_VENDOR_ID / PCI_DEVICE_ID as the guest sees them (the VF reads FFFFh). */
    private static final int PCI_ID = 0x00;
    private final VgpuInfo info;
    private final VfAccess vf;
    private final VramBlock fb;
    private final VramBlock heap;
    private final int vendorDevice;
    private volatile boolean closed;
    private volatile IntConsumer msi;

    Vgpu(VgpuInfo info, VfAccess vf, VramBlock fb, VramBlock heap, int vendorDevice) {
        this.info = info;
        this.vf = vf;
        this.fb = fb;
        this.heap = heap;
        this.vendorDevice = vendorDevice;
    }

    VramBlock fb() {
        return fb;
    }

    VramBlock heap() {
        return heap;
    }

    void close() {
        closed = true;
        if (msi != null) {
            msi = null;
            vf.onMsi(null);
        }
    }

    @Override
    public VgpuInfo info() {
        return info;
    }

    /** @return the guest-visible BAR1 size: the type's aperture, at most the framebuffer and the VF's BAR */
    long bar1Size() {
        return Math.min(Math.min(info.type().bar1Size(), info.fbSize()), vf.bar1Size());
    }

    @Override
    public List<VfioRegion> regions() {
        return List.of(new VfioRegion(BAR0_REGION_INDEX, "BAR0", vf.bar0Size(), true, true),
                new VfioRegion(BAR1_REGION_INDEX, "BAR1", bar1Size(), true, true),
                new VfioRegion(CONFIG_REGION_INDEX, "config", vf.configSize(), true, true));
    }

    private void check(long size, long offset, int width) {
        if (closed) {
            throw new DriverException(Errno.ENODEV, "the vGPU on " + info.vf() + " was destroyed");
        }
        if (width != 1 && width != 2 && width != 4 && width != 8) {
            throw new DriverException(Errno.EINVAL, "access width " + width);
        }
        if (offset < 0 || offset > size - width) {
            throw new DriverException(Errno.ERANGE, String.format("access of %d bytes at 0x%x outside the region"
                    + " (0x%x bytes)", width, offset, size));
        }
    }

    @Override
    public long read(int region, long offset, int width) {
        return switch (region) {
            case BAR0_REGION_INDEX -> {
                check(vf.bar0Size(), offset, width);
                yield vf.readBar0(offset, width);
            }
            case BAR1_REGION_INDEX -> {
                check(bar1Size(), offset, width);
                yield vf.readBar1(offset, width);
            }
            case CONFIG_REGION_INDEX -> {
                check(vf.configSize(), offset, width);
                long v = vf.readConfig((int) offset, width);
                if (offset < 4) { // virtualise the IDs a VF does not carry (vfio-pci does the same)
                    long ids = vendorDevice & 0xffff_ffffL;
                    for (int i = 0; i < width && offset + i < 4; i++) {
                        int shift = 8 * i;
                        long b = ids >>> (8 * (offset + i)) & 0xff;
                        v = v & ~(0xffL << shift) | b << shift;
                    }
                }
                yield v;
            }
            default -> throw new DriverException(Errno.EINVAL, "no region " + region);
        };
    }

    @Override
    public void write(int region, long offset, int width, long value) {
        switch (region) {
            case BAR0_REGION_INDEX -> {
                check(vf.bar0Size(), offset, width);
                vf.writeBar0(offset, width, value);
            }
            case BAR1_REGION_INDEX -> {
                check(bar1Size(), offset, width);
                vf.writeBar1(offset, width, value);
            }
            case CONFIG_REGION_INDEX -> {
                check(vf.configSize(), offset, width);
                if (offset >= 4) {
                    vf.writeConfig((int) offset, width, value);
                }
            }
            default -> throw new DriverException(Errno.EINVAL, "no region " + region);
        }
    }

    @Override
    public List<VfioIrq> irqs() {
        return List.of(new VfioIrq(INTX_IRQ_INDEX, "INTx", 0), new VfioIrq(MSI_IRQ_INDEX, "MSI", 1));
    }

    /**
     * The VF's MSI goes to {@code handler}: the vGPU's interrupts are the VF's (raised through its
     * interrupt tree in BAR0), as vfio-pci passes a function's MSI to an eventfd.
     */
    @Override
    public void setIrqHandler(int index, IntConsumer handler) {
        check(1, 0, 1);
        if (index != MSI_IRQ_INDEX) {
            throw new DriverException(Errno.EINVAL, "the vGPU has no vectors at IRQ index " + index);
        }
        boolean wasOn = msi != null;
        msi = handler;
        if (handler != null && !wasOn) {
            vf.onMsi(this::signal);
        } else if (handler == null && wasOn) {
            vf.onMsi(null);
        }
    }

    /** The VF raised its MSI: the VMM's handler gets it. @return whether a handler took it */
    boolean signal(int vector) {
        IntConsumer h = msi;
        if (h == null || closed) {
            return false;
        }
        h.accept(vector);
        return true;
    }

    /**
     * A function-level reset of the VF. The framebuffer keeps its contents, as on hardware: the
     * firmware scrubs a vGPU's memory when the vGPU is destroyed, not when its VF resets.
     */
    @Override
    public void reset() {
        check(1, 0, 1);
        vf.reset();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "vGPU " + info.type().name() + " on " + info.vf();
    }
}
