package org.nova.gpu;

import java.util.List;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The vGPU manager's controls of one GPU's GSP-RM (NVA081_CTRL_CMD_VGPU_CONFIG_* of ctrla081.h,
 * NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_* of ctrl2080vgpumgrinternal.h), typed: nova.core lays the
 * parameters and the plugin heap's control buffer out for the firmware release the GPU runs, so
 * no client sees that release's layouts. From {@link GspCommands#openVgpu}; thread-safe. It is a
 * client channel: the caller closes it; after the GPU unbinds every call fails with ENODEV.
 *
 * <p>Errors: a control GSP-RM refuses is a {@link org.nova.driver.DriverException} whose errno
 * follows the RFC's reading of the NV_STATUS (NV_ERR_IN_USE, NV_ERR_INVALID_STATE: EBUSY;
 * NV_ERR_INSUFFICIENT_RESOURCES: ENOSPC; NV_ERR_NOT_SUPPORTED: ENODEV; anything else: EIO) and
 * whose message names the status; a failed RPC keeps its own errno (ETIMEDOUT, ENODEV, ...).
 */
@ProviderType
public interface VgpuControl extends AutoCloseable {
    /** @return the GPU (physical function) */
    PciAddress device();

    /** @return the firmware release whose layouts serve this channel */
    String firmwareVersion();

    /** @return whether the GPU unbound (or the GSP died) since the channel was opened */
    boolean revoked();

    /**
     * @return the vGPU types the firmware supports, in its order
     *     (NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES, then GET_VGPU_TYPE_INFO for each)
     * @throws org.nova.driver.DriverException ENODEV if the firmware offers none, EIO if a control fails
     */
    List<VgpuTypeInfo> supportedTypes();

    /**
     * @return the smallest plugin heap the firmware's layout of it fits in: the control buffer,
     *     the response, message, migration and error buffers and the task logs this release has
     */
    long pluginHeapMinimum();

    /**
     * Boots the vGPU plugin task of a VF
     * (NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK): first initialises the
     * heap's control buffer (its version and region offsets, the sequence number cleared), then
     * hands GSP-RM the VF, its type, channels, framebuffer and heap. The plugin reports that it
     * booted later ({@link #pluginTaskBooted}); a task that was booted is stopped with
     * {@link #shutdownPluginTask} and {@link #cleanupPlugin}, whatever happens after.
     *
     * @throws org.nova.driver.DriverException EINVAL if the heap is smaller than
     *     {@link #pluginHeapMinimum()}; see the class for refused controls
     */
    void bootloadPluginTask(PluginTask task);

    /**
     * @param heap the heap of a task booted with {@link #bootloadPluginTask}
     * @return whether its plugin reported GSP_PLUGIN_BOOTLOADED in the heap's control buffer
     */
    boolean pluginTaskBooted(VramBlock heap);

    /**
     * Stops a booted plugin task (NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK).
     *
     * @throws org.nova.driver.DriverException as the class says (EBUSY: not running)
     */
    void shutdownPluginTask(int gfid);

    /**
     * Forgets a stopped plugin task and scrubs its memory
     * (NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP); the caller may then free its
     * framebuffer and heap.
     *
     * @throws org.nova.driver.DriverException as the class says
     */
    void cleanupPlugin(int gfid);

    /** @return this client's accounting */
    RpcStats stats();

    @Override
    void close();
}
