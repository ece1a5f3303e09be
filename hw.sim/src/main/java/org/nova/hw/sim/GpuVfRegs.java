package org.nova.hw.sim;

import static org.nova.nvidia.regs.VirtualFunction.*;
import java.util.Arrays;

/**
 * BAR0 of a simulated GPU virtual function: the CPU interrupt tree of dev_vm.h
 * ({@link org.nova.nvidia.regs.VirtualFunction}) in front of plain register storage. A vector
 * made pending by LEAF_TRIGGER interrupts the CPU (the VF's MSI vector 0) when its leaf bit and
 * its subtree's TOP bit are enabled, and again whenever an enable uncovers a pending vector; the
 * driver clears it by writing 1 to its LEAF bit. Accesses to the tree are 32-bit, as the
 * registers are declared; other offsets hold what was written, like the registers this model
 * does not implement.
 *
 * <p>Not plain memory: no direct mapping, every access goes through the model. Called with the
 * function's lock held (the {@link Region} contract), which also orders the MSI it sends.
 */
final class GpuVfRegs implements Region {
    private final RamRegion storage;
    private final int[] pending = new int[LEAVES];
    private final int[] enabled = new int[LEAVES];
    private int topEnabled;
    private DeviceContext context;
    /** MSIs the tree sent (for tests and diagnostics). */
    private long interrupts;

    GpuVfRegs(long size) {
        this.storage = new RamRegion(size);
    }

    /** The function is plugged in: interrupts go through its context from now on. */
    void attach(DeviceContext context) {
        this.context = context;
    }

    /** Function-level reset: nothing pending, nothing enabled, the storage zeroed. */
    void reset() {
        Arrays.fill(pending, 0);
        Arrays.fill(enabled, 0);
        topEnabled = 0;
        storage.memory().ifPresent(m -> m.fill((byte) 0));
    }

    long interrupts() {
        return interrupts;
    }

    @Override
    public long size() {
        return storage.size();
    }

    @Override
    public long read(long offset, int size) {
        if (size == Integer.BYTES) {
            int i;
            if ((i = CPU_INTR_LEAF.indexAt(offset)) >= 0) {
                return Integer.toUnsignedLong(pending[i]);
            } else if ((i = CPU_INTR_LEAF_EN_SET.indexAt(offset)) >= 0 || (i = CPU_INTR_LEAF_EN_CLEAR.indexAt(offset)) >= 0) {
                return Integer.toUnsignedLong(enabled[i]);
            } else if (offset == CPU_INTR_TOP.address()) {
                return Integer.toUnsignedLong(top());
            } else if (offset == CPU_INTR_TOP_EN_SET.address() || offset == CPU_INTR_TOP_EN_CLEAR.address()) {
                return Integer.toUnsignedLong(topEnabled);
            } else if (offset == CPU_INTR_LEAF_TRIGGER.address()) {
                return 0; // write-only
            }
        }
        return storage.read(offset, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size != Integer.BYTES) {
            storage.write(offset, size, value);
            return;
        }
        int v = (int) value;
        int before = top();
        int i;
        if ((i = CPU_INTR_LEAF.indexAt(offset)) >= 0) {
            pending[i] &= ~v;
        } else if ((i = CPU_INTR_LEAF_EN_SET.indexAt(offset)) >= 0) {
            enabled[i] |= v;
        } else if ((i = CPU_INTR_LEAF_EN_CLEAR.indexAt(offset)) >= 0) {
            enabled[i] &= ~v;
        } else if (offset == CPU_INTR_TOP_EN_SET.address()) {
            topEnabled |= v;
        } else if (offset == CPU_INTR_TOP_EN_CLEAR.address()) {
            topEnabled &= ~v;
        } else if (offset == CPU_INTR_LEAF_TRIGGER.address()) {
            int vector = CPU_INTR_LEAF_TRIGGER_VECTOR.get(v);
            if (leafOf(vector) < LEAVES) {
                boolean already = (pending[leafOf(vector)] & 1 << leafBitOf(vector)) != 0;
                pending[leafOf(vector)] |= 1 << leafBitOf(vector);
                if (!already && enabledPending(vector)) {
                    interrupt();
                }
            }
            return;
        } else if (offset != CPU_INTR_TOP.address()) {
            storage.write(offset, size, value);
            return;
        }
        // an enable that uncovers a pending vector interrupts, as the vector's arrival would have
        if ((top() & ~before) != 0) {
            interrupt();
        }
    }

    private boolean enabledPending(int vector) {
        int leaf = leafOf(vector);
        return (enabled[leaf] & 1 << leafBitOf(vector)) != 0 && (topEnabled & 1 << subtreeOf(leaf)) != 0;
    }

    /** @return one bit per subtree with an enabled vector pending, masked by the TOP enables */
    private int top() {
        int t = 0;
        for (int leaf = 0; leaf < LEAVES; leaf++) {
            if ((pending[leaf] & enabled[leaf]) != 0) {
                t |= 1 << subtreeOf(leaf);
            }
        }
        return t & topEnabled;
    }

    private void interrupt() {
        DeviceContext c = context;
        if (c != null) {
            interrupts++;
            c.notifyMsi(0);
        }
    }

    @Override
    public void release() {
        storage.release();
    }
}
