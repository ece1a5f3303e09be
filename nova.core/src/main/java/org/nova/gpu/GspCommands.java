package org.nova.gpu;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * nova.core's command service (an OSGi service): the one narrow way other bundles reach a GPU's
 * firmware. A client opens a {@link GspChannel} on a bound GPU and sends firmware commands by
 * their ABI name ({@code "GSP_RM_CONTROL"}); nova.core maps names to the loaded firmware's
 * function numbers and structures, so the firmware ABI stays inside nova.core. The vGPU
 * manager's controls are typed ({@link #openVgpu}).
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
     * @return the GSP-RM log buffer's text so far (like debugfs' logrm), empty if none
     */
    String log(String device);
}
