package org.nova.gpu.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.PciIrqHandler;
import org.nova.bus.pci.PciIrqType;
import org.nova.bus.pci.testing.TestBars;
import org.nova.devres.Devres;
import org.nova.devres.DevresScope;
import org.nova.devres.DevresTracker;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.gpu.GpuHost;
import org.nova.hw.sim.gpu.NvidiaGpu;

/**
 * A test harness: the simulated GPU model behind the PciDevice API, without OSGi or the PCI bus.
 * BAR0 goes through the model's register accesses (under a lock, as the platform does), DMA
 * buffers get fake IOVAs the model reaches through {@link GpuHost}, every acquisition is a
 * device resource of a real {@link DevresScope} so tests can check that everything is released.
 */
final class SimPciDevice implements PciDevice {
    private final NvidiaGpu gpu;
    private final String slot;
    private final DevresTracker tracker = new DevresTracker();
    private final DevresScope scope;
    private final ReentrantLock lock = new ReentrantLock();
    /** BAR0 writes the driver made through this device, for "the GPU stays untouched" checks. */
    private final AtomicLong bar0Writes = new AtomicLong();
    /** BAR0 writes other than to the sysmem flush page registers (registered before anything else). */
    private final AtomicLong bar0WritesBeyondFlush = new AtomicLong();
    /** Where the platform put BAR0 and BAR1 (firmware's assignment; no BAR3 on the simulated GPU). */
    static final long BAR0_ADDRESS = 0xfd00_0000L;
    /** BAR1's address: 64-bit, above 4 GiB. */
    static final long BAR1_ADDRESS = 0x38_0000_0000L;
    private final TreeMap<Long, MemorySegment> dma = new TreeMap<>();
    private long nextIova = 0x1_0000_0000L;
    boolean memoryEnabled;
    boolean master;
    /**
     * Sees (and may change) the driver's memory the GPU is about to read, for tests that make the
     * driver's data wrong where the GPU reads it; null: none.
     */
    volatile java.util.function.BiConsumer<Long, MemorySegment> beforeGpuRead;

    SimPciDevice(NvidiaGpu gpu, String slot) {
        this.gpu = gpu;
        this.slot = slot;
        this.scope = tracker.newScope(slot);
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                MemorySegment src = resolve(iova, dst.byteSize());
                if (src == null) {
                    return false;
                }
                java.util.function.BiConsumer<Long, MemorySegment> hook = beforeGpuRead;
                if (hook != null) {
                    hook.accept(iova, src);
                }
                MemorySegment.copy(src, 0, dst, 0, dst.byteSize());
                return true;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                MemorySegment dst = resolve(iova, src.byteSize());
                if (dst == null) {
                    return false;
                }
                MemorySegment.copy(src, 0, dst, 0, src.byteSize());
                return true;
            }

            @Override
            public void interrupt(boolean asserted) {
                SimPciDevice.this.interrupt(asserted);
            }

            @Override
            public <T> T locked(java.util.function.Supplier<T> work) {
                // the GPU's own threads (its host): a test holding hostLock stalls them, as a busy engine
                hostLock.lock();
                try {
                    return work.get();
                } finally {
                    hostLock.unlock();
                }
            }

            @Override
            public long barAddress(int bar) {
                return SimPciDevice.this.resourceStart(bar);
            }

            @Override
            public int routingId() {
                return PciAddress.parse(slot).routingId();
            }
        });
    }

    private synchronized MemorySegment resolve(long iova, long len) {
        if (!master) {
            return null;
        }
        Map.Entry<Long, MemorySegment> e = dma.floorEntry(iova);
        if (e == null || iova + len > e.getKey() + e.getValue().byteSize()) {
            return null;
        }
        return e.getValue().asSlice(iova - e.getKey(), len);
    }

    /** @return the resources still held by the binding */
    /** @return how many BAR0 writes the driver made through this device */
    long bar0Writes() {
        return bar0Writes.get();
    }

    /** @return BAR0 writes other than registering or unregistering the sysmem flush page */
    long bar0WritesBeyondFlush() {
        return bar0WritesBeyondFlush.get();
    }

    int liveResources() {
        return scope.liveCount();
    }

    /** Releases the binding's devres as an unbind or a failed probe does. */
    void releaseAll() {
        scope.releaseAll();
    }

    /** @return a copy of the driver's DMA memory at {@code iova} (the buffer itself, as the GPU reaches it) */
    synchronized byte[] memory(long iova, int len) {
        Map.Entry<Long, MemorySegment> e = dma.floorEntry(iova);
        if (e == null || iova + len > e.getKey() + e.getValue().byteSize()) {
            throw new IllegalArgumentException("no DMA memory at 0x" + Long.toHexString(iova));
        }
        return e.getValue().asSlice(iova - e.getKey(), len).toArray(ValueLayout.JAVA_BYTE);
    }

    /** @return DMA buffers not yet freed */
    synchronized int liveDma() {
        return dma.size();
    }

    @Override
    public PciIds ids() {
        return new PciIds(org.nova.nvidia.NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, gpu.deviceId(), org.nova.nvidia.NvidiaPciIds.PCI_VENDOR_ID_NVIDIA,
                gpu.deviceId(), gpu.classCode(), 0xa1);
    }

    @Override
    public PciAddress address() {
        return PciAddress.parse(slot);
    }

    @Override
    public String slot() {
        return slot;
    }

    @Override
    public Device device() {
        return new Device() {
            @Override
            public String name() {
                return slot;
            }

            @Override
            public Bus bus() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Optional<Device> parent() {
                return Optional.empty();
            }

            @Override
            public List<Device> children() {
                return List.of();
            }

            @Override
            public Object busData() {
                return SimPciDevice.this;
            }

            @Override
            public Optional<String> driver() {
                return Optional.empty();
            }

            @Override
            public <T> Optional<T> driverData(Class<T> type) {
                return Optional.empty();
            }

            @Override
            public DevresScope devres() {
                return scope;
            }

            @Override
            public Optional<String> driverOverride() {
                return Optional.empty();
            }

            @Override
            public boolean isDead() {
                return false;
            }

            @Override
            public boolean isProbeDeferred() {
                return false;
            }

            @Override
            public Map<String, String> ueventEnv() {
                return Map.of();
            }

            @Override
            public String devpath() {
                return "/devices/" + slot;
            }
        };
    }

    @Override
    public boolean isPresent() {
        return true;
    }

    @Override
    public int configSize() {
        return 256;
    }

    @Override
    public int read8(int offset) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read16(int offset) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int read32(int offset) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void write8(int offset, int value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void write16(int offset, int value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void write32(int offset, int value) {
        throw new UnsupportedOperationException();
    }

    @Override
    public int findCapability(int id) {
        return 0;
    }

    @Override
    public int findExtCapability(int id) {
        return 0;
    }

    @Override
    public void enableDevice() {
        enableDeviceMem();
    }

    @Override
    public void enableDeviceMem() {
        memoryEnabled = true;
        scope.addAction("pci:enable", () -> {
            memoryEnabled = false;
            synchronized (this) {
                master = false;
            }
        });
    }

    @Override
    public synchronized void setMaster() {
        master = true;
    }

    @Override
    public synchronized void clearMaster() {
        master = false;
    }

    @Override
    public void reset() {
        gpu.reset();
    }

    @Override
    public long resourceLen(int bar) {
        return bar == 0 ? NvidiaGpu.BAR0_SIZE : bar == 1 ? NvidiaGpu.BAR1_SIZE : 0;
    }

    @Override
    public long resourceStart(int bar) {
        return bar == 0 ? BAR0_ADDRESS : bar == 1 ? BAR1_ADDRESS : 0;
    }

    @Override
    public Devres<Bar> iomapRegion(int bar, String name) {
        return iomapRegionSized(bar, 0, name);
    }

    @Override
    public Devres<Bar> iomapRegionSized(int bar, long size, String name) {
        if (bar != 0 || size > NvidiaGpu.BAR0_SIZE) {
            throw new DriverException(Errno.EINVAL, "harness maps BAR0 only");
        }
        Mmio regs = new Mmio() {
            private long rd(long off, int w) {
                lock.lock();
                try {
                    return gpu.read(off, w);
                } finally {
                    lock.unlock();
                }
            }

            private void wr(long off, int w, long v) {
                lock.lock();
                try {
                    bar0Writes.incrementAndGet();
                    if (off != org.nova.nvidia.regs.Pfb.NISO_FLUSH_SYSMEM_ADDR.address()
                            && off != org.nova.nvidia.regs.Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address()) {
                        bar0WritesBeyondFlush.incrementAndGet();
                    }
                    gpu.write(off, w, v);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public int index() {
                return 0;
            }

            @Override
            public long size() {
                return NvidiaGpu.BAR0_SIZE;
            }

            @Override
            public Optional<MemorySegment> segment() {
                return Optional.empty();
            }

            @Override
            public void close() {
            }

            @Override
            public int read8(long o) {
                return (int) rd(o, 1);
            }

            @Override
            public int read16(long o) {
                return (int) rd(o, 2);
            }

            @Override
            public int read32(long o) {
                return (int) rd(o, 4);
            }

            @Override
            public long read64(long o) {
                return rd(o, 8);
            }

            @Override
            public void write8(long o, int v) {
                wr(o, 1, v);
            }

            @Override
            public void write16(long o, int v) {
                wr(o, 2, v);
            }

            @Override
            public void write32(long o, int v) {
                wr(o, 4, v);
            }

            @Override
            public void write64(long o, long v) {
                wr(o, 8, v);
            }
        };
        TestBars.Mapping m = TestBars.map(name, regs);
        return Devres.register(scope, "pci:bar0", m.bar(), b -> m.close());
    }

    /** What the GPU's host thread takes per GPFIFO entry: a test holding it keeps the host from running. */
    final java.util.concurrent.locks.ReentrantLock hostLock = new java.util.concurrent.locks.ReentrantLock();

    /** MSI vector 0 once allocated; the GPU's interrupt calls the handler on the signalling thread. */
    private volatile boolean msi;
    private volatile PciIrqHandler irqHandler;
    /** When false the GPU's interrupts are dropped (a lost interrupt, for tests of the fallback poll). */
    volatile boolean deliverInterrupts = true;
    /** Interrupts delivered to the handler. */
    final java.util.concurrent.atomic.AtomicLong interruptsDelivered = new java.util.concurrent.atomic.AtomicLong();

    private void interrupt(boolean asserted) {
        PciIrqHandler h = irqHandler;
        if (asserted && msi && h != null && deliverInterrupts) {
            interruptsDelivered.incrementAndGet();
            h.handle(0);
        }
    }

    @Override
    public IrqVectors allocIrqVectors(int min, int max, Set<PciIrqType> types) {
        if (!types.contains(PciIrqType.MSI) || min > 1) {
            throw new DriverException(Errno.ENOSPC, "the simulated GPU has one MSI vector");
        }
        msi = true;
        IrqVectors v = new IrqVectors() {
            @Override
            public PciIrqType type() {
                return PciIrqType.MSI;
            }

            @Override
            public int count() {
                return 1;
            }

            @Override
            public boolean isActive() {
                return msi;
            }

            @Override
            public void close() {
                msi = false;
            }
        };
        Devres.register(scope, "pci:irq-vectors", v, IrqVectors::close);
        return v;
    }

    @Override
    public IrqRegistration requestIrq(int vector, String name, PciIrqHandler handler) {
        if (!msi || vector != 0) {
            throw new DriverException(Errno.EINVAL, "no vector " + vector);
        }
        irqHandler = handler;
        IrqRegistration r = new IrqRegistration() {
            @Override
            public int vector() {
                return vector;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public boolean isActive() {
                return irqHandler == handler;
            }

            @Override
            public void disable() {
                throw new DriverException(Errno.EINVAL, "vector " + vector + " is MSI: only MSI-X vectors can be disabled");
            }

            @Override
            public void enable() {
                throw new DriverException(Errno.EINVAL, "vector " + vector + " is MSI: only MSI-X vectors can be enabled");
            }

            @Override
            public int disableDepth() {
                return 0;
            }

            @Override
            public void close() {
                if (irqHandler == handler) {
                    irqHandler = null;
                }
            }
        };
        Devres.register(scope, "pci:irq" + vector, r, IrqRegistration::close);
        return r;
    }

    @Override
    public synchronized DmaCoherent allocCoherent(long size) {
        if (size < 1) {
            throw new DriverException(Errno.EINVAL, "size " + size);
        }
        Arena arena = Arena.ofShared();
        long pages = (size + 4095) / 4096;
        MemorySegment mem = arena.allocate(pages * 4096, 4096);
        long iova = nextIova;
        nextIova += (pages + 1) * 4096;
        dma.put(iova, mem);
        DmaCoherent d = new DmaCoherent() {
            private boolean closed;

            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public MemorySegment memory() {
                return mem.asSlice(0, size);
            }

            @Override
            public void close() {
                synchronized (SimPciDevice.this) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    dma.remove(iova);
                }
                arena.close();
            }
        };
        return scope.add("pci:dma@" + Long.toHexString(iova), d);
    }

    @Override
    public DmaNoncoherent allocNoncoherent(long size, DmaDataDirection direction) {
        throw new UnsupportedOperationException();
    }

    // nova-core maps no scatterlists (yet): the streaming DMA calls are not modelled here

    @Override
    public org.nova.bus.pci.DmaPages allocPages(int count) {
        throw new UnsupportedOperationException();
    }

    @Override
    public org.nova.bus.pci.DmaSgMapping dmaMapSg(org.nova.bus.pci.SgTable table, DmaDataDirection direction) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long dmaMaxSegmentSize() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setDmaMaxSegmentSize(long size) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long dmaSegmentBoundary() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void setDmaSegmentBoundary(long mask) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isVirtfn() {
        return false;
    }

    @Override
    public boolean isPhysfn() {
        return false;
    }

    @Override
    public Optional<PciDevice> physfn() {
        return Optional.empty();
    }

    @Override
    public List<PciDevice> virtfns() {
        return List.of();
    }

    @Override
    public int vfId() {
        throw new org.nova.driver.DriverException(org.nova.driver.Errno.EINVAL, slot + " is not a virtual function");
    }

    @Override
    public int sriovTotalVfs() {
        return gpu.totalVfs();
    }

    @Override
    public int numVfs() {
        return 0;
    }

    @Override
    public void enableSriov(int n) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void disableSriov() {
    }
}
