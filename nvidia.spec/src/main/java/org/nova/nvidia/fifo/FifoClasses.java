package org.nova.nvidia.fifo;

import java.util.List;
import java.util.Optional;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;

/**
 * The RM classes a channel on the copy engine is made of, per chip: the channel's GPFIFO class
 * (open-gpu-kernel-modules src/common/sdk/nvidia/inc/class/clc46f.h, clc56f.h, clc86f.h, clc96f.h,
 * clca6f.h), the copy engine's class (kernel-open/nvidia-uvm/clc5b5.h, clc6b5.h, clc7b5.h, clc8b5.h,
 * clc9b5.h, clcab5.h) and the VA-space class (class/cl90f1.h). Which chip takes which class follows
 * nouveau (nvkm/engine/device/base.c: tu102 {@code TURING_CHANNEL_GPFIFO_A}, ga100 {@code
 * AMPERE_DMA_COPY_A}, ga102/ad102 {@code AMPERE_DMA_COPY_B}; nvkm/subdev/gsp/rm/gh100.c, gb10x.c and
 * gb20x.c as read at torvalds/linux 44f93b209e2a, 32cb1cc358ff and ab93e0dd72c3: GH100 {@code
 * HOPPER_CHANNEL_GPFIFO_A}/{@code HOPPER_DMA_COPY_A}, GB10x {@code BLACKWELL_CHANNEL_GPFIFO_A}/{@code
 * BLACKWELL_DMA_COPY_A}, GB20x {@code BLACKWELL_CHANNEL_GPFIFO_B}/{@code BLACKWELL_DMA_COPY_B}). The
 * numbers agree with nouveau's include/nvif/class.h and with the class headers above
 * (open-gpu-kernel-modules clc86f.h at 448d5cc65624, clc96f.h at 415957988803, clca6f.h at
 * 877fd23cf0ed, nvidia-uvm clc8b5.h at 63c05c676fa9, clcab5.h at 54d69484da94 = 570.86.15); NVIDIA's
 * own generated RM tables were not read for which older classes a newer chip also accepts, so each
 * chip takes exactly its own class here.
 *
 * <p>The host method set differs by class: {@code SEMAPHOREA}..{@code SEMAPHORED} are declared in
 * clc46f.h and clc56f.h but in none of clc86f.h, clc96f.h and clca6f.h, which declare the {@code
 * SEM_ADDR_LO}..{@code SEM_EXECUTE} release instead (as UVM's uvm_hopper_host.c uses it); {@code
 * SEM_EXECUTE} is not a method of clc46f.h. {@link #hasSemaphoreAtoD} and {@link #hasSemExecute} say
 * which a class has.
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
    /** {@code BLACKWELL_CHANNEL_GPFIFO_A} (clc96f.h): GB10x. */
    public static final int BLACKWELL_CHANNEL_GPFIFO_A = 0xc96f;
    /** {@code BLACKWELL_CHANNEL_GPFIFO_B} (clca6f.h): GB20x. */
    public static final int BLACKWELL_CHANNEL_GPFIFO_B = 0xca6f;
    /** {@code TURING_DMA_COPY_A} (clc5b5.h). */
    public static final int TURING_DMA_COPY_A = 0xc5b5;
    /** {@code AMPERE_DMA_COPY_A} (clc6b5.h): GA100. */
    public static final int AMPERE_DMA_COPY_A = 0xc6b5;
    /** {@code AMPERE_DMA_COPY_B} (clc7b5.h): GA10x and AD10x. */
    public static final int AMPERE_DMA_COPY_B = 0xc7b5;
    /** {@code HOPPER_DMA_COPY_A} (clc8b5.h). */
    public static final int HOPPER_DMA_COPY_A = 0xc8b5;
    /** {@code BLACKWELL_DMA_COPY_A} (nouveau include/nvif/class.h; clc9b5.h itself was not read): GB10x. */
    public static final int BLACKWELL_DMA_COPY_A = 0xc9b5;
    /** {@code BLACKWELL_DMA_COPY_B} (kernel-open/nvidia-uvm/clcab5.h): GB20x. */
    public static final int BLACKWELL_DMA_COPY_B = 0xcab5;

    /** Every channel GPFIFO class above, oldest first. */
    private static final List<Integer> GPFIFO_CLASSES = List.of(TURING_CHANNEL_GPFIFO_A, AMPERE_CHANNEL_GPFIFO_A,
            HOPPER_CHANNEL_GPFIFO_A, BLACKWELL_CHANNEL_GPFIFO_A, BLACKWELL_CHANNEL_GPFIFO_B);
    /** Every copy-engine class above, oldest first. */
    private static final List<Integer> COPY_CLASSES = List.of(TURING_DMA_COPY_A, AMPERE_DMA_COPY_A,
            AMPERE_DMA_COPY_B, HOPPER_DMA_COPY_A, BLACKWELL_DMA_COPY_A, BLACKWELL_DMA_COPY_B);

    private FifoClasses() {
    }

    /**
     * @return the channel GPFIFO class of {@code arch}; every architecture has one (an Optional for the
     *         1.0 signature)
     */
    public static Optional<Integer> gpfifoClass(Architecture arch) {
        return Optional.of(switch (arch) {
            case TURING -> TURING_CHANNEL_GPFIFO_A;
            case AMPERE, ADA -> AMPERE_CHANNEL_GPFIFO_A;
            case HOPPER -> HOPPER_CHANNEL_GPFIFO_A;
            case BLACKWELL_GB10X -> BLACKWELL_CHANNEL_GPFIFO_A;
            case BLACKWELL_GB20X -> BLACKWELL_CHANNEL_GPFIFO_B;
        });
    }

    /**
     * @return the copy-engine class of {@code chip}; every chip has one (an Optional for the 1.0
     *         signature)
     */
    public static Optional<Integer> copyClass(Chipset chip) {
        return Optional.of(switch (chip.architecture()) {
            case TURING -> TURING_DMA_COPY_A;
            case AMPERE -> chip == Chipset.GA100 ? AMPERE_DMA_COPY_A : AMPERE_DMA_COPY_B;
            case ADA -> AMPERE_DMA_COPY_B;
            case HOPPER -> HOPPER_DMA_COPY_A;
            case BLACKWELL_GB10X -> BLACKWELL_DMA_COPY_A;
            case BLACKWELL_GB20X -> BLACKWELL_DMA_COPY_B;
        });
    }

    /** @return whether {@code cls} is a channel GPFIFO class of some chip */
    public static boolean isGpfifoClass(int cls) {
        return GPFIFO_CLASSES.contains(cls);
    }

    /** @return whether {@code cls} is a copy-engine class of some chip */
    public static boolean isCopyClass(int cls) {
        return COPY_CLASSES.contains(cls);
    }

    /**
     * @return whether GPFIFO class {@code cls} has the {@code SEMAPHOREA}..{@code SEMAPHORED} host
     *         methods (clc46f.h, clc56f.h; not clc86f.h, clc96f.h, clca6f.h)
     */
    public static boolean hasSemaphoreAtoD(int cls) {
        return cls == TURING_CHANNEL_GPFIFO_A || cls == AMPERE_CHANNEL_GPFIFO_A;
    }

    /**
     * @return whether GPFIFO class {@code cls} has the {@code SEM_ADDR_LO}..{@code SEM_EXECUTE} host
     *         methods (clc56f.h, clc86f.h, clc96f.h, clca6f.h; not clc46f.h)
     */
    public static boolean hasSemExecute(int cls) {
        return isGpfifoClass(cls) && cls != TURING_CHANNEL_GPFIFO_A;
    }
}
