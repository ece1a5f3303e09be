package org.nova.gpu.internal.mm;

import java.util.Optional;

/**
 * The BAR1 VA spaces of the bound GPUs, for nova.core's own shell command ({@code nova:vm}). A
 * service inside the bundle only: the package is not exported.
 */
public interface Bar1Spaces {
    /**
     * @param device the GPU's PCI device, "0000:00:05.0" or "00:05.0"
     * @return its BAR1 space; empty when no GPU is bound there or its BAR1 is linear (GSP-RM
     *     reported no root)
     */
    Optional<Bar1Space> bar1(String device);
}
