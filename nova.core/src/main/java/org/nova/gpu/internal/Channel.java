package org.nova.gpu.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspReply;
import org.nova.gpu.RpcStats;
import org.nova.nvidia.gsp.GspMsgQueue;

/** A client's channel to one bound GPU's GSP ({@link GspChannel}); accounting lives in {@link Account}. */
final class Channel implements GspChannel {
    /** One client's counters on one GPU (kept after the channel closes). */
    static final class Account {
        final String client;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong timeouts = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();
        final AtomicLong open = new AtomicLong();

        Account(String client) {
            this.client = client;
        }

        RpcStats snapshot() {
            return new RpcStats(client, calls.get(), failures.get(), timeouts.get(), nanos.get(), open.get() > 0);
        }
    }

    private final Gpu gpu;
    private final Account account;
    private volatile boolean closed;

    Channel(Gpu gpu, Account account) {
        this.gpu = gpu;
        this.account = account;
        account.open.incrementAndGet();
    }

    @Override
    public String device() {
        return gpu.info().device();
    }

    @Override
    public String firmwareVersion() {
        return gpu.abi().version();
    }

    @Override
    public boolean revoked() {
        return gpu.clients().closedReason() != null || gpu.cmdq() == null || gpu.cmdq().dead().isPresent();
    }

    @Override
    public GspReply call(String function, byte[] payload, Duration timeout) {
        checkUsable();
        int fn;
        try {
            fn = gpu.abi().function(function);
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.EINVAL, e.getMessage(), e);
        }
        if (fn == gpu.abi().FUNCTION_CONTINUATION_RECORD()) {
            // the transport's own element: a bare one would leave GSP-RM nothing to continue
            throw new DriverException(Errno.EINVAL, "CONTINUATION_RECORD is not a command: the queue sends one after "
                    + "a command too large for an element");
        }
        return accounted(() -> {
            GspMsgQueue.Message m = gpu.rpc(fn, payload, Math.max(1, timeout.toMillis()));
            return new GspReply(function, m.rpcResult(), m.payload());
        });
    }

    @Override
    public GspReply control(int cmd, byte[] params, Duration timeout) {
        checkUsable();
        return accounted(() -> gpu.control(cmd, params, Math.max(1, timeout.toMillis())));
    }

    /** @throws DriverException EINVAL once closed, ENODEV once revoked */
    private void checkUsable() {
        if (closed) {
            throw new DriverException(Errno.EINVAL, "the GSP channel of " + account.client + " is closed");
        }
        if (revoked()) {
            throw new DriverException(Errno.ENODEV, "GSP channel of " + account.client + " to " + device()
                    + " revoked: " + revocation());
        }
    }

    /** @return why the channel is revoked: the unbind first, else the queue's death */
    private String revocation() {
        String unbinding = gpu.clients().closedReason();
        if (unbinding != null) {
            return unbinding;
        }
        Cmdq q = gpu.cmdq();
        return q == null ? "the GSP is not running" : q.dead().orElse("the GSP is not running");
    }

    /**
     * Runs one command, charging the client: a call, its time, and a failure or timeout. The call
     * runs inside the GPU's {@link ClientGate}: the unbind waits for it before the unload.
     *
     * @throws DriverException ENODEV when the GPU started unbinding
     */
    private GspReply accounted(Supplier<GspReply> command) {
        gpu.clients().enter("GSP channel of " + account.client + " to " + device());
        account.calls.incrementAndGet();
        long t0 = System.nanoTime();
        try {
            return command.get();
        } catch (DriverException e) {
            account.failures.incrementAndGet();
            if (e.errno() == Errno.ETIMEDOUT) {
                account.timeouts.incrementAndGet();
            }
            throw e;
        } finally {
            account.nanos.addAndGet(System.nanoTime() - t0);
            gpu.clients().exit();
        }
    }

    @Override
    public CompletableFuture<GspReply> submit(String function, byte[] payload, Duration timeout) {
        CompletableFuture<GspReply> f = new CompletableFuture<>();
        byte[] copy = payload.clone();
        Thread.ofVirtual().name("gsp-rpc-" + account.client).start(() -> {
            try {
                f.complete(call(function, copy, timeout));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    @Override
    public RpcStats stats() {
        return account.snapshot();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            account.open.decrementAndGet();
        }
    }
}
