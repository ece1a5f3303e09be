package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import java.util.List;

/**
 * A synthetic PCI Express device for tests of the generic machinery: every capability the
 * builder offers (PM, MSI with masking, MSI-X, PCIe with FLR, SR-IOV), a RAM BAR, a register BAR
 * holding the MSI-X table and PBA, an I/O BAR and an expansion ROM. Its VFs have a RAM BAR and
 * MSI. Tests raise interrupts through {@link #raiseMsi} and {@link #raiseMsix}.
 */
final class TestPfDevice implements DeviceModel {
    static final int VENDOR = 0x1af4;
    static final int DEVICE = 0x10f0;
    static final int VF_DEVICE = 0x10f1;
    static final int CLASS = 0x020000;
    static final long RAM_BAR_SIZE = 4096;
    static final long MSIX_BAR_SIZE = 16384;
    static final long IO_BAR_SIZE = 32;
    static final long ROM_SIZE = 65536;
    static final long VF_BAR_SIZE = 16384;
    static final int MSI_VECTORS = 4;
    static final int MSIX_VECTORS = 8;
    static final int MSIX_TABLE_OFFSET = 0x0;
    static final int MSIX_PBA_OFFSET = 0x800;
    static final int TOTAL_VFS = 4;
    static final int FIRST_VF_OFFSET = 4;
    static final int VF_STRIDE = 2;
    static final byte[] ROM_IMAGE = {0x55, (byte) 0xaa, 0x10, 0x00};

    int resets;
    private DeviceContext ctx;
    private RamRegion ram;

    @Override
    public String description() {
        return "test PF";
    }

    @Override
    public ConfigSpace createConfigSpace() {
        return ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_EXP_SIZE)
                .vendor(VENDOR).device(DEVICE).revision(1).classCode(CLASS)
                .subsystem(VENDOR, DEVICE)
                .interruptPin(PciRegs.PCI_INTERRUPT_PIN_INTA)
                .bar(BarSpec.mem32(0, RAM_BAR_SIZE))
                .bar(BarSpec.mem64(2, MSIX_BAR_SIZE, false))
                .bar(BarSpec.io(4, IO_BAR_SIZE))
                .rom(ROM_SIZE)
                .powerManagement()
                .msi(MSI_VECTORS, true, true)
                .msix(MSIX_VECTORS, 2, MSIX_TABLE_OFFSET, 2, MSIX_PBA_OFFSET)
                .express(true)
                .sriov(new SriovSpec(TOTAL_VFS, FIRST_VF_OFFSET, VF_STRIDE, VF_DEVICE,
                        List.of(BarSpec.mem64(0, VF_BAR_SIZE, true))))
                .build();
    }

    @Override
    public Region region(int index) {
        return switch (index) {
            case 0 -> ram = new RamRegion(RAM_BAR_SIZE);
            case 2 -> new RamRegion(MSIX_BAR_SIZE);
            case 4 -> new RamRegion(IO_BAR_SIZE);
            case 6 -> new RomRegion(ROM_IMAGE, ROM_SIZE);
            default -> null;
        };
    }

    @Override
    public void start(DeviceContext context) {
        this.ctx = context;
    }

    @Override
    public void reset() {
        resets++;
        ram.memory().orElseThrow().fill((byte) 0);
    }

    @Override
    public void stop() {
    }

    @Override
    public DeviceModel virtualFunction(int vfIndex) {
        return new TestVfDevice(vfIndex);
    }

    void raiseMsi(int vector) {
        ctx.lock().lock();
        try {
            ctx.notifyMsi(vector);
        } finally {
            ctx.lock().unlock();
        }
    }

    void raiseMsix(int vector) {
        ctx.lock().lock();
        try {
            ctx.notifyMsix(vector);
        } finally {
            ctx.lock().unlock();
        }
    }

    void intx(boolean level) {
        ctx.lock().lock();
        try {
            ctx.setIntx(level);
        } finally {
            ctx.lock().unlock();
        }
    }

    /** A VF: RAM BAR0 (64-bit prefetchable per the PF's VF BAR0), one MSI vector. */
    static final class TestVfDevice implements DeviceModel {
        final int index;

        TestVfDevice(int index) {
            this.index = index;
        }

        @Override
        public String description() {
            return "test VF " + index;
        }

        @Override
        public ConfigSpace createConfigSpace() {
            return ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_EXP_SIZE)
                    .revision(1).classCode(CLASS)
                    .msi(1, true, false)
                    .express(true)
                    .virtualFunction()
                    .build();
        }

        @Override
        public Region region(int i) {
            return i == 0 ? new RamRegion(VF_BAR_SIZE) : null;
        }

        @Override
        public void start(DeviceContext context) {
        }

        @Override
        public void reset() {
        }

        @Override
        public void stop() {
        }
    }
}
