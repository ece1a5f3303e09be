package org.nova.gpu.channel;

import java.util.List;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmRange;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The channels of one GPU, made by nova.core when the GPU binds and handed to nova-drm with the
 * GPU's VRAM manager and VA spaces. Thread-safe.
 *
 * <p>Ownership: a channel returned by {@link #open} belongs to the caller, who closes it. When the
 * GPU unbinds the manager is revoked: every channel still open is force-closed and further opens
 * fail with ENODEV.
 */
@ProviderType
public interface GpuChannels {
    /** @return the GPU's PCI device name ("0000:00:05.0") */
    String gpu();

    /**
     * Allocates a channel through GSP-RM in {@code vm} on {@code engine}.
     *
     * @param owner who is charged for it (e.g. "nova-drm:card0:file3"), not null
     * @param vm an open space of this GPU; it must stay open while the channel is
     * @param kernelRange the VAs of {@code vm} the channel may map its own objects at (its
     *     GPFIFO ring, completion pushbuffer and semaphore), which the caller keeps free of its own
     *     mappings — nova-drm passes its file's kernel-managed range (VM_INIT). Channels of one
     *     space share the range: nova.core places each one's objects where no other channel's are,
     *     below the GPFIFO address limit (2^40, {@code HostMethods.GP_ENTRY_ADDRESS_LIMIT}): the part
     *     of the range above it is not used, and a range wholly above it has no room (ENOSPC).
     * @param engine the engine
     * @param gpfifoEntries the ring's size, a power of two from 2 to 2^20
     * @return the channel, owned by the caller
     * @throws org.nova.driver.DriverException EINVAL for a bad size, no owner or another GPU's
     *     space or a {@code kernelRange} outside it; ENOSPC when VRAM, the kernel range or the GPU's
     *     channel IDs are exhausted; EEXIST when the caller mapped something where the channel's
     *     objects go; EIO when GSP-RM refuses
     *     (its NV_STATUS in the message); ENODEV once revoked or for a closed space. Nothing stays
     *     allocated on error.
     */
    GpuChannel open(String owner, GpuVm vm, VmRange kernelRange, Engine engine, int gpfifoEntries);

    /** @return the channels open now, in opening order */
    List<GpuChannel> channels();

    /** Force-closes every open channel and refuses opens (the GPU is unbinding). Idempotent. */
    void revoke();

    /** @return true after {@link #revoke} */
    boolean isRevoked();
}
