package org.nova.nvidia.fifo;

import org.nova.nvidia.mmu.EntryField;

/**
 * What the host (PBDMA) of a channel reads: the pushbuffer's method headers, the GPFIFO entries
 * that point at pushbuffer segments, the USERD words through which the driver moves GP_PUT and
 * reads GP_GET, and the host's own methods (subchannel-independent, below 0x100). From
 * open-gpu-kernel-modules src/common/sdk/nvidia/inc/class/clc56f.h ({@code AMPERE_CHANNEL_GPFIFO_A};
 * the same values in clc46f.h, Turing, for everything declared here); method offsets are byte
 * offsets, a header carries them in 32-bit words.
 */
public final class HostMethods {
    private static final String SRC = "clc56f.h";

    // ---- the pushbuffer method header (NVC56F_DMA_*) ----
    /** {@code NVC56F_DMA_METHOD_ADDRESS}: the first method's byte offset >> 2. */
    public static final EntryField DMA_METHOD_ADDRESS = EntryField.of("NVC56F_DMA_METHOD_ADDRESS", 11, 0,
            "Method offset in words (" + SRC + ")");
    /** {@code NVC56F_DMA_METHOD_SUBCHANNEL}. */
    public static final EntryField DMA_METHOD_SUBCHANNEL = EntryField.of("NVC56F_DMA_METHOD_SUBCHANNEL", 15, 13,
            "Subchannel the methods go to (" + SRC + ")");
    /** {@code NVC56F_DMA_METHOD_COUNT}: data words that follow the header. */
    public static final EntryField DMA_METHOD_COUNT = EntryField.of("NVC56F_DMA_METHOD_COUNT", 28, 16,
            "Data words following the header (" + SRC + ")");
    /** {@code NVC56F_DMA_IMMD_DATA}: the data of an immediate-data header. */
    public static final EntryField DMA_IMMD_DATA = EntryField.of("NVC56F_DMA_IMMD_DATA", 28, 16,
            "Immediate data (" + SRC + ")");
    /** {@code NVC56F_DMA_SEC_OP}: the header's kind. */
    public static final EntryField DMA_SEC_OP = EntryField.of("NVC56F_DMA_SEC_OP", 31, 29,
            "Header kind: 1 INC, 3 NON_INC, 4 IMMD, 5 ONE_INC (" + SRC + ")");
    /** {@code NVC56F_DMA_SEC_OP_GRP0_USE_TERT}: a NOP when the whole word is 0 (NVC56F_DMA_NOP). */
    public static final int SEC_OP_GRP0_USE_TERT = 0;
    /** {@code NVC56F_DMA_SEC_OP_INC_METHOD}: each data word to the next method. */
    public static final int SEC_OP_INC_METHOD = 1;
    /** {@code NVC56F_DMA_SEC_OP_NON_INC_METHOD}: every data word to the same method. */
    public static final int SEC_OP_NON_INC_METHOD = 3;
    /** {@code NVC56F_DMA_SEC_OP_IMMD_DATA_METHOD}: the header carries one 13-bit datum itself. */
    public static final int SEC_OP_IMMD_DATA_METHOD = 4;
    /** {@code NVC56F_DMA_SEC_OP_ONE_INC}: the first data word to the method, the rest to the next one. */
    public static final int SEC_OP_ONE_INC = 5;
    /** {@code NVC56F_DMA_SEC_OP_END_PB_SEGMENT}. */
    public static final int SEC_OP_END_PB_SEGMENT = 7;
    /** {@code NVC56F_DMA_NOP}: the no-operation word. */
    public static final int DMA_NOP = 0;

    // ---- the GPFIFO entry (NVC56F_GP_ENTRY*) ----
    /** {@code NVC56F_GP_ENTRY__SIZE}: bytes of one entry (two words). */
    public static final int GP_ENTRY_SIZE = 8;
    /** {@code NVC56F_GP_ENTRY0_GET}: the segment's address bits 31:2, in place. */
    public static final EntryField GP_ENTRY0_GET = EntryField.of("NVC56F_GP_ENTRY0_GET", 31, 2,
            "Segment address bits 31:2 (" + SRC + ")");
    /** {@code NVC56F_GP_ENTRY1_GET_HI}: the segment's address bits 39:32. */
    public static final EntryField GP_ENTRY1_GET_HI = EntryField.of("NVC56F_GP_ENTRY1_GET_HI", 7, 0,
            "Segment address bits 39:32 (" + SRC + ")");
    /** {@code NVC56F_GP_ENTRY1_LEVEL}: 0 MAIN, 1 SUBROUTINE. */
    public static final EntryField GP_ENTRY1_LEVEL = EntryField.of("NVC56F_GP_ENTRY1_LEVEL", 9, 9,
            "0 MAIN, 1 SUBROUTINE (" + SRC + ")");
    /** {@code NVC56F_GP_ENTRY1_LENGTH}: the segment's length in 32-bit words (0: a control entry). */
    public static final EntryField GP_ENTRY1_LENGTH = EntryField.of("NVC56F_GP_ENTRY1_LENGTH", 30, 10,
            "Segment length in words (" + SRC + ")");
    /** {@code NVC56F_GP_ENTRY1_SYNC}: 0 PROCEED, 1 WAIT. */
    public static final EntryField GP_ENTRY1_SYNC = EntryField.of("NVC56F_GP_ENTRY1_SYNC", 31, 31,
            "0 PROCEED, 1 WAIT (" + SRC + ")");
    /** The highest address a GPFIFO entry can name: 40 bits (GET 31:2 and GET_HI 7:0). */
    public static final long GP_ENTRY_ADDRESS_LIMIT = 1L << 40;

    // ---- USERD (Nvc56fControl_struct) ----
    /** Bytes of one channel's USERD ({@code Nvc56fControl}: 0x200, nouveau gv100_chan_userd). */
    public static final int USERD_SIZE = 0x200;
    /** {@code Nvc56fControl.GPGet}: the GPFIFO entry the host fetches next (read-only). */
    public static final int USERD_GP_GET = 0x88;
    /** {@code Nvc56fControl.GPPut}: one past the last GPFIFO entry the driver queued. */
    public static final int USERD_GP_PUT = 0x8c;

    /**
     * Bytes of a channel's RAMFC, at the start of its instance block (nouveau
     * nvkm/subdev/gsp/rm/r535/fifo.c r535_chan_ramfc_write: {@code ramfcMem.size = 0x200}).
     */
    public static final int RAMFC_SIZE = 0x200;

    // ---- host methods ----
    /** {@code NVC56F_NOP}. */
    public static final int NOP = 0x0008;
    /** {@code NVC56F_SEMAPHOREA}: semaphore address bits 39:32 ({@code OFFSET_UPPER} 7:0). */
    public static final int SEMAPHOREA = 0x0010;
    /** {@code NVC56F_SEMAPHOREB}: semaphore address bits 31:2 in place ({@code OFFSET_LOWER} 31:2). */
    public static final int SEMAPHOREB = 0x0014;
    /** {@code NVC56F_SEMAPHOREC}: the payload. */
    public static final int SEMAPHOREC = 0x0018;
    /** {@code NVC56F_SEMAPHORED}: the operation; writing it executes. */
    public static final int SEMAPHORED = 0x001c;
    /** {@code NVC56F_SEMAPHORED_OPERATION}. */
    public static final EntryField SEMAPHORED_OPERATION = EntryField.of("NVC56F_SEMAPHORED_OPERATION", 4, 0,
            "1 ACQUIRE, 2 RELEASE, 4 ACQ_GEQ, 8 ACQ_AND, 16 REDUCTION (" + SRC + ")");
    /** {@code NVC56F_SEMAPHORED_OPERATION_RELEASE}. */
    public static final int SEMAPHORED_OPERATION_RELEASE = 2;
    /** {@code NVC56F_SEMAPHORED_RELEASE_SIZE}: 0 16BYTE, 1 4BYTE. */
    public static final EntryField SEMAPHORED_RELEASE_SIZE = EntryField.of("NVC56F_SEMAPHORED_RELEASE_SIZE", 24, 24,
            "0 16BYTE, 1 4BYTE (" + SRC + ")");
    /** {@code NVC56F_SEMAPHORED_RELEASE_SIZE_4BYTE}. */
    public static final int SEMAPHORED_RELEASE_SIZE_4BYTE = 1;
    /** {@code NVC56F_NON_STALL_INTERRUPT}: raises the channel engine's non-stall interrupt. */
    public static final int NON_STALL_INTERRUPT = 0x0020;
    /** {@code NVC56F_SEM_ADDR_LO}: semaphore address bits 31:2 in place (Ampere+). */
    public static final int SEM_ADDR_LO = 0x005c;
    /** {@code NVC56F_SEM_ADDR_HI}: semaphore address bits 39:32 ({@code OFFSET} 7:0). */
    public static final int SEM_ADDR_HI = 0x0060;
    /** {@code NVC56F_SEM_ADDR_HI_OFFSET}: address bits 39:32. */
    public static final EntryField SEM_ADDR_HI_OFFSET = EntryField.of("NVC56F_SEM_ADDR_HI_OFFSET", 7, 0,
            "Semaphore address bits 39:32 (" + SRC + ")");
    /**
     * {@code NVC86F_SEM_ADDR_HI_OFFSET} (the same in clc96f.h and clca6f.h): address bits 56:32 on
     * Hopper and Blackwell. The method offsets SEM_ADDR_LO..SEM_EXECUTE are clc56f.h's in all three.
     */
    public static final EntryField SEM_ADDR_HI_OFFSET_V3 = EntryField.of("NVC86F_SEM_ADDR_HI_OFFSET", 24, 0,
            "Semaphore address bits 56:32 (src/common/sdk/nvidia/inc/class/clc86f.h)");

    /**
     * @return the SEM_ADDR_HI field of GPFIFO class {@code gpfifoClass}: {@link #SEM_ADDR_HI_OFFSET_V3} for
     *         HOPPER_CHANNEL_GPFIFO_A and the Blackwell classes, {@link #SEM_ADDR_HI_OFFSET} otherwise
     */
    public static EntryField semAddrHi(int gpfifoClass) {
        return gpfifoClass == FifoClasses.HOPPER_CHANNEL_GPFIFO_A
                || gpfifoClass == FifoClasses.BLACKWELL_CHANNEL_GPFIFO_A
                || gpfifoClass == FifoClasses.BLACKWELL_CHANNEL_GPFIFO_B ? SEM_ADDR_HI_OFFSET_V3 : SEM_ADDR_HI_OFFSET;
    }

    /** {@code NVC56F_SEM_PAYLOAD_LO}. */
    public static final int SEM_PAYLOAD_LO = 0x0064;
    /** {@code NVC56F_SEM_PAYLOAD_HI}. */
    public static final int SEM_PAYLOAD_HI = 0x0068;
    /** {@code NVC56F_SEM_EXECUTE}: the operation; writing it executes. */
    public static final int SEM_EXECUTE = 0x006c;
    /** {@code NVC56F_SEM_EXECUTE_OPERATION}: 0 ACQUIRE, 1 RELEASE, ... */
    public static final EntryField SEM_EXECUTE_OPERATION = EntryField.of("NVC56F_SEM_EXECUTE_OPERATION", 2, 0,
            "0 ACQUIRE, 1 RELEASE, 2 ACQ_STRICT_GEQ, 3 ACQ_CIRC_GEQ, 4 ACQ_AND, 5 ACQ_NOR, 6 REDUCTION (" + SRC + ")");
    /** {@code NVC56F_SEM_EXECUTE_OPERATION_RELEASE}. */
    public static final int SEM_EXECUTE_OPERATION_RELEASE = 1;
    /** {@code NVC56F_SEM_EXECUTE_PAYLOAD_SIZE}: 0 32BIT, 1 64BIT. */
    public static final EntryField SEM_EXECUTE_PAYLOAD_SIZE = EntryField.of("NVC56F_SEM_EXECUTE_PAYLOAD_SIZE", 24, 24,
            "0 32BIT, 1 64BIT (" + SRC + ")");
    /** {@code NVC56F_SEM_EXECUTE_PAYLOAD_SIZE_32BIT} (the same in clc86f.h, clc96f.h, clca6f.h). */
    public static final int SEM_EXECUTE_PAYLOAD_SIZE_32BIT = 0;
    /** {@code NVC56F_SEM_EXECUTE_PAYLOAD_SIZE_64BIT}. */
    public static final int SEM_EXECUTE_PAYLOAD_SIZE_64BIT = 1;
    /** Host methods lie below this byte offset; subchannel (engine) methods from it on (0x100 = NOP of the engine classes). */
    public static final int HOST_METHOD_LIMIT = 0x100;
    /** {@code NVC56F_NUMBER_OF_SUBCHANNELS}. */
    public static final int SUBCHANNELS = 8;

    private HostMethods() {
    }

    /**
     * @param secOp {@link #SEC_OP_INC_METHOD}, {@link #SEC_OP_NON_INC_METHOD} or {@link #SEC_OP_ONE_INC}
     * @return a method header sending {@code count} data words from byte offset {@code method} on {@code subchannel}
     */
    public static int header(int secOp, int subchannel, int method, int count) {
        return (int) (DMA_SEC_OP.of(secOp) | DMA_METHOD_COUNT.of(count) | DMA_METHOD_SUBCHANNEL.of(subchannel)
                | DMA_METHOD_ADDRESS.of(method >>> 2));
    }

    /** @return the two words of a GPFIFO entry (main level, no sync) for {@code words} words at {@code va} */
    public static long gpEntry(long va, int words) {
        long e0 = GP_ENTRY0_GET.of((va >>> 2) & GP_ENTRY0_GET.maxValue());
        long e1 = GP_ENTRY1_GET_HI.of((va >>> 32) & GP_ENTRY1_GET_HI.maxValue()) | GP_ENTRY1_LENGTH.of(words);
        return e0 | e1 << 32;
    }

    /** @return the segment address a GPFIFO entry names */
    public static long gpEntryAddress(long entry) {
        return GP_ENTRY0_GET.get(entry) << 2 | GP_ENTRY1_GET_HI.get(entry >>> 32) << 32;
    }

    /** @return the segment length in words a GPFIFO entry names */
    public static int gpEntryWords(long entry) {
        return (int) GP_ENTRY1_LENGTH.get(entry >>> 32);
    }
}
