package org.nova.nvidia.fifo;

import java.util.Optional;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;

/**
 * The RM classes a channel on the copy engine is made of, per chip: the channel's GPFIFO class
 * (open-gpu-kernel-modules src/common/sdk/nvidia/inc/class/clc46f.h, clc56f.h, clc86f.h), the copy
 * engine's class (kernel-open/nvidia-uvm/clc5b5.h, clc6b5.h, clc7b5.h, clc8b5.h) and the VA-space
 * class (class/cl90f1.h). Which chip takes which class follows nouveau
 * (nvkm/engine/device/base.c: tu102 {@code TURING_CHANNEL_GPFIFO_A}, ga100 {@code
 * AMPERE_DMA_COPY_A}, ga102/ad102 {@code AMPERE_DMA_COPY_B}, gh100 {@code HOPPER_*}). Blackwell's
 * classes are not declared: the sources read disagree on which GPFIFO class GB10x and GB20x take.
 */
public final class FifoClasses {
    /** {@code FERMI_VASPACE_A} (cl90f1.h): a GPU VA space object of GSP-RM. */
    public static final int FERMI_VASPACE_A = 0x90f1;
    /** {@code TURING_CHANNEL_GPFIFO_A} (clc46f.h). */
    public static final int TURING_CHANNEL_GPFIFO_A = 0xc46f;
    /** {@code AMPERE_CHANNEL_GPFIFO_A} (clc56f.h): Ampere and Ada. */
    public static final int AMPERE_CHANNEL_GPFIFO_A = 0xc56f;
    /** {@code HOPPER_CHANNEL_GPFIFO_A} (clc86f.h). */
    public static final int HOPPER_CHANNEL_GPFIFO_A = 0xc86f;
    /** {@code TURING_DMA_COPY_A} (clc5b5.h). */
    public static final int TURING_DMA_COPY_A = 0xc5b5;
    /** {@code AMPERE_DMA_COPY_A} (clc6b5.h): GA100. */
    public static final int AMPERE_DMA_COPY_A = 0xc6b5;
    /** {@code AMPERE_DMA_COPY_B} (clc7b5.h): GA10x and AD10x. */
    public static final int AMPERE_DMA_COPY_B = 0xc7b5;
    /** {@code HOPPER_DMA_COPY_A} (clc8b5.h). */
    public static final int HOPPER_DMA_COPY_A = 0xc8b5;

    private FifoClasses() {
    }

    /** @return the channel GPFIFO class of {@code arch}, empty where it is not declared (Blackwell) */
    public static Optional<Integer> gpfifoClass(Architecture arch) {
        return switch (arch) {
            case TURING -> Optional.of(TURING_CHANNEL_GPFIFO_A);
            case AMPERE, ADA -> Optional.of(AMPERE_CHANNEL_GPFIFO_A);
            case HOPPER -> Optional.of(HOPPER_CHANNEL_GPFIFO_A);
            default -> Optional.empty();
        };
    }

    /** @return the copy-engine class of {@code chip}, empty where it is not declared (Blackwell) */
    public static Optional<Integer> copyClass(Chipset chip) {
        return switch (chip.architecture()) {
            case TURING -> Optional.of(TURING_DMA_COPY_A);
            case AMPERE -> Optional.of(chip == Chipset.GA100 ? AMPERE_DMA_COPY_A : AMPERE_DMA_COPY_B);
            case ADA -> Optional.of(AMPERE_DMA_COPY_B);
            case HOPPER -> Optional.of(HOPPER_DMA_COPY_A);
            default -> Optional.empty();
        };
    }
}
