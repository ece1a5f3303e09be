package org.nova.hw.sim.gpu;

import org.nova.nvidia.mmu.EntryField;
import org.nova.nvidia.fifo.CopyMethods;
import org.nova.nvidia.fifo.RobustChannel;

/**
 * One channel's copy-engine context (its subchannel state, {@code TURING_DMA_COPY_A} and the
 * later copy classes, kernel-open/nvidia-uvm/clc5b5.h): the methods set the source, destination,
 * pitches, line length and count and the semaphore; LAUNCH_DMA moves the bytes through the MMU in
 * the channel's space ({@link SimVaAccess}), then releases the semaphore. What the simulator does
 * not model is refused like a bad method, with the channel's copy-engine error: block-linear
 * layouts, physical addressing, remapping, semaphore reductions, the four-word semaphore and the
 * blocking interrupt.
 *
 * <p>Used by the host thread only.
 */
final class SimCopyEngine {
    /** A method the engine refuses: the channel stops with {@link RobustChannel#CE0_ERROR}. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** The upper-address field of the chip's copy class ({@link CopyMethods#upperField}). */
    private final EntryField upper;
    private long inUpper;
    private long inLower;
    private long outUpper;
    private long outLower;
    private int pitchIn;
    private int pitchOut;
    private int lineLength;
    private int lineCount;
    private long semUpper;
    private long semLower;
    private int semPayload;
    /** Bytes copied by this context (diagnostics). */
    long bytesCopied;

    SimCopyEngine(EntryField upper) {
        this.upper = upper;
    }

    /**
     * Executes one method.
     *
     * @param method the byte offset within the class
     * @return whether the method asked for a non-stall interrupt (LAUNCH_DMA INTERRUPT_TYPE NON_BLOCKING)
     */
    boolean method(int method, int data, long inst, SimVaAccess mem) throws Refused, SimVaAccess.Fault {
        switch (method) {
            case CopyMethods.NOP -> {
                return false;
            }
            case CopyMethods.SET_SEMAPHORE_A -> semUpper = upper.get(Integer.toUnsignedLong(data));
            case CopyMethods.SET_SEMAPHORE_B -> semLower = Integer.toUnsignedLong(data);
            case CopyMethods.SET_SEMAPHORE_PAYLOAD -> semPayload = data;
            case CopyMethods.OFFSET_IN_UPPER -> inUpper = upper.get(Integer.toUnsignedLong(data));
            case CopyMethods.OFFSET_IN_LOWER -> inLower = Integer.toUnsignedLong(data);
            case CopyMethods.OFFSET_OUT_UPPER -> outUpper = upper.get(Integer.toUnsignedLong(data));
            case CopyMethods.OFFSET_OUT_LOWER -> outLower = Integer.toUnsignedLong(data);
            case CopyMethods.PITCH_IN -> pitchIn = data;
            case CopyMethods.PITCH_OUT -> pitchOut = data;
            case CopyMethods.LINE_LENGTH_IN -> lineLength = data;
            case CopyMethods.LINE_COUNT -> lineCount = data;
            case CopyMethods.LAUNCH_DMA -> {
                return launch(Integer.toUnsignedLong(data), inst, mem);
            }
            default -> throw new Refused(String.format("copy engine method 0x%03x is not one it executes", method));
        }
        return false;
    }

    private boolean launch(long w, long inst, SimVaAccess mem) throws Refused, SimVaAccess.Fault {
        long transfer = CopyMethods.LAUNCH_DATA_TRANSFER_TYPE.get(w);
        long sem = CopyMethods.LAUNCH_SEMAPHORE_TYPE.get(w);
        long intr = CopyMethods.LAUNCH_INTERRUPT_TYPE.get(w);
        if (transfer != CopyMethods.DATA_TRANSFER_TYPE_NONE) {
            if (CopyMethods.LAUNCH_SRC_MEMORY_LAYOUT.get(w) != CopyMethods.MEMORY_LAYOUT_PITCH
                    || CopyMethods.LAUNCH_DST_MEMORY_LAYOUT.get(w) != CopyMethods.MEMORY_LAYOUT_PITCH) {
                throw new Refused(String.format("LAUNCH_DMA 0x%08x: block-linear layout is not modelled", w));
            }
            if (CopyMethods.LAUNCH_SRC_TYPE.isSet(w) || CopyMethods.LAUNCH_DST_TYPE.isSet(w)) {
                throw new Refused(String.format("LAUNCH_DMA 0x%08x: physical addressing is not modelled", w));
            }
            if (CopyMethods.LAUNCH_REMAP_ENABLE.isSet(w)) {
                throw new Refused(String.format("LAUNCH_DMA 0x%08x: REMAP_ENABLE is not modelled", w));
            }
        }
        if (sem != CopyMethods.SEMAPHORE_TYPE_NONE && sem != CopyMethods.SEMAPHORE_TYPE_RELEASE_ONE_WORD) {
            throw new Refused(String.format("LAUNCH_DMA 0x%08x: SEMAPHORE_TYPE %d is not modelled", w, sem));
        }
        if (CopyMethods.LAUNCH_SEMAPHORE_REDUCTION_ENABLE.isSet(w)) {
            throw new Refused(String.format("LAUNCH_DMA 0x%08x: semaphore reductions are not modelled", w));
        }
        if (intr == 1 || intr == 3) {
            throw new Refused(String.format("LAUNCH_DMA 0x%08x: INTERRUPT_TYPE %d is not modelled", w, intr));
        }
        if (transfer != CopyMethods.DATA_TRANSFER_TYPE_NONE) {
            copy(CopyMethods.LAUNCH_MULTI_LINE_ENABLE.isSet(w), inst, mem);
        }
        if (sem == CopyMethods.SEMAPHORE_TYPE_RELEASE_ONE_WORD) {
            mem.writeLe(inst, semUpper << 32 | semLower, Integer.toUnsignedLong(semPayload), Integer.BYTES);
        }
        return intr != CopyMethods.INTERRUPT_TYPE_NONE;
    }

    private void copy(boolean multiLine, long inst, SimVaAccess mem) throws Refused, SimVaAccess.Fault {
        long src = inUpper << 32 | inLower;
        long dst = outUpper << 32 | outLower;
        long length = Integer.toUnsignedLong(lineLength);
        long lines = multiLine ? Integer.toUnsignedLong(lineCount) : 1;
        if (length > Integer.MAX_VALUE - 8) {
            throw new Refused("LINE_LENGTH_IN 0x" + Long.toHexString(length) + " is beyond what the simulator copies");
        }
        byte[] buf = new byte[(int) Math.min(length, 1 << 20)];
        for (long line = 0; line < lines; line++) {
            long s = src + line * Integer.toUnsignedLong(pitchIn);
            long d = dst + line * Integer.toUnsignedLong(pitchOut);
            for (long off = 0; off < length; off += buf.length) {
                int n = (int) Math.min(buf.length, length - off);
                mem.read(inst, s + off, buf, 0, n);
                mem.write(inst, d + off, buf, 0, n);
                bytesCopied += n;
            }
        }
    }
}
