package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;

/**
 * The driver's side of the GSP message queues (nova-core gsp/cmdq.rs) over the shared memory
 * the caller allocated (coherent DMA, {@link GspMsgQueue#SHARED_SIZE} bytes). Sends wait for
 * room (backpressure) up to a timeout and ring the doorbell; receives read the GSP queue.
 * Messages that are not the awaited one are handed to the event sink (events) or kept for a
 * later receive. Thread-safe: sends and receives are serialised on this object.
 *
 * <p>Waking receivers: the GSP signals a write to its message queue through the GSP falcon's
 * interrupt (SWGEN0); once the driver's handler calls {@link #interrupt()} ({@link
 * #interruptDriven()} set), a waiting receive sleeps until the interrupt and checks the queue
 * then. Because an interrupt can be lost (a vector torn down, a masked MSI, a firmware that does
 * not signal), a waiting receive still looks at the queue every {@link #FALLBACK_POLL_MS} ms: a
 * bounded safety net, counted in {@link #fallbackHits} when it, and not an interrupt, found a
 * message. Without an interrupt (no vector could be allocated) receives poll every
 * {@link #POLL_NANOS} ns as before.
 */
final class Cmdq {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** How often an idle receive polls when no interrupt wakes it. */
    static final long POLL_NANOS = 50_000L;
    /** The safety-net poll of an interrupt-driven receive: how long it waits for an interrupt at most. */
    static final long FALLBACK_POLL_MS = 20L;

    private final GspAbi abi;
    private final GspMsgQueue.Endpoint ep;
    private final IntConsumer doorbell;
    private final Consumer<GspMsgQueue.Message> events;
    /** NV_VGPU_MSG_FUNCTION_CONTINUATION_RECORD in the running release. */
    private final int continuationRecord;
    private volatile BooleanSupplier alive = () -> true;
    private final Deque<GspMsgQueue.Message> stash = new ArrayDeque<>();
    private int nextSequence = 1;
    private volatile String dead;
    final AtomicLong sent = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    final AtomicLong sendWaits = new AtomicLong();
    /** Interrupts the handler reported. */
    final AtomicLong interrupts = new AtomicLong();
    /** Messages a receive found after its wait timed out without an interrupt (the fallback poll fired). */
    final AtomicLong fallbackHits = new AtomicLong();
    private volatile boolean interruptDriven;
    /** Guards {@link #signals}; receivers wait on it for the interrupt. */
    private final Object bell = new Object();
    private long signals;

    /** The shared memory as a {@link GspMsgQueue.Memory}. */
    static GspMsgQueue.Memory memory(MemorySegment seg) {
        return GspMsgQueue.Memory.of(seg);
    }

    /**
     * Initialises the CPU queue and the PTE page.
     *
     * @param shared the shared memory, zeroed
     * @param iova its DMA address (contiguous)
     * @param doorbell writes NV_PGSP_QUEUE_HEAD
     * @param events receives events nobody waits for
     */
    Cmdq(GspAbi abi, MemorySegment shared, long iova, IntConsumer doorbell, Consumer<GspMsgQueue.Message> events) {
        this.abi = abi;
        this.doorbell = doorbell;
        this.events = events;
        this.continuationRecord = abi.function("CONTINUATION_RECORD");
        for (int i = 0; i < GspMsgQueue.SHARED_PAGES; i++) {
            shared.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8L * i,
                    iova + (long) i * GspMsgQueue.PAGE_SIZE);
        }
        GspMsgQueue.Memory mem = memory(shared);
        GspMsgQueue.initQueue(mem, GspMsgQueue.CPU_QUEUE_OFFSET);
        this.ep = GspMsgQueue.Endpoint.cpu(mem);
    }

    /** Receives wait for {@link #interrupt()} (with the bounded fallback poll) instead of polling. */
    void interruptDriven(boolean on) {
        this.interruptDriven = on;
        wake();
    }

    /** @return whether receives wait for the interrupt */
    boolean isInterruptDriven() {
        return interruptDriven;
    }

    /** The message-queue interrupt (from the IRQ handler): wakes every waiting receive. */
    void interrupt() {
        interrupts.incrementAndGet();
        wake();
    }

    private void wake() {
        synchronized (bell) {
            signals++;
            bell.notifyAll();
        }
    }

    private long signals() {
        synchronized (bell) {
            return signals;
        }
    }

    /**
     * Waits for the next interrupt after {@code seen} signals, at most until {@code deadline} and
     * the fallback interval.
     *
     * @return true if the wait ended without a signal (the fallback poll fires)
     */
    private boolean waitForInterrupt(long seen, long deadline) {
        long until = Math.min(deadline, System.nanoTime() + FALLBACK_POLL_MS * 1_000_000L);
        synchronized (bell) {
            while (signals == seen) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    bell.wait(Math.max(1, left / 1_000_000L), (int) (left % 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DriverException(Errno.ETIMEDOUT, "the thread was interrupted while waiting for the GSP");
                }
            }
            return false;
        }
    }

    /** Sets the check that the GSP still runs, consulted while a receive waits. */
    void watch(BooleanSupplier gspAlive) {
        this.alive = gspAlive;
    }

    /** Marks the queues unusable (GSP crash, corrupt message, unbind); later calls fail. */
    void kill(String why) {
        if (dead == null) {
            dead = why;
        }
        wake();
    }

    /** @return why the queues are unusable, if they are */
    Optional<String> dead() {
        return Optional.ofNullable(dead);
    }

    private void checkAlive() {
        if (dead != null) {
            throw new DriverException(Errno.ENODEV, "the GSP message queues are unusable: " + dead);
        }
    }

    /**
     * Queues a command, waiting up to {@code timeoutMs} for room for each of its elements. A
     * command larger than one element goes as the command and its continuation records, one
     * after the other with no other command between them ({@link Continuation}).
     *
     * @return the RPC sequence number the reply will carry (the command element's)
     * @throws DriverException EAGAIN when the queue stayed full (a command cut short after its
     *     first element leaves GSP-RM waiting for the rest: the queues are then unusable), ENODEV
     *     when dead
     */
    synchronized int send(int function, byte[] payload, long timeoutMs) {
        checkAlive();
        Continuation.Split split = Continuation.split(payload);
        int seq = sendSingle(function, split.command(), timeoutMs);
        int sentRecords = 0;
        try {
            for (byte[] record : split.records()) {
                sendSingle(continuationRecord, record, timeoutMs);
                sentRecords++;
            }
        } catch (DriverException e) {
            kill(abi.nameOf(function) + " was cut short after " + (1 + sentRecords) + " of its " + split.elements()
                    + " elements");
            throw e;
        }
        return seq;
    }

    /**
     * Queues one element (cmdq.rs {@code send_single_command}).
     *
     * @return the RPC sequence number it carries
     * @throws DriverException EMSGSIZE if the element would be larger than
     *     {@link GspMsgQueue#ELEMENT_SIZE_MAX} (nothing is queued), EAGAIN when the queue stayed full
     */
    synchronized int sendSingle(int function, byte[] payload, long timeoutMs) {
        checkAlive();
        if (payload.length > GspMsgQueue.MAX_PAYLOAD) {
            throw new DriverException(Errno.EMSGSIZE, abi.nameOf(function) + " of " + payload.length + " bytes does not "
                    + "fit one GSP queue element (" + GspMsgQueue.MAX_PAYLOAD + " bytes after the headers)");
        }
        int seq = nextSequence++;
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        boolean waited = false;
        while (!ep.trySend(function, GspMsgQueue.RESULT_PENDING, seq, payload)) {
            waited = true;
            if (System.nanoTime() > deadline) {
                throw new DriverException(Errno.EAGAIN, "the GSP command queue stayed full for " + timeoutMs
                        + " ms (" + abi.nameOf(function) + ", " + payload.length + " bytes not sent)");
            }
            drainEvents();
            LockSupport.parkNanos(POLL_NANOS);
        }
        if (waited) {
            sendWaits.incrementAndGet();
        }
        sent.incrementAndGet();
        doorbell.accept(0);
        return seq;
    }

    private GspMsgQueue.Message pollOne() {
        try {
            Optional<GspMsgQueue.Message> m = ep.poll();
            if (m.isPresent()) {
                received.incrementAndGet();
            }
            return m.orElse(null);
        } catch (GspMsgQueue.QueueException e) {
            kill(e.getMessage());
            throw new DriverException(Errno.EIO, "corrupt message from the GSP: " + e.getMessage(), e);
        }
    }

    /** Hands every event that arrived to the sink; keeps replies. */
    synchronized void drainEvents() {
        GspMsgQueue.Message m;
        while (dead == null && (m = pollOne()) != null) {
            route(m);
        }
    }

    private void route(GspMsgQueue.Message m) {
        if (abi.events().containsValue(m.function())) {
            events.accept(m);
        } else {
            stash.add(m);
        }
    }

    /**
     * Waits for the message {@code match} accepts.
     *
     * @param what for messages ("the reply to GET_GSP_STATIC_INFO")
     * @param expectedFunction the function it must carry: a reply with the awaited sequence and
     *        another function is an ERANGE error (cmdq.rs: wrong function)
     * @throws DriverException ETIMEDOUT, ERANGE, EIO (corrupt), ENODEV (dead)
     */
    GspMsgQueue.Message receive(String what, int expectedFunction, Predicate<GspMsgQueue.Message> match,
            long timeoutMs, boolean isReply) {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        boolean byFallback = false;
        while (true) {
            long seen = signals();
            synchronized (this) {
                checkAlive();
                for (var it = stash.iterator(); it.hasNext();) {
                    GspMsgQueue.Message m = it.next();
                    if (match.test(m)) {
                        it.remove();
                        return checkFunction(what, expectedFunction, m);
                    }
                }
                GspMsgQueue.Message m;
                boolean found = false;
                while ((m = pollOne()) != null) {
                    if (!found && byFallback) {
                        fallbackHits.incrementAndGet();
                    }
                    found = true;
                    if (match.test(m)) {
                        return checkFunction(what, expectedFunction, m);
                    }
                    route(m);
                }
            }
            if (!alive.getAsBoolean()) {
                synchronized (this) {
                    checkAlive(); // an earlier death (a failed CPU sequencer stopped the core) keeps its reason
                    GspMsgQueue.Message m;
                    while ((m = pollOne()) != null) {
                        if (match.test(m)) {
                            return checkFunction(what, expectedFunction, m);
                        }
                        route(m);
                    }
                    kill("GSP-RM stopped (its RISC-V core is no longer active)");
                }
                throw new DriverException(Errno.ENODEV, "waiting for " + what + ": GSP-RM stopped (its RISC-V core "
                        + "is no longer active)");
            }
            if (System.nanoTime() > deadline) {
                throw new DriverException(Errno.ETIMEDOUT, "no " + what + " from the GSP within " + timeoutMs + " ms");
            }
            if (interruptDriven) {
                byFallback = waitForInterrupt(seen, deadline);
            } else {
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    private GspMsgQueue.Message checkFunction(String what, int expected, GspMsgQueue.Message m) {
        if (m.function() != expected) {
            throw new DriverException(Errno.ERANGE, String.format("%s: the GSP answered with function %s (%d), "
                    + "expected %s (%d)", what, abi.nameOf(m.function()), m.function(), abi.nameOf(expected), expected));
        }
        return m;
    }

    /** Waits for the reply to the command sent with {@code sequence} (events are routed meanwhile). */
    GspMsgQueue.Message awaitReply(int function, int sequence, long timeoutMs) {
        return receive("reply to " + abi.nameOf(function) + " (sequence " + sequence + ")", function,
                m -> !abi.events().containsValue(m.function()) && m.sequence() == sequence, timeoutMs, true);
    }

    /** Waits for the event numbered {@code ev} in the running release. */
    GspMsgQueue.Message awaitEvent(int ev, long timeoutMs) {
        return receive("event " + abi.nameOf(ev), ev, m -> m.function() == ev, timeoutMs, false);
    }

    /** @return ring pages free in the command queue */
    int freePages() {
        return ep.freePages();
    }
}
