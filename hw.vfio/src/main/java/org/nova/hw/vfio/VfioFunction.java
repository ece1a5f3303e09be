package org.nova.hw.vfio;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaMapping;
import org.nova.hw.DmaDirection;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciAddress;

/**
 * A PCI function bound to vfio-pci, as the backend SPI's {@link PciFunction}. The work is done by
 * its parts, each after the kernel file it talks to: the device fd ({@link VfioDeviceFd}), config
 * space as vfio-pci virtualises it ({@link VfioPciConfig}), BARs mapped or read and written through
 * the fd ({@link VfioRegions}), interrupts through eventfds ({@link VfioIrqs}), DMA through its
 * group's container ({@link VfioDmaBuffer}, {@link VfioGroup}); reset is VFIO_DEVICE_RESET.
 *
 * <p>Ownership: the bridge owns the function and its device fd. Everything the consumer obtains
 * (mappings, IRQ sets, DMA buffers) is the consumer's to close, and is also tracked here: when the
 * function goes away (hot unplug on the kernel's request, or the bridge closing) {@link #release()}
 * closes whatever is still open, so no fd or mapping survives the function.
 *
 * <p>IOMMU faults: user space cannot observe them through VFIO (the type-1 IOMMU reports DMAR
 * faults only to the kernel log), so {@link #iommuFaults()} is always empty; the kernel log
 * (dmesg) shows "DMAR: [DMA Write] Request device [bb:dd.f] fault addr ...".
 */
final class VfioFunction implements PciFunction {
    private final VfioBridge bridge;
    private final PciAddress address;
    private final VfioGroup group;
    private final String model;
    private final VfioDeviceFd fd;
    private final VfioPciConfig config;
    private final VfioRegions regions;
    private final VfioIrqs irqs;
    private final Set<VfioDmaBuffer> buffers = ConcurrentHashMap.newKeySet();
    private final Set<VfioDmaMapping> sgMappings = ConcurrentHashMap.newKeySet();

    private VfioFunction(VfioBridge bridge, VfioGroup group, SysfsPci.Candidate c, VfioDeviceFd fd) {
        this.bridge = bridge;
        this.group = group;
        this.address = c.address();
        this.fd = fd;
        this.config = new VfioPciConfig(address, fd);
        this.regions = new VfioRegions(address, fd, config);
        this.irqs = new VfioIrqs(address, VfioIrqs.Device.of(fd, config), bridge.poller());
        this.model = String.format("PCI device %04x:%04x (vfio-pci)", Short.toUnsignedInt((short) c.vendor()),
                Short.toUnsignedInt((short) c.device()));
    }

    /**
     * Opens a function of an open group: its device fd, and what the kernel says about it. On
     * failure the device fd is closed again.
     */
    static VfioFunction open(VfioBridge bridge, VfioGroup group, SysfsPci.Candidate c) {
        VfioDeviceFd fd = VfioDeviceFd.open(group, c.address());
        try {
            return new VfioFunction(bridge, group, c, fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /** Arms the request interrupt; onRequest runs on the poller thread when the kernel wants the device back. */
    void armRequest(Runnable onRequest) {
        irqs.armRequest(onRequest);
    }

    // ---- identity ------------------------------------------------------------------------------

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public HostBridge bridge() {
        return bridge;
    }

    @Override
    public boolean isPresent() {
        return fd.usable();
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public int configSize() {
        return config.size();
    }

    @Override
    public Optional<PciFunction> physfn() {
        return Optional.empty();
    }

    @Override
    public Optional<SriovControl> sriov() {
        ensurePresent("sriov");
        return Optional.empty();
    }

    /** Always empty: VFIO gives user space no IOMMU fault reports (see the class comment). */
    @Override
    public List<IommuFault> iommuFaults() {
        return List.of();
    }

    VfioGroup group() {
        return group;
    }

    private void ensurePresent(String what) {
        if (!fd.usable()) {
            throw new HwException(HwException.ENODEV, address + ": " + what + ": the function was removed");
        }
    }

    // ---- config space, regions, interrupts: the parts --------------------------------------------

    @Override
    public int readConfig(int offset, int width) {
        return config.read(offset, width);
    }

    @Override
    public byte[] readConfigBlock(int offset, int length) {
        return config.readBlock(offset, length);
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        config.write(offset, width, value);
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        return regions.info(index);
    }

    @Override
    public Mmio map(int index) {
        return regions.map(index, true);
    }

    /** Maps a region through pread/pwrite on the device fd even where it could be mmap'd. */
    Mmio mapWithoutMmap(int index) {
        return regions.map(index, false);
    }

    /** @return the live mappings (diagnostics) */
    List<VfioMmio> mappings() {
        return regions.mappings();
    }

    /** @return "BAR3 msix-mappable" for each BAR whose region info carried capabilities (diagnostics) */
    List<String> regionCaps() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < RegionInfo.BAR_COUNT; i++) {
            VfioInfoCaps c = fd.region(i).caps();
            if (!c.ids().isEmpty()) {
                out.add("BAR" + i + " " + c.describe());
            }
        }
        return out;
    }

    @Override
    public int irqCount(IrqType type) {
        ensurePresent("irq count");
        return irqs.count(type);
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        return irqs.enable(type, count, handler);
    }

    /** @return the enabled interrupt set, or null (diagnostics) */
    VfioIrqSet irqSet() {
        return irqs.current();
    }

    /** @return the request eventfd, -1 if none (diagnostics) */
    int reqFd() {
        return irqs.requestFd();
    }

    // ---- DMA -----------------------------------------------------------------------------------

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        ensurePresent("allocate DMA");
        if (size < 1) {
            throw new HwException(HwException.EINVAL, address + ": DMA buffer of " + size + " bytes");
        }
        if (directions == null || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, address + ": DMA buffer without a direction");
        }
        VfioDmaBuffer b = VfioDmaBuffer.allocate(this, size, directions);
        buffers.add(b);
        if (!isPresent()) {
            b.close();
            throw new HwException(HwException.ENODEV, address + ": allocate DMA: the function was removed");
        }
        return b;
    }

    @Override
    public DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        ensurePresent("map DMA");
        DmaChunk.check(address.toString(), chunks, length, alignment, directions, LibC.PAGE_SIZE);
        VfioDmaMapping m = VfioDmaMapping.map(this, chunks, length, alignment, directions);
        sgMappings.add(m);
        if (!isPresent()) {
            m.close();
            throw new HwException(HwException.ENODEV, address + ": map DMA: the function was removed");
        }
        return m;
    }

    /** Called by a scatter-gather mapping when it closes. */
    void forget(VfioDmaMapping m) {
        sgMappings.remove(m);
    }

    /** @return the live scatter-gather mappings (diagnostics) */
    List<VfioDmaMapping> sgMappings() {
        return List.copyOf(sgMappings);
    }

    /** Called by a buffer when it closes. */
    void forget(VfioDmaBuffer b) {
        buffers.remove(b);
    }

    /** @return the live DMA buffers (diagnostics) */
    List<VfioDmaBuffer> buffers() {
        return List.copyOf(buffers);
    }

    // ---- reset ---------------------------------------------------------------------------------

    @Override
    public void reset() {
        ensurePresent("reset");
        if (!fd.hasDeviceFlag(VfioUapi.VFIO_DEVICE_FLAGS_RESET)) {
            throw new HwException(LibC.errnoName(LibC.ENOTTY), address + ": reset: the kernel has no reset method for this"
                    + " function (no FLR, PM or bus reset; VFIO_DEVICE_FLAGS_RESET clear)");
        }
        fd.with("VFIO_DEVICE_RESET", f -> LibC.ioctl("VFIO_DEVICE_RESET", f, VfioUapi.VFIO_DEVICE_RESET, 0L));
        config.refreshCommand();
    }

    // ---- removal -------------------------------------------------------------------------------

    /** Marks the function gone: from now on every operation but identity throws ENODEV. */
    void markGone() {
        fd.revoke();
    }

    /**
     * Closes everything still open for this function: IRQ set, request eventfd, mappings, DMA
     * buffers, and finally the device fd. Idempotent. The group is the bridge's to close.
     */
    void release() {
        fd.revoke();
        irqs.release();
        regions.closeAll();
        for (VfioDmaMapping m : new ArrayList<>(sgMappings)) {
            m.close();
        }
        for (VfioDmaBuffer b : new ArrayList<>(buffers)) {
            b.close();
        }
        fd.close();
    }

    /** @return the device fd, -1 once closed */
    int deviceFd() {
        return fd.fd();
    }

    @Override
    public String toString() {
        return address + " " + model;
    }
}
