package org.nova.nvidia.regs;

/**
 * The registers an SR-IOV virtual function of a GPU has in its own BAR0
 * ({@code NV_VIRTUAL_FUNCTION_PRIV}): the CPU interrupt tree a vGPU's interrupts go through.
 * Vectors are grouped 32 to a leaf register, two leaves to a subtree, one TOP bit per subtree; a
 * vector is pending in its leaf, and it interrupts the CPU (the VF's MSI) when its leaf bit and
 * its subtree's TOP bit are enabled. Writing a vector to LEAF_TRIGGER makes it pending (software
 * interrupts: NVIDIA's RM raises its doorbell vector this way).
 * Source: open-gpu-kernel-modules src/common/inc/swref/published/ampere/ga102/dev_vm.h (the same
 * offsets in turing/tu102/dev_vm.h), the vector-to-leaf and leaf-to-subtree rules of tu102's
 * dev_ctrl.h ({@code NV_CTRL_INTR_GPU_VECTOR_TO_LEAF_REG}, {@code NV_CTRL_INTR_LEAF_IDX_TO_SUBTREE}).
 */
public final class VirtualFunction {
    private static final String SRC = "open-gpu-kernel-modules ampere/ga102/dev_vm.h";

    /** Leaf registers of a GA102/AD102 virtual function (LEAF__SIZE_1). */
    public static final int LEAVES = 8;
    /** Vectors per leaf register. */
    public static final int VECTORS_PER_LEAF = 32;
    /** Leaf registers per subtree (dev_ctrl.h: NV_CTRL_INTR_SUBTREE_TO_LEAF_IDX_START(i) = i * 2). */
    public static final int LEAVES_PER_SUBTREE = 2;

    /** Pending vectors, 32 per leaf; write 1 to clear. */
    public static final Register CPU_INTR_LEAF = Register.vfBar0Array("NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF",
            0x1000, LEAVES, 4, "Pending interrupt vectors of a leaf (write 1 to clear)", SRC);
    /** Enables vectors of a leaf (write 1 to enable); reads the leaf's enables. */
    public static final Register CPU_INTR_LEAF_EN_SET = Register.vfBar0Array(
            "NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_SET", 0x1200, LEAVES, 4,
            "Enable interrupt vectors of a leaf (write 1 to set)", SRC);
    /** Disables vectors of a leaf (write 1 to disable); reads the leaf's enables. */
    public static final Register CPU_INTR_LEAF_EN_CLEAR = Register.vfBar0Array(
            "NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_CLEAR", 0x1400, LEAVES, 4,
            "Disable interrupt vectors of a leaf (write 1 to clear)", SRC);
    /** One bit per subtree with an enabled vector pending (read-only). */
    public static final Register CPU_INTR_TOP = Register.vfBar0("NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP", 0x1600,
            "Subtrees with an enabled interrupt pending", SRC);
    /** Enables subtrees (write 1 to enable); reads the enables. */
    public static final Register CPU_INTR_TOP_EN_SET = Register.vfBar0("NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_SET",
            0x1608, "Enable subtrees (write 1 to set)", SRC);
    /** Disables subtrees (write 1 to disable); reads the enables. */
    public static final Register CPU_INTR_TOP_EN_CLEAR = Register.vfBar0(
            "NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_CLEAR", 0x1610, "Disable subtrees (write 1 to clear)", SRC);
    /** Makes a vector pending (write-only). */
    public static final Register CPU_INTR_LEAF_TRIGGER = Register.vfBar0(
            "NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_TRIGGER", 0x1640, "Make an interrupt vector pending", SRC);
    /** The vector LEAF_TRIGGER makes pending. */
    public static final Field CPU_INTR_LEAF_TRIGGER_VECTOR = CPU_INTR_LEAF_TRIGGER.field(11, 0, "vector",
            "Interrupt vector to make pending");

    private VirtualFunction() {
    }

    /** @return the leaf register holding {@code vector} (NV_CTRL_INTR_GPU_VECTOR_TO_LEAF_REG) */
    public static int leafOf(int vector) {
        return vector / VECTORS_PER_LEAF;
    }

    /** @return the bit of {@code vector} in its leaf (NV_CTRL_INTR_GPU_VECTOR_TO_LEAF_BIT) */
    public static int leafBitOf(int vector) {
        return vector % VECTORS_PER_LEAF;
    }

    /** @return the subtree of leaf register {@code leaf} (NV_CTRL_INTR_LEAF_IDX_TO_SUBTREE) */
    public static int subtreeOf(int leaf) {
        return leaf / LEAVES_PER_SUBTREE;
    }
}
