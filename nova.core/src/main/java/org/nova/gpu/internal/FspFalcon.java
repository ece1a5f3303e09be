package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.regs.Pfsp;

/**
 * The FSP falcon's message channel (nova-core falcon/fsp.rs@637315cb): a message goes into EMEM at
 * offset 0 through the auto-incrementing EMEMC/EMEMD port, then QUEUE_TAIL (its last word) and
 * QUEUE_HEAD (0) hand it over; the reply is polled from MSGQ_HEAD/MSGQ_TAIL (not circular: both
 * are reset to 0 after each exchange), read from EMEM offset 0 and the pointers reset.
 *
 * <p>Holds no state of its own: the FSP owns EMEM; one exchange at a time is the caller's ({@link Fsp}).
 */
final class FspFalcon {
    /** How long the FSP may take to reply (falcon/fsp.rs FSP_MSG_TIMEOUT_MS). */
    static final long MSG_TIMEOUT_MS = 2000;
    /** falcon/fsp.rs polls the message queue every 10 ms. */
    static final long POLL_MS = 10;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int WORD = Integer.BYTES;

    private final Bar0 bar;

    FspFalcon(Bar0 bar) {
        this.bar = bar;
    }

    /**
     * send_msg: writes {@code packet} to EMEM and hands it to the FSP.
     *
     * @throws DriverException EINVAL if the packet is empty or not a whole number of 32-bit words
     */
    void send(byte[] packet) {
        if (packet.length == 0 || packet.length % WORD != 0) {
            throw new DriverException(Errno.EINVAL, "an FSP message must be a non-empty whole number of 32-bit "
                    + "words, not " + packet.length + " bytes");
        }
        MemorySegment m = MemorySegment.ofArray(packet);
        bar.write(Pfsp.EMEMC, Pfsp.EMEMC_AINCW.of(1));
        for (int i = 0; i < packet.length; i += WORD) {
            bar.write(Pfsp.EMEMD, m.get(LE32, i));
        }
        // TAIL names the last word written; HEAD written last hands the message over
        bar.write(Pfsp.QUEUE_TAIL, Pfsp.CHANNEL_RM, packet.length - WORD);
        bar.write(Pfsp.QUEUE_HEAD, Pfsp.CHANNEL_RM, 0);
    }

    /** poll_msgq: @return the reply's size in bytes, 0 while there is none */
    private int pollMsgq() {
        int head = bar.read(Pfsp.MSGQ_HEAD, Pfsp.CHANNEL_RM);
        int tail = bar.read(Pfsp.MSGQ_TAIL, Pfsp.CHANNEL_RM);
        if (head == tail) {
            return 0;
        }
        return Math.max(0, tail - head) + WORD;
    }

    /**
     * recv_msg: waits for the reply, reads it and resets the message queue.
     *
     * @throws DriverException ETIMEDOUT if no reply came within {@link #MSG_TIMEOUT_MS}; EIO if the
     *     queue pointers frame more than a sane message
     */
    byte[] receive(long maxBytes) {
        int[] size = new int[1];
        try {
            Poll.until("FSP reply", MSG_TIMEOUT_MS, POLL_MS, () -> (size[0] = pollMsgq()) > 0);
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, "the FSP did not reply within " + MSG_TIMEOUT_MS
                    + " ms (message queue head = tail = 0x" + Integer.toHexString(bar.read(Pfsp.MSGQ_TAIL,
                            Pfsp.CHANNEL_RM)) + ")", e);
        }
        if (size[0] > maxBytes || size[0] % WORD != 0) {
            throw new DriverException(Errno.EIO, "the FSP's message queue frames a " + size[0]
                    + "-byte reply (at most " + maxBytes + ", whole words)");
        }
        byte[] out = new byte[size[0]];
        MemorySegment m = MemorySegment.ofArray(out);
        bar.write(Pfsp.EMEMC, Pfsp.EMEMC_AINCR.of(1));
        for (int i = 0; i < out.length; i += WORD) {
            m.set(LE32, i, bar.read(Pfsp.EMEMD));
        }
        bar.write(Pfsp.MSGQ_TAIL, Pfsp.CHANNEL_RM, 0);
        bar.write(Pfsp.MSGQ_HEAD, Pfsp.CHANNEL_RM, 0);
        return out;
    }
}
