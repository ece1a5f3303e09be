package org.nova.dma.fence;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A fence timeline: {@code dma_fence_context_alloc} gives it a context number unique in the
 * runtime, and {@link #next} hands out fences with increasing sequence numbers on it. Fences of
 * one context are meant to signal in sequence order (the job queue does so); the context only
 * numbers them. Thread-safe; owns nothing that needs closing.
 */
public final class FenceContext {
    /** dma-fence.c's dma_fence_context_counter: context numbers start at 1 (0 is the stub's). */
    private static final AtomicLong CONTEXTS = new AtomicLong(1);

    private final long context;
    private final String name;
    private final AtomicLong seqno = new AtomicLong();

    /**
     * {@code dma_fence_context_alloc(1)}.
     *
     * @param name the timeline's name, shown with its fences (a driver and queue, e.g. "nova:card0/1:ch3")
     */
    public FenceContext(String name) {
        this.name = name;
        this.context = CONTEXTS.getAndIncrement();
    }

    /** @return the context number */
    public long context() {
        return context;
    }

    /** @return the timeline's name */
    public String name() {
        return name;
    }

    /** @return the last sequence number handed out, 0 before any */
    public long lastSeqno() {
        return seqno.get();
    }

    /** @return the next sequence number (from 1), for a fence made here or by a subclass of DmaFence */
    long nextSeqno() {
        return seqno.incrementAndGet();
    }

    /** @return a new unsignalled fence with the next sequence number (from 1), owned by the caller */
    public DmaFence next() {
        return new DmaFence(this, seqno.incrementAndGet());
    }
}
