package org.nova.nvidia.gsp;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Optional;

/**
 * The GSP's shared-memory message queues, declared once for the driver and the simulated GSP.
 *
 * <p>Layout (OpenRM msgq_priv.h, message_queue_priv.h, rpc_headers.h; nova-core gsp/cmdq.rs
 * {@code GspMem}): one page of PTEs, then the CPU's queue, then the GSP's queue. Each queue is
 * a tx header ({@link #TX_VERSION} .. {@link #TX_ENTRY_OFF}), at {@link #RX_HDR_OFF} the rx header
 * (the read pointer of the <em>other</em> side's queue), and from {@link #ENTRY_OFF} the ring of
 * {@link #MSG_COUNT} pages of {@link #PAGE_SIZE} bytes. A message is a queue element: the
 * element header (auth tag, AAD, checksum, sequence number, element count) followed by the
 * {@code rpc_message_header_v03_00} and the payload, spanning {@code elemCount} consecutive
 * ring pages (wrapping).
 *
 * <p>Checksum rule (cmdq.rs calculate_checksum): XOR of every byte of the element, each rotated
 * left by {@code (i % 8) * 8} into 64 bits, folded {@code hi ^ lo}; computed with the checksum
 * field zero, so a received element including its checksum sums to 0.
 *
 * <p>Pointers are page indices into the ring. The writer owns its tx header's write pointer,
 * the reader its own queue's rx header (the read pointer of the peer's ring). A full ring is
 * reported to the writer ({@link Endpoint#trySend} returns false): backpressure, never loss.
 */
public final class GspMsgQueue {
    /** GSP page size: ring entries and the PTE granule. */
    public static final int PAGE_SIZE = 4096;
    /** Ring pages per queue (cmdq.rs MSGQ_NUM_PAGES). */
    public static final int MSG_COUNT = 0x3f;
    /** Offset of the ring in a queue: one page for the headers (cmdq.rs entry_off). */
    public static final int ENTRY_OFF = PAGE_SIZE;
    /** Bytes of one queue: header page plus the ring. */
    public static final int QUEUE_SIZE = ENTRY_OFF + MSG_COUNT * PAGE_SIZE;
    /** Offset of the CPU's (command) queue in the shared memory, after the PTE page. */
    public static final int CPU_QUEUE_OFFSET = PAGE_SIZE;
    /** Offset of the GSP's (status/message) queue in the shared memory. */
    public static final int GSP_QUEUE_OFFSET = CPU_QUEUE_OFFSET + QUEUE_SIZE;
    /** Bytes of the whole shared memory ({@code GspMem}). */
    public static final int SHARED_SIZE = GSP_QUEUE_OFFSET + QUEUE_SIZE;
    /** Number of pages, hence PTEs, of the shared memory. */
    public static final int SHARED_PAGES = SHARED_SIZE / PAGE_SIZE;

    /** {@code msgqTxHeader} fields (u32 each). */
    public static final int TX_VERSION = 0;
    /** {@code size}: bytes of the queue. */
    public static final int TX_SIZE = 4;
    /** {@code msgSize}: bytes of one ring entry. */
    public static final int TX_MSG_SIZE = 8;
    /** {@code msgCount}: ring entries. */
    public static final int TX_MSG_COUNT = 12;
    /** {@code writePtr}: next entry the owner writes. */
    public static final int TX_WRITE_PTR = 16;
    /** {@code flags}: 1 = the queue is in use. */
    public static final int TX_FLAGS = 20;
    /** {@code rxHdrOff}: where the rx header is. */
    public static final int TX_RX_HDR_OFF = 24;
    /** {@code entryOff}: where the ring begins. */
    public static final int TX_ENTRY_OFF = 28;
    /** Offset of {@code msgqRxHeader} (just after the 32-byte tx header). */
    public static final int RX_HDR_OFF = 32;
    /** {@code readPtr} within the rx header. */
    public static final int RX_READ_PTR = 0;
    /** Value of {@code flags} of an initialised queue. */
    public static final int TX_FLAGS_VALID = 1;

    /** {@code GSP_MSG_QUEUE_ELEMENT}: authTagBuffer[16]. */
    public static final int ELEM_AUTH_TAG = 0;
    /** aadBuffer[16]. */
    public static final int ELEM_AAD = 16;
    /** checkSum (u32). */
    public static final int ELEM_CHECKSUM = 32;
    /** seqNum (u32): the queue's own message counter. */
    public static final int ELEM_SEQ_NUM = 36;
    /** elemCount (u32): ring pages used. */
    public static final int ELEM_COUNT = 40;
    /** Bytes of the element header (with padding to 8). */
    public static final int ELEM_HEADER_SIZE = 48;

    /** {@code rpc_message_header_v03_00}: header_version. */
    public static final int RPC_HEADER_VERSION = 0;
    /** signature. */
    public static final int RPC_SIGNATURE = 4;
    /** length: RPC header plus payload. */
    public static final int RPC_LENGTH = 8;
    /** function: NV_VGPU_MSG_FUNCTION_* or NV_VGPU_MSG_EVENT_*. */
    public static final int RPC_FUNCTION = 12;
    /** rpc_result. */
    public static final int RPC_RESULT = 16;
    /** rpc_result_private. */
    public static final int RPC_RESULT_PRIVATE = 20;
    /** sequence. */
    public static final int RPC_SEQUENCE = 24;
    /** spare / cpuRmGfid. */
    public static final int RPC_SPARE = 28;
    /** Bytes of the RPC header. */
    public static final int RPC_HEADER_SIZE = 32;
    /** Where the payload begins in an element. */
    public static final int PAYLOAD_OFFSET = ELEM_HEADER_SIZE + RPC_HEADER_SIZE;
    /** {@code GSP_MSG_QUEUE_ELEMENT_SIZE_MIN}: one page (message_queue_priv.h). */
    public static final int ELEMENT_SIZE_MIN = PAGE_SIZE;
    /**
     * {@code GSP_MSG_QUEUE_ELEMENT_SIZE_MAX}, {@code ELEMENT_SIZE_MIN * 16} (message_queue_priv.h):
     * the largest element, header included, either side accepts; a larger command goes as
     * continuation records (nova-core gsp/cmdq/continuation.rs).
     */
    public static final int ELEMENT_SIZE_MAX = ELEMENT_SIZE_MIN * 16;
    /** Largest payload one element carries: {@link #ELEMENT_SIZE_MAX} less both headers (continuation.rs MAX_CMD_SIZE). */
    public static final int MAX_PAYLOAD = ELEMENT_SIZE_MAX - PAYLOAD_OFFSET;

    /** {@code RPC_HEADER_VERSION(3, 0)}. */
    public static final int HEADER_VERSION_03_00 = 0x0300_0000;
    /** {@code NV_VGPU_MSG_SIGNATURE_VALID} ('VRPC'). */
    public static final int SIGNATURE_VALID = 0x4350_5256;
    /** {@code NV_VGPU_MSG_RESULT_RPC_PENDING}: what a command carries before the GSP answers. */
    public static final int RESULT_PENDING = 0xffff_ffff;
    /** {@code NV_VGPU_MSG_RESULT_SUCCESS}. */
    public static final int RESULT_SUCCESS = 0;

    private GspMsgQueue() {
    }

    /**
     * Memory as one side sees the shared region: the driver's DMA buffer directly, the GSP
     * through DMA. Offsets are relative to the start of the shared memory.
     */
    public interface Memory {
        /** @return the little-endian u32 at {@code off} */
        int getInt(long off);

        /** Writes a little-endian u32 at {@code off}. */
        void putInt(long off, int value);

        /** Copies {@code len} bytes at {@code off} into {@code dst[at..]}. */
        void read(long off, byte[] dst, int at, int len);

        /** Copies {@code src[at..at+len)} to {@code off}. */
        void write(long off, byte[] src, int at, int len);

        /** @return the queues' memory as a plain segment (the driver's coherent DMA buffer) */
        static Memory of(java.lang.foreign.MemorySegment seg) {
            java.lang.foreign.ValueLayout.OfInt le32 = java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED
                    .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
            return new Memory() {
                @Override
                public int getInt(long off) {
                    return seg.get(le32, off);
                }

                @Override
                public void putInt(long off, int value) {
                    seg.set(le32, off, value);
                }

                @Override
                public void read(long off, byte[] dst, int at, int len) {
                    java.lang.foreign.MemorySegment.copy(seg, java.lang.foreign.ValueLayout.JAVA_BYTE, off, dst, at, len);
                }

                @Override
                public void write(long off, byte[] src, int at, int len) {
                    java.lang.foreign.MemorySegment.copy(src, at, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, off, len);
                }
            };
        }
    }

    /** A problem with a received element; the reader's pointer is not advanced past it. */
    public static final class QueueException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** What is wrong. */
        public enum Kind {
            /** The element does not sum to zero. */
            BAD_CHECKSUM,
            /** The element's header is impossible (signature, version, lengths, element count). */
            BAD_HEADER
        }

        private final Kind kind;

        /** @param kind what is wrong @param message the details */
        public QueueException(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }

        /** @return what is wrong */
        public Kind kind() {
            return kind;
        }
    }

    /**
     * A received element.
     *
     * @param seqNum the element's sequence number
     * @param function the RPC function or event
     * @param rpcResult the RPC result
     * @param sequence the RPC header's sequence
     * @param payload the payload (a copy)
     * @param elemCount ring pages it used
     */
    public record Message(int seqNum, int function, int rpcResult, int sequence, byte[] payload, int elemCount) {
    }

    /** Little-endian 64-bit words of a byte array, for the checksum's fast path. */
    private static final java.lang.invoke.VarHandle LE64 =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /**
     * @return the checksum of {@code b[0..len)} (see the class comment). Byte i rotated left by
     *     (i % 8) * 8 bits is byte i of a little-endian 64-bit word, so whole words are XORed at once.
     */
    public static int checksum(byte[] b, int len) {
        long sum = 0;
        int i = 0;
        for (; i + 8 <= len; i += 8) {
            sum ^= (long) LE64.get(b, i);
        }
        for (; i < len; i++) {
            sum ^= Long.rotateLeft(b[i] & 0xffL, (i % 8) * 8);
        }
        return (int) (sum >>> 32) ^ (int) sum;
    }

    /** @return ring pages an element with {@code payloadLen} payload bytes takes */
    public static int elemCount(int payloadLen) {
        return (PAYLOAD_OFFSET + payloadLen + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    /**
     * Initialises the tx header of the queue at {@code queueOff} as its owner does
     * (cmdq.rs MsgqTxHeader::new).
     */
    public static void initQueue(Memory mem, long queueOff) {
        mem.putInt(queueOff + TX_VERSION, 0);
        mem.putInt(queueOff + TX_SIZE, QUEUE_SIZE);
        mem.putInt(queueOff + TX_MSG_SIZE, PAGE_SIZE);
        mem.putInt(queueOff + TX_MSG_COUNT, MSG_COUNT);
        mem.putInt(queueOff + TX_WRITE_PTR, 0);
        mem.putInt(queueOff + TX_FLAGS, TX_FLAGS_VALID);
        mem.putInt(queueOff + TX_RX_HDR_OFF, RX_HDR_OFF);
        mem.putInt(queueOff + TX_ENTRY_OFF, ENTRY_OFF);
        mem.putInt(queueOff + RX_HDR_OFF + RX_READ_PTR, 0);
    }

    /**
     * One side of the queue pair: writes its own queue, reads the peer's. Not thread-safe: one
     * writer and one reader thread at most (the caller serialises sends, and receives).
     */
    public static final class Endpoint {
        private final Memory mem;
        private final long txq;
        private final long rxq;
        private int nextSeq;

        /**
         * @param mem the shared memory
         * @param ownQueue offset of the queue this side writes
         * @param peerQueue offset of the queue this side reads
         */
        public Endpoint(Memory mem, long ownQueue, long peerQueue) {
            this.mem = mem;
            this.txq = ownQueue;
            this.rxq = peerQueue;
        }

        /** The driver's side: writes the CPU queue, reads the GSP queue. */
        public static Endpoint cpu(Memory mem) {
            return new Endpoint(mem, CPU_QUEUE_OFFSET, GSP_QUEUE_OFFSET);
        }

        /** The GSP's side: writes the GSP queue, reads the CPU queue. */
        public static Endpoint gsp(Memory mem) {
            return new Endpoint(mem, GSP_QUEUE_OFFSET, CPU_QUEUE_OFFSET);
        }

        private int writePtr() {
            return mem.getInt(txq + TX_WRITE_PTR);
        }

        /** The peer's read pointer of this side's ring lives in the peer's queue rx header. */
        private int peerReadPtr() {
            return mem.getInt(rxq + RX_HDR_OFF + RX_READ_PTR);
        }

        private int ownReadPtr() {
            return mem.getInt(txq + RX_HDR_OFF + RX_READ_PTR);
        }

        private int peerWritePtr() {
            return mem.getInt(rxq + TX_WRITE_PTR);
        }

        /** @return ring pages free for writing (one is always left empty) */
        public int freePages() {
            VarHandle.acquireFence();
            return Math.floorMod(peerReadPtr() - writePtr() - 1, MSG_COUNT);
        }

        /** @return ring pages written by the peer and not yet read */
        public int pendingPages() {
            VarHandle.acquireFence();
            return Math.floorMod(peerWritePtr() - ownReadPtr(), MSG_COUNT);
        }

        /** @return the sequence number the next element gets */
        public int nextSeqNum() {
            return nextSeq;
        }

        /**
         * Writes one element if it fits, and advances the write pointer.
         *
         * @return false if the ring lacks room now (nothing was written)
         * @throws IllegalArgumentException if the payload is over {@link #MAX_PAYLOAD}: the element
         *     would be larger than {@link #ELEMENT_SIZE_MAX} (split it into continuation records)
         */
        public boolean trySend(int function, int rpcResult, int sequence, byte[] payload) {
            if (payload.length > MAX_PAYLOAD) {
                throw new IllegalArgumentException("payload of " + payload.length + " bytes makes an element larger "
                        + "than GSP_MSG_QUEUE_ELEMENT_SIZE_MAX (" + ELEMENT_SIZE_MAX + " bytes, at most " + MAX_PAYLOAD
                        + " bytes of payload)");
            }
            int count = elemCount(payload.length);
            if (freePages() < count) {
                return false;
            }
            int used = PAYLOAD_OFFSET + payload.length;
            byte[] e = new byte[used];
            putLe(e, ELEM_SEQ_NUM, nextSeq);
            putLe(e, ELEM_COUNT, count);
            putLe(e, ELEM_HEADER_SIZE + RPC_HEADER_VERSION, HEADER_VERSION_03_00);
            putLe(e, ELEM_HEADER_SIZE + RPC_SIGNATURE, SIGNATURE_VALID);
            putLe(e, ELEM_HEADER_SIZE + RPC_LENGTH, RPC_HEADER_SIZE + payload.length);
            putLe(e, ELEM_HEADER_SIZE + RPC_FUNCTION, function);
            putLe(e, ELEM_HEADER_SIZE + RPC_RESULT, rpcResult);
            putLe(e, ELEM_HEADER_SIZE + RPC_RESULT_PRIVATE, rpcResult);
            putLe(e, ELEM_HEADER_SIZE + RPC_SEQUENCE, sequence);
            System.arraycopy(payload, 0, e, PAYLOAD_OFFSET, payload.length);
            putLe(e, ELEM_CHECKSUM, checksum(e, PAYLOAD_OFFSET + payload.length));
            int wp = writePtr();
            for (int i = 0; i < count; i++) {
                int len = Math.min(PAGE_SIZE, used - i * PAGE_SIZE);
                mem.write(txq + ENTRY_OFF + (long) ((wp + i) % MSG_COUNT) * PAGE_SIZE, e, i * PAGE_SIZE, len);
            }
            VarHandle.releaseFence();
            mem.putInt(txq + TX_WRITE_PTR, (wp + count) % MSG_COUNT);
            VarHandle.fullFence();
            nextSeq++;
            return true;
        }

        /**
         * Reads the next element if one is there and advances the read pointer past it.
         *
         * @throws QueueException if the element is corrupt (the pointer stays; the queue is dead)
         */
        public Optional<Message> poll() {
            if (pendingPages() == 0) {
                return Optional.empty();
            }
            int rp = ownReadPtr();
            byte[] first = new byte[PAYLOAD_OFFSET];
            mem.read(rxq + ENTRY_OFF + (long) rp * PAGE_SIZE, first, 0, PAYLOAD_OFFSET);
            int count = getLe(first, ELEM_COUNT);
            int length = getLe(first, ELEM_HEADER_SIZE + RPC_LENGTH);
            int pending = pendingPages();
            if (count < 1 || count > pending || length < RPC_HEADER_SIZE
                    || ELEM_HEADER_SIZE + (long) length > (long) count * PAGE_SIZE) {
                throw new QueueException(QueueException.Kind.BAD_HEADER, String.format(
                        "element at ring page %d: element count %d (%d pending), rpc length %d", rp, count, pending,
                        length));
            }
            if (ELEM_HEADER_SIZE + (long) length > ELEMENT_SIZE_MAX) {
                // the receiver's bound (GspMsgQueueReceiveStatus): never read past one element's maximum
                throw new QueueException(QueueException.Kind.BAD_HEADER, String.format(
                        "element at ring page %d: %d bytes, over GSP_MSG_QUEUE_ELEMENT_SIZE_MAX (%d)", rp,
                        ELEM_HEADER_SIZE + length, ELEMENT_SIZE_MAX));
            }
            int total = ELEM_HEADER_SIZE + length;
            byte[] e = new byte[total];
            for (int i = 0; i < count; i++) {
                int len = Math.min(PAGE_SIZE, total - i * PAGE_SIZE);
                if (len > 0) {
                    mem.read(rxq + ENTRY_OFF + (long) ((rp + i) % MSG_COUNT) * PAGE_SIZE, e, i * PAGE_SIZE, len);
                }
            }
            int sum = checksum(e, total);
            if (sum != 0) {
                throw new QueueException(QueueException.Kind.BAD_CHECKSUM, String.format(
                        "element at ring page %d (seq %d, function %d): checksum residue 0x%08x, expected 0", rp,
                        getLe(e, ELEM_SEQ_NUM), getLe(e, ELEM_HEADER_SIZE + RPC_FUNCTION), sum));
            }
            if (getLe(e, ELEM_HEADER_SIZE + RPC_SIGNATURE) != SIGNATURE_VALID
                    || getLe(e, ELEM_HEADER_SIZE + RPC_HEADER_VERSION) != HEADER_VERSION_03_00) {
                throw new QueueException(QueueException.Kind.BAD_HEADER, String.format(
                        "element at ring page %d: signature 0x%08x, header version 0x%08x", rp,
                        getLe(e, ELEM_HEADER_SIZE + RPC_SIGNATURE), getLe(e, ELEM_HEADER_SIZE + RPC_HEADER_VERSION)));
            }
            Message m = new Message(getLe(e, ELEM_SEQ_NUM), getLe(e, ELEM_HEADER_SIZE + RPC_FUNCTION),
                    getLe(e, ELEM_HEADER_SIZE + RPC_RESULT), getLe(e, ELEM_HEADER_SIZE + RPC_SEQUENCE),
                    Arrays.copyOfRange(e, PAYLOAD_OFFSET, total), count);
            VarHandle.releaseFence();
            mem.putInt(txq + RX_HDR_OFF + RX_READ_PTR, (rp + count) % MSG_COUNT);
            VarHandle.fullFence();
            return Optional.of(m);
        }
    }

    /** Writes a little-endian u32 into {@code b}. */
    public static void putLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** @return the little-endian u32 in {@code b} at {@code at} */
    public static int getLe(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    /** Writes a little-endian u64 into {@code b}. */
    public static void putLe64(byte[] b, int at, long v) {
        putLe(b, at, (int) v);
        putLe(b, at + 4, (int) (v >>> 32));
    }

    /** @return the little-endian u64 in {@code b} at {@code at} */
    public static long getLe64(byte[] b, int at) {
        return Integer.toUnsignedLong(getLe(b, at)) | (long) getLe(b, at + 4) << 32;
    }
}
