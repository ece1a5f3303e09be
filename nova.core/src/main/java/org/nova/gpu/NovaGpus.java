package org.nova.gpu;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The GPUs nova.core drives (an OSGi service of nova.core). Thread-safe; every answer is a
 * snapshot. A GPU appears once its probe has started the GSP and disappears when it unbinds.
 */
@ProviderType
public interface NovaGpus {
    /** @return every bound GPU, in device name order */
    List<GpuInfo> gpus();

    /**
     * @param device a PCI device name, "0000:00:05.0" or "00:05.0"
     * @return the GPU bound at that device, if any
     */
    Optional<GpuInfo> gpu(String device);

    /**
     * @param device a PCI device name
     * @return true if a GPU is bound there and its firmware reports vGPU support (SR-IOV VFs can
     *     then be enabled through sriov_numvfs)
     */
    boolean vgpuSupported(String device);
}
