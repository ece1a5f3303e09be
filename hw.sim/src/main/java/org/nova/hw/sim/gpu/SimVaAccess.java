package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.MmuV2;

/**
 * An engine's accesses to the virtual addresses of one channel, as the hardware makes them: each
 * page through {@link SimMmu} in the channel's instance block (the TLB first, a walk on a miss), a
 * video-memory page to VRAM, a system-memory page to the bus address through the device's DMA
 * path (the IOMMU, as the simulated falcons' DMA goes). A refused translation was recorded by the
 * MMU as a fault; a refused DMA is recorded here as the same kind of fault; either throws
 * {@link Fault} and the access stops there (bytes before the faulting page were moved, as on the
 * hardware).
 *
 * <p>Called with the function's lock held (the host thread takes it per segment).
 */
final class SimVaAccess {
    /** An access that faulted: the VA and why. */
    static final class Fault extends Exception {
        private static final long serialVersionUID = 1L;
        final long va;
        final boolean write;

        Fault(long va, boolean write, String why) {
            super(why, null, false, false);
            this.va = va;
            this.write = write;
        }
    }

    private final NvidiaGpu gpu;
    private final SimMmu mmu;
    private final SimVram vram;
    private final String client;

    SimVaAccess(NvidiaGpu gpu, SimMmu mmu, SimVram vram, String client) {
        this.gpu = gpu;
        this.mmu = mmu;
        this.vram = vram;
        this.client = client;
    }

    /** Reads {@code len} bytes at {@code va} of the space of {@code inst} into {@code dst} at {@code at}. */
    void read(long inst, long va, byte[] dst, int at, int len) throws Fault {
        access(inst, va, dst, at, len, false);
    }

    /** Writes {@code len} bytes of {@code src} from {@code at} to {@code va}. */
    void write(long inst, long va, byte[] src, int at, int len) throws Fault {
        access(inst, va, src, at, len, true);
    }

    /** @return the little-endian 32-bit word at {@code va} */
    int read32(long inst, long va) throws Fault {
        byte[] b = new byte[Integer.BYTES];
        read(inst, va, b, 0, b.length);
        return MemorySegment.ofArray(b).get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    /** Writes the little-endian 64-bit {@code value} (the low {@code size} bytes: 4 or 8) at {@code va}. */
    void writeLe(long inst, long va, long value, int size) throws Fault {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        write(inst, va, b, 0, size);
    }

    private void access(long inst, long va, byte[] buf, int at, int len, boolean write) throws Fault {
        int done = 0;
        while (done < len) {
            long cur = va + done;
            SimMmu.Translation t = mmu.translate(inst, cur, write ? FaultAccess.VIRT_WRITE : FaultAccess.VIRT_READ,
                    client);
            if (t == null) {
                throw new Fault(cur, write, "MMU fault (see the fault log)");
            }
            long pageEnd = (cur | ((1L << t.pageShift()) - 1)) + 1;
            int n = (int) Math.min(len - done, pageEnd - cur);
            if (t.aperture() == MmuV2.PTE_APERTURE_VIDEO_MEMORY) {
                MemorySegment v = vram.memory();
                if (write) {
                    MemorySegment.copy(buf, at + done, v, ValueLayout.JAVA_BYTE, t.pa(), n);
                } else {
                    MemorySegment.copy(v, ValueLayout.JAVA_BYTE, t.pa(), buf, at + done, n);
                }
            } else {
                MemorySegment s = MemorySegment.ofArray(new byte[n]);
                boolean ok;
                if (write) {
                    MemorySegment.copy(buf, at + done, s, ValueLayout.JAVA_BYTE, 0, n);
                    ok = gpu.host().dmaWrite(t.pa(), s);
                } else {
                    ok = gpu.host().dmaRead(t.pa(), s);
                    if (ok) {
                        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, buf, at + done, n);
                    }
                }
                if (!ok) {
                    throw new Fault(cur, write, String.format("the IOMMU refused the %s of bus address 0x%x",
                            write ? "write" : "read", t.pa()));
                }
            }
            done += n;
        }
    }
}
