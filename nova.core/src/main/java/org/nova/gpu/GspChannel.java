package org.nova.gpu;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A client's channel to one GPU's GSP, from {@link GspCommands#open}. Thread-safe. After the GPU
 * unbinds every call fails with {@code ENODEV} ("revoked"); {@link #close} ends the accounting
 * and may be called at any time.
 */
@ProviderType
public interface GspChannel extends AutoCloseable {
    /** @return the PCI device */
    String device();

    /** @return the firmware release whose bindings serve this channel */
    String firmwareVersion();

    /** @return whether the GPU unbound (or the GSP died) since the channel was opened */
    boolean revoked();

    /**
     * Sends a command and waits for its reply.
     *
     * @param function the RPC function's ABI name ({@code NV_VGPU_MSG_FUNCTION_} stripped)
     * @param payload the command's payload (the caller lays it out for the firmware in use)
     * @param timeout how long to wait for room in the queue and for the reply
     * @throws org.nova.driver.DriverException EINVAL (unknown function), ETIMEDOUT, EAGAIN (queue full
     *         for the whole timeout), ERANGE (reply for another function), EIO (corrupt reply),
     *         ENODEV (revoked)
     */
    GspReply call(String function, byte[] payload, Duration timeout);

    /**
     * Sends an RM control ({@code GSP_RM_CONTROL}) to the GPU's subdevice and waits for the reply.
     * nova.core lays out the RPC's header for the firmware in use; the control's parameters are
     * the caller's (NVIDIA's control parameter structures, e.g. ctrl2080vgpumgrinternal.h).
     *
     * @param cmd the control command ({@code NV2080_CTRL_CMD_*}, {@code NVA081_CTRL_CMD_*})
     * @param params the control's parameters
     * @param timeout how long to wait
     * @return the reply: {@link GspReply#result()} is the control's NV_STATUS (0 = NV_OK), or the
     *         RPC's result if the RPC itself failed; the payload is the parameters GSP-RM returned
     * @throws org.nova.driver.DriverException as {@link #call}
     */
    GspReply control(int cmd, byte[] params, Duration timeout);

    /** Like {@link #call}, without blocking the caller: the future completes with the reply or the error. */
    CompletableFuture<GspReply> submit(String function, byte[] payload, Duration timeout);

    /** @return this client's accounting */
    RpcStats stats();

    @Override
    void close();
}
