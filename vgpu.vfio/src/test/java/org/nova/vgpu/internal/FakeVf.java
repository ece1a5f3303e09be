package org.nova.vgpu.internal;

import java.util.HashMap;
import java.util.Map;

/** A VF for unit tests: config space and BAR0 as plain memory, BAR1 the fake GPU's (see {@link FakeFirmware}). */
final class FakeVf implements VfAccess {
    private final String slot;
    private final int index;
    private final FakeFirmware gpu;
    final Map<Long, Long> bar0 = new HashMap<>();
    final byte[] config = new byte[4096];
    int resets;

    FakeVf(int index, FakeFirmware gpu) {
        this.index = index;
        this.gpu = gpu;
        this.slot = "0000:00:06." + (index + 1);
        config[0] = (byte) 0xff;
        config[1] = (byte) 0xff;
        config[2] = (byte) 0xff;
        config[3] = (byte) 0xff;
        config[0xb] = 0x03;
        config[0xa] = 0x02;
    }

    @Override
    public String slot() {
        return slot;
    }

    @Override
    public int vfIndex() {
        return index;
    }

    @Override
    public int configSize() {
        return config.length;
    }

    @Override
    public long readConfig(int offset, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | config[offset + i] & 0xff;
        }
        return v;
    }

    @Override
    public void writeConfig(int offset, int width, long value) {
        for (int i = 0; i < width; i++) {
            config[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public long bar0Size() {
        return 256 << 10;
    }

    @Override
    public long readBar0(long offset, int width) {
        return bar0.getOrDefault(offset, 0L);
    }

    @Override
    public void writeBar0(long offset, int width, long value) {
        bar0.put(offset, value);
    }

    @Override
    public long bar1Size() {
        return 256L << 20;
    }

    @Override
    public long readBar1(long offset, int width) {
        return gpu.vfBar1Read(index + 1, offset, width);
    }

    @Override
    public void writeBar1(long offset, int width, long value) {
        gpu.vfBar1Write(index + 1, offset, width, value);
    }

    /** Whether bus mastering is on. */
    volatile boolean master;

    @Override
    public void setBusMaster(boolean on) {
        master = on;
    }

    /** The VF's MSI as the VMM routed it (null: disabled). */
    volatile java.util.function.IntConsumer msi;

    @Override
    public void onMsi(java.util.function.IntConsumer handler) {
        msi = handler;
    }

    /** The fake hardware raises the VF's MSI: @return whether it was enabled */
    boolean raiseMsi() {
        java.util.function.IntConsumer h = master ? msi : null; // no bus mastering, no MSI
        if (h != null) {
            h.accept(0);
        }
        return h != null;
    }

    @Override
    public void reset() {
        resets++;
        bar0.clear();
    }
}
