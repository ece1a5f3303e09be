package org.nova.hw.sim.gpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * The GPU's video memory, and GSP-RM's scrubber over it. The apertures onto it are
 * {@link SimBar1}'s; GSP-RM's vGPU manager reaches it directly, as firmware on the GPU does.
 *
 * <p>Backed by a shared mapping of a sparse, already deleted file: pages cost memory (page cache)
 * only once written, and the mapping reserves no swap, so tens of GiB of simulated VRAM fit any
 * host. Mapped on first use.
 *
 * <p>Lifetime: like a real BAR, which stays mapped until its user unmaps it even when the device
 * is gone, the memory is never unmapped under a holder: it belongs to an automatic arena and is
 * unmapped by the garbage collector once neither this model nor any mapping (a PCI Bar's view
 * keeps the segment reachable) refers to it. {@link #release()} drops the model's reference.
 */
final class SimVram {
    /** Granule in which the scrubber tracks the VRAM a vGPU wrote through its VF's BAR1. */
    static final long SCRUB_CHUNK = 64L << 10;

    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String owner;
    private final long size;
    /** Mapped on first use; null until then and after {@link #release()}. Guarded by this. */
    private MemorySegment memory;
    private boolean released;
    /** Builds the CPU's BAR1 mapping from the backing file while it is linked; set once by the GPU. */
    private java.util.function.Function<String, SimBar1View> viewFactory;
    private SimBar1View view;
    /** VRAM chunks a vGPU wrote through its VF's BAR1, for the scrubber. Guarded by itself. */
    private final BitSet dirty = new BitSet();

    /**
     * @param owner the GPU, for messages
     * @param size bytes of VRAM backed (at least the PF's BAR1, which shows its start)
     */
    SimVram(String owner, long size) {
        this.owner = owner;
        this.size = size;
    }

    /** Sets what builds BAR1's CPU mapping ({@link SimBar1View}) when the memory is first mapped. */
    synchronized void viewFactory(java.util.function.Function<String, SimBar1View> f) {
        this.viewFactory = f;
    }

    /**
     * @return the CPU's mapping of BAR1 over this memory
     * @throws IllegalStateException as {@link #memory()}
     */
    synchronized SimBar1View bar1View() {
        memory();
        return view;
    }

    /** @return the BAR1 mapping if the memory is mapped already, else null (nothing to lay out yet) */
    synchronized SimBar1View bar1ViewIfMapped() {
        return released ? null : view;
    }

    /** @return bytes of VRAM backed */
    long size() {
        return size;
    }

    /**
     * @return the whole VRAM, zero until written
     * @throws IllegalStateException after {@link #release()}, or if the memory cannot be mapped
     */
    synchronized MemorySegment memory() {
        if (released) {
            throw new IllegalStateException("the VRAM of the simulated " + owner + " was released");
        }
        if (memory == null) {
            try {
                Path file = Files.createTempFile("nova-sim-vram", ".bin");
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
                    memory = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, Arena.ofAuto());
                    if (viewFactory != null) {
                        view = viewFactory.apply(file.toString());
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot map the simulated VRAM: " + e, e);
            }
        }
        return memory;
    }

    /**
     * The function was removed: the model lets go of its VRAM (unmapped once nothing refers to
     * it) and every access fails from now on. Idempotent.
     */
    synchronized void release() {
        released = true;
        memory = null;
    }

    /** A read: little-endian, size 1, 2, 4 or 8 bytes. */
    long read(long offset, int size) {
        MemorySegment m = memory();
        return switch (size) {
            case Byte.BYTES -> Byte.toUnsignedLong(m.get(ValueLayout.JAVA_BYTE, offset));
            case Short.BYTES -> Short.toUnsignedLong(m.get(LE16, offset));
            case Integer.BYTES -> Integer.toUnsignedLong(m.get(LE32, offset));
            default -> m.get(LE64, offset);
        };
    }

    /** A write: the low size bytes of value, little-endian. */
    void write(long offset, int size, long value) {
        MemorySegment m = memory();
        switch (size) {
            case Byte.BYTES -> m.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            case Short.BYTES -> m.set(LE16, offset, (short) value);
            case Integer.BYTES -> m.set(LE32, offset, (int) value);
            default -> m.set(LE64, offset, value);
        }
    }

    /** Marks [offset, offset + size) written by a vGPU, for the scrubber. */
    void markDirty(long offset, int size) {
        synchronized (dirty) {
            dirty.set((int) (offset / SCRUB_CHUNK), (int) ((offset + size - 1) / SCRUB_CHUNK) + 1);
        }
    }

    /**
     * GSP-RM's scrubber: zeroes [offset, offset + length) where a vGPU wrote through its VF's BAR1
     * (untouched VRAM is zero already, so only written chunks are cleared and a gigabyte
     * framebuffer costs nothing to scrub).
     */
    void scrub(long offset, long length) {
        MemorySegment m = memory();
        synchronized (dirty) {
            int first = (int) (offset / SCRUB_CHUNK);
            int end = (int) ((offset + length + SCRUB_CHUNK - 1) / SCRUB_CHUNK);
            for (int c = dirty.nextSetBit(first); c >= 0 && c < end; c = dirty.nextSetBit(c + 1)) {
                long from = Math.max(offset, c * SCRUB_CHUNK);
                long to = Math.min(offset + length, (c + 1) * SCRUB_CHUNK);
                m.asSlice(from, to - from).fill((byte) 0);
                if (from == c * SCRUB_CHUNK && to == (c + 1) * SCRUB_CHUNK) {
                    dirty.clear(c);
                }
            }
        }
    }
}
