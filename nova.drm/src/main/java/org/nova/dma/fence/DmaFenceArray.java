package org.nova.dma.fence;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The "all of" fence ({@code struct dma_fence_array} with {@code signal_on_any} false,
 * drivers/dma-buf/dma-fence-array.c of Linux 6.12): signals once every member signalled. Its error
 * is the first member error seen ({@code dma_fence_array_set_pending_error}); it signals only when
 * all members did, even after an error. An empty array signals at once.
 *
 * <p>Ownership: the array observes its members (a callback on each) and signals itself; nobody
 * else signals it (a {@link #signal} from outside returns false once the members did, and before
 * that would break the rule, so it is refused with IllegalStateException).
 */
public final class DmaFenceArray extends DmaFence {
    private final List<DmaFence> fences;
    private final AtomicInteger pending;
    private final AtomicReference<FenceError> firstError = new AtomicReference<>();
    private volatile boolean armed;

    /**
     * {@code dma_fence_array_create}: a fence on {@code ctx}'s next sequence number over
     * {@code fences}.
     *
     * @param ctx the timeline the array's own fence is on
     * @param fences the members (a copy is kept)
     */
    public DmaFenceArray(FenceContext ctx, List<DmaFence> fences) {
        this(ctx.context(), ctx.nextSeqno(), ctx.name(), fences);
    }

    private DmaFenceArray(long context, long seqno, String name, List<DmaFence> fences) {
        super(context, seqno, name);
        this.fences = List.copyOf(fences);
        this.pending = new AtomicInteger(this.fences.size() + 1);
        FenceCallback cb = f -> memberSignaled(f.error());
        for (DmaFence f : this.fences) {
            if (!f.addCallback(cb)) {
                memberSignaled(f.error());
            }
        }
        armed = true;
        // the extra count keeps the array from signalling inside its constructor's loop
        memberSignaled(null);
    }

    /** @return the members */
    public List<DmaFence> fences() {
        return fences;
    }

    private void memberSignaled(FenceError e) {
        if (e != null) {
            firstError.compareAndSet(null, e);
        }
        if (pending.decrementAndGet() == 0) {
            super.signal(firstError.get());
        }
    }

    /**
     * Refused: the array signals itself.
     *
     * @throws IllegalStateException always while members are pending
     */
    @Override
    public boolean signal(FenceError error) {
        if (!armed || !isSignaled()) {
            throw new IllegalStateException(this + " signals when its members do");
        }
        return false;
    }
}
