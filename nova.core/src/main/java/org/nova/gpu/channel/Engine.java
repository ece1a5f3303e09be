package org.nova.gpu.channel;

/** The engine a {@link GpuChannel} runs on (NV2080_ENGINE_TYPE_* of the GSP-RM ABI). */
public enum Engine {
    /** The first copy engine (NV2080_ENGINE_TYPE_COPY0): DMA copies between GPU VAs, semaphores. */
    COPY0
}
