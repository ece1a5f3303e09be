package org.nova.gpu.internal.mm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.LongFunction;
import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.nova.nvidia.mmu.MmuV2;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nova.core's {@link GpuSysmem}: buffers from the GPU's PciDevice's coherent DMA allocator
 * ({@code dmam_alloc_coherent}, so devres frees them at unbind at the latest), up to a limit, and
 * VRAM copies through the binding's {@link Pramin} window, 8 bytes at a time (what a CPU copy
 * through PRAMIN is; the copy engine will replace it). Serialised on itself.
 */
public final class CoherentSysmem implements GpuSysmem {
    private static final Logger LOG = LoggerFactory.getLogger(CoherentSysmem.class);
    private static final long K4 = 1L << MmuV2.PAGE_SHIFT_4K;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private final String gpu;
    private final LongFunction<DmaCoherent> dma;
    private final Pramin pramin;
    private final long limit;
    private final LinkedHashSet<Buffer> open = new LinkedHashSet<>();
    private long allocated;
    private boolean revoked;

    /**
     * @param gpu the GPU's name
     * @param dma the coherent allocator ({@code PciDevice::allocCoherent} of the GPU)
     * @param pramin the VRAM path for copies
     * @param limit the most bytes the buffers may hold together
     */
    public CoherentSysmem(String gpu, LongFunction<DmaCoherent> dma, Pramin pramin, long limit) {
        this.gpu = gpu;
        this.dma = dma;
        this.pramin = pramin;
        this.limit = limit;
    }

    @Override
    public String gpu() {
        return gpu;
    }

    @Override
    public SysmemBuffer allocate(long size, String owner) {
        if (size <= 0 || owner == null || owner.isEmpty()) {
            throw new DriverException(Errno.EINVAL, String.format("%s: system memory of 0x%x bytes for %s", gpu,
                    size, owner));
        }
        long rounded = (size + K4 - 1) & -K4;
        synchronized (this) {
            if (revoked) {
                throw new DriverException(Errno.ENODEV, gpu + " is unbinding: no GPU system memory");
            }
            if (rounded > limit - allocated) {
                throw new DriverException(Errno.ENOMEM, String.format(
                        "%s: 0x%x bytes of GPU system memory for %s would pass the 0x%x-byte limit (0x%x held)", gpu,
                        rounded, owner, limit, allocated));
            }
            DmaCoherent c;
            try {
                c = dma.apply(rounded);
            } catch (DriverException e) {
                throw new DriverException(e.errno() == Errno.ENODEV ? Errno.ENODEV : Errno.ENOMEM,
                        gpu + ": coherent DMA of 0x" + Long.toHexString(rounded) + " bytes: " + e.getMessage());
            }
            Buffer b = new Buffer(c, rounded, owner);
            open.add(b);
            allocated += rounded;
            return b;
        }
    }

    @Override
    public void copyFromVram(VramBlock block, long from, SysmemBuffer dst, long to, long length) {
        MemorySegment m = check(block, from, dst, to, length);
        synchronized (this) {
            for (long off = 0; off < length; off += Long.BYTES) {
                m.set(LE64, to + off, pramin.read64(block.offset() + from + off));
            }
        }
    }

    @Override
    public void copyToVram(SysmemBuffer src, long from, VramBlock block, long to, long length) {
        MemorySegment m = check(block, to, src, from, length);
        synchronized (this) {
            for (long off = 0; off < length; off += Long.BYTES) {
                pramin.write64(block.offset() + to + off, m.get(LE64, from + off));
            }
        }
    }

    private MemorySegment check(VramBlock block, long vramOff, SysmemBuffer buf, long bufOff, long length) {
        if (revoked) {
            throw new DriverException(Errno.ENODEV, gpu + " is unbinding");
        }
        if (block == null || !block.isAllocated() || !(buf instanceof Buffer b) || b.isFreed()) {
            throw new DriverException(Errno.EINVAL, gpu + ": copy between " + block + " and " + buf
                    + ": not a live VRAM block and buffer of this GPU");
        }
        if (length < 0 || (length | vramOff | bufOff) % Long.BYTES != 0 || vramOff < 0 || bufOff < 0
                || vramOff > block.size() - length || bufOff > buf.size() - length) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "%s: copy of 0x%x bytes at VRAM +0x%x / buffer +0x%x leaves the block or the buffer or is not 8-byte aligned",
                    gpu, length, vramOff, bufOff));
        }
        return b.memory();
    }

    @Override
    public synchronized List<SysmemBuffer> buffers() {
        return List.copyOf(open);
    }

    @Override
    public synchronized long allocated() {
        return allocated;
    }

    @Override
    public long limit() {
        return limit;
    }

    @Override
    public void revoke() {
        List<Buffer> left;
        synchronized (this) {
            revoked = true;
            left = new ArrayList<>(open);
        }
        for (Buffer b : left) {
            LOG.info("{}: GPU system memory of {} (0x{} bytes) freed at unbind", gpu, b.owner,
                    Long.toHexString(b.size));
            b.close();
        }
    }

    @Override
    public synchronized boolean isRevoked() {
        return revoked;
    }

    private final class Buffer implements SysmemBuffer {
        private final DmaCoherent dma;
        private final long size;
        private final String owner;
        private boolean freed;

        Buffer(DmaCoherent dma, long size, String owner) {
            this.dma = dma;
            this.size = size;
            this.owner = owner;
        }

        @Override
        public long dmaAddress() {
            return dma.iova();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public String owner() {
            return owner;
        }

        @Override
        public MemorySegment memory() {
            return dma.memory().asSlice(0, size);
        }

        @Override
        public boolean isFreed() {
            synchronized (CoherentSysmem.this) {
                return freed;
            }
        }

        @Override
        public void close() {
            synchronized (CoherentSysmem.this) {
                if (freed) {
                    return;
                }
                freed = true;
                open.remove(this);
                allocated -= size;
            }
            dma.close();
        }

        @Override
        public String toString() {
            return String.format("sysmem[%s @%#x +%#x]", owner, dma.iova(), size);
        }
    }
}
