package org.nova.gpu;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * nova.core's command service (an OSGi service): the one narrow way other bundles reach a GPU's
 * firmware. A client opens a {@link GspChannel} on a bound GPU and sends firmware commands by
 * their ABI name ({@code "GSP_RM_CONTROL"}); nova.core maps names to the loaded firmware's
 * function numbers and structures, so the firmware ABI stays inside nova.core. The vGPU
 * manager's controls are typed ({@link #openVgpu}); the GSP's log buffers and the framebuffer
 * regions GSP-RM reported are read here too.
 */
@ProviderType
public interface GspCommands {
    /**
     * Opens a channel.
     *
     * @param device a bound GPU, "0000:00:05.0" or "00:05.0"
     * @param client who is calling, for accounting ("nova-drm", "vgpu.vfio")
     * @return the channel; the caller closes it. It is revoked when the GPU unbinds.
     * @throws org.nova.driver.DriverException ENODEV if no GPU with a running GSP is bound there
     */
    GspChannel open(String device, String client);

    /**
     * Opens the typed vGPU manager controls of a GPU.
     *
     * @param device a bound GPU, "0000:00:05.0" or "00:05.0"
     * @param client who is calling, for accounting
     * @return the controls; the caller closes them. They are revoked when the GPU unbinds.
     * @throws org.nova.driver.DriverException ENODEV if no GPU with a running GSP is bound there or
     *     its firmware has no vGPU support
     */
    VgpuControl openVgpu(String device, String client);

    /**
     * @param device a bound GPU
     * @return the GSP's state, empty if no GPU is bound there
     */
    Optional<GspStatus> status(String device);

    /** @return every bound GPU's GSP state, in device order */
    List<GspStatus> statuses();

    /**
     * @param device a bound GPU
     * @return per-client accounting of that GPU's channels (closed channels included)
     */
    List<RpcStats> stats(String device);

    /**
     * @param device a bound GPU
     * @return the LOGRM buffer decoded as far as its format allows (see {@link #log(String, GspLogBuffer)}),
     *     empty if no GPU is bound there
     */
    String log(String device);

    /**
     * A GSP log buffer decoded as far as the public LibOS format allows: the put pointer, the
     * entries written and kept, whether the ring wrapped, and the entries. Records and their text
     * need the firmware's logging section (each record's argument count and format string), which
     * the firmware files nova-core loads do not carry; without it the entries are listed as they are.
     *
     * @param device a bound GPU
     * @param buffer which buffer
     * @return the decoded text, empty if no GPU is bound there
     */
    String log(String device, GspLogBuffer buffer);

    /**
     * The raw bytes of a GSP log buffer, as debugfs' binary loginit/logintr/logrm files give them
     * (for a decoder that has the firmware's logging section).
     *
     * @param device a bound GPU
     * @param buffer which buffer
     * @return a copy of the whole buffer (put pointer first), taken now
     * @throws org.nova.driver.DriverException ENODEV if no GPU with a running GSP is bound there
     */
    byte[] logBytes(String device, GspLogBuffer buffer);

    /**
     * @param device a bound GPU
     * @return the framebuffer regions GSP-RM reported in GetGspStaticInfo, decoded, in its order;
     *     empty if no GPU is bound there
     */
    List<FbRegion> fbRegions(String device);
}
