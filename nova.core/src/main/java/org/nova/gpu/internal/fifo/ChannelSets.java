package org.nova.gpu.internal.fifo;

import java.util.Optional;

/**
 * The channels of the bound GPUs, for nova.core's own shell command ({@code nova:channels}). A
 * service inside the bundle only: the package is not exported.
 */
public interface ChannelSets {
    /**
     * @param device the GPU's PCI device, "0000:00:05.0" or "00:05.0"
     * @return its channels; empty when no GPU is bound there or it offers none
     */
    Optional<NovaChannels> channels(String device);
}
