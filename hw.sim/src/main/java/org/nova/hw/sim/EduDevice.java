package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's educational device edu (1234:11e8), after docs/specs/edu.rst and hw/misc/edu.c.
 *
 * <p>BAR0 is 1 MiB of MMIO. Below 0x80 only 4-byte accesses are valid, from 0x80 on 4 or 8
 * bytes; an invalid access reads all ones and a write is dropped (edu_mmio_read/write return
 * early). Factorials are computed on the device's own thread (status bit 0x01 while computing,
 * interrupt 0x01 on completion if status bit 0x80 is set). Interrupts: writing 0x60 ORs into the
 * interrupt status (0x24) and raises MSI vector 0 if MSI is enabled, else asserts INTx (level,
 * until 0x64 acknowledges every bit). The DMA engine copies between the IOVA space and its
 * 4 KiB buffer at 0x40000, 100 ms after the command is written (edu_dma_timer), through the
 * function's IOMMU; addresses are clamped to the 28-bit dma_mask first.
 *
 * <p>Differences from QEMU, deliberate: the transfer range check is the one of QEMU 7.2, which
 * the project's VFIO tests run on (within() excludes the buffer end, so a full 4096-byte
 * transfer, or a zero-length one, is out of range; QEMU 8+ accepts the former, issue 1254). An
 * out-of-range transfer makes QEMU 7.2 abort the whole VM (hw_error); this model refuses it, logs
 * an error and clears the run bit without an interrupt. Like QEMU, edu has no reset handler: its
 * registers survive a function reset (only config space and the INTx line are reset).
 */
final class EduDevice implements DeviceModel {
    private static final Logger LOG = LoggerFactory.getLogger(EduDevice.class);

    /** Description ({@link org.nova.hw.PciFunction#model()}). */
    static final String DESCRIPTION = "QEMU edu";
    /** Device ID (edu_class_init k->device_id). */
    static final int EDU_DEVICE_ID = 0x11e8;
    /** Revision (edu_class_init k->revision). */
    static final int EDU_REVISION = 0x10;
    /** BAR0 size: 1 MiB (memory_region_init_io "edu-mmio", 1 * MiB). */
    static final long EDU_MMIO_SIZE = 1L << 20;
    /** The only BAR. */
    static final int EDU_BAR = 0;

    /** Identification, RO: 0xRRrr00ed, major 1 minor 0. */
    static final int REG_IDENT = 0x00;
    /** Card liveness check, RW: reads the bitwise inverse of the last write. */
    static final int REG_LIVENESS = 0x04;
    /** Factorial computation, RW. */
    static final int REG_FACTORIAL = 0x08;
    /** Status, RW. */
    static final int REG_STATUS = 0x20;
    /** Interrupt status, RO. */
    static final int REG_IRQ_STATUS = 0x24;
    /** Interrupt raise, WO: value ORed into the interrupt status. */
    static final int REG_IRQ_RAISE = 0x60;
    /** Interrupt acknowledge, WO: value cleared from the interrupt status. */
    static final int REG_IRQ_ACK = 0x64;
    /** DMA source address, RW. */
    static final int REG_DMA_SRC = 0x80;
    /** DMA destination address, RW. */
    static final int REG_DMA_DST = 0x88;
    /** DMA transfer count, RW. */
    static final int REG_DMA_COUNT = 0x90;
    /** DMA command, RW. */
    static final int REG_DMA_CMD = 0x98;
    /** Registers below this offset accept only 4-byte accesses; from it on 4 or 8. */
    static final int REG_WIDE_START = 0x80;

    /** The identification value. */
    static final int EDU_IDENT = 0x010000ed;
    /** Status: computing factorial (RO). */
    static final int EDU_STATUS_COMPUTING = 0x01;
    /** Status: raise an interrupt after the factorial. */
    static final int EDU_STATUS_IRQFACT = 0x80;
    /** Interrupt status bit of a finished factorial. */
    static final int FACT_IRQ = 0x00000001;
    /** Interrupt status bit of a finished DMA. */
    static final int DMA_IRQ = 0x00000100;
    /** DMA command: start (reads 1 while running). */
    static final long EDU_DMA_RUN = 0x1;
    /** DMA command: direction, 0 RAM to EDU, 1 EDU to RAM. */
    static final long EDU_DMA_DIR = 0x2;
    /** DMA command: raise DMA_IRQ when finished. */
    static final long EDU_DMA_IRQ = 0x4;
    /** Bus address of the DMA buffer in the device's view. */
    static final long DMA_START = 0x40000;
    /** Size of the DMA buffer. */
    static final int DMA_SIZE = 4096;
    /** Default DMA mask: 28 bits, 256 MiB (edu_instance_init). */
    static final long DEFAULT_DMA_MASK = (1L << 28) - 1;
    /** Delay from the DMA command to the transfer (edu_dma_timer armed at +100 ms). */
    static final long DMA_DELAY_MS = 100;
    /** MSI vectors of edu (msi_init(pdev, 0, 1, true, false)). */
    static final int EDU_MSI_VECTORS = 1;
    /** How long stop waits for the device thread. */
    private static final long STOP_WAIT_MS = 1000;

    private final long dmaMask = DEFAULT_DMA_MASK;
    private final byte[] dmaBuf = new byte[DMA_SIZE];
    private DeviceContext ctx;
    private ScheduledExecutorService thread;
    private boolean stopped;

    // Registers, guarded by the function lock.
    private int addr4;
    private int fact;
    private int status;
    private int irqStatus;
    private long dmaSrc;
    private long dmaDst;
    private long dmaCnt;
    private long dmaCmd;

    @Override
    public String description() {
        return DESCRIPTION;
    }

    @Override
    public ConfigSpace createConfigSpace() {
        return ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_SIZE)
                .vendor(QemuIds.PCI_VENDOR_ID_QEMU)
                .device(EDU_DEVICE_ID)
                .revision(EDU_REVISION)
                .classCode(QemuIds.CLASS_OTHERS)
                .subsystem(QemuIds.PCI_SUBVENDOR_ID_REDHAT_QUMRANET, QemuIds.PCI_SUBDEVICE_ID_QEMU)
                .interruptPin(PciRegs.PCI_INTERRUPT_PIN_INTA)
                .bar(BarSpec.mem32(EDU_BAR, EDU_MMIO_SIZE))
                .msi(EDU_MSI_VECTORS, true, false)
                .build();
    }

    @Override
    public Region region(int index) {
        return index == EDU_BAR ? new Mmio() : null;
    }

    @Override
    public void start(DeviceContext context) {
        this.ctx = context;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("edu-" + context.address()).factory());
    }

    @Override
    public void reset() {
        // hw/misc/edu.c registers no reset handler: the registers keep their values.
    }

    @Override
    public void stop() {
        ctx.lock().lock();
        try {
            stopped = true;
        } finally {
            ctx.lock().unlock();
        }
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                LOG.warn("edu {}: device thread did not stop", ctx.address());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void raiseIrq(int value) {
        irqStatus |= value;
        if (irqStatus != 0) {
            if (ctx.msiEnabled()) {
                ctx.notifyMsi(0);
            } else {
                ctx.setIntx(true);
            }
        }
    }

    private void lowerIrq(int value) {
        irqStatus &= ~value;
        if (irqStatus == 0 && !ctx.msiEnabled()) {
            ctx.setIntx(false);
        }
    }

    /** The factorial thread's work (edu_fact_thread), on the device thread. */
    private void computeFactorial() {
        int n;
        ctx.lock().lock();
        try {
            if (stopped) {
                return;
            }
            n = fact;
        } finally {
            ctx.lock().unlock();
        }
        int result = 1;
        for (int v = n; Integer.compareUnsigned(v, 0) > 0; v--) {
            result *= v;
        }
        ctx.lock().lock();
        try {
            if (stopped) {
                return;
            }
            fact = result;
            status &= ~EDU_STATUS_COMPUTING;
            if ((status & EDU_STATUS_IRQFACT) != 0) {
                raiseIrq(FACT_IRQ);
            }
        } finally {
            ctx.lock().unlock();
        }
    }

    /** QEMU 7.2 edu_check_range: [addr, addr+cnt) inside [start, start+size), end exclusive twice. */
    static boolean inRange(long addr, long cnt, long start, long size) {
        long end1 = addr + cnt;
        long end2 = start + size;
        return within(addr, start, end2) && Long.compareUnsigned(end1, addr) > 0 && within(end1, start, end2);
    }

    private static boolean within(long addr, long start, long end) {
        return Long.compareUnsigned(start, addr) <= 0 && Long.compareUnsigned(addr, end) < 0;
    }

    private long clamp(long addr) {
        long res = addr & dmaMask;
        if (res != addr) {
            LOG.warn("EDU {}: clamping DMA 0x{} to 0x{}!", ctx.address(), Long.toHexString(addr), Long.toHexString(res));
        }
        return res;
    }

    /** edu_dma_timer, on the device thread. */
    private void dmaTimer() {
        ctx.lock().lock();
        try {
            if (stopped || (dmaCmd & EDU_DMA_RUN) == 0) {
                return;
            }
            boolean toRam = (dmaCmd & EDU_DMA_DIR) != 0;
            long bufAddr = toRam ? dmaSrc : dmaDst;
            if (!inRange(bufAddr, dmaCnt, DMA_START, DMA_SIZE)) {
                LOG.error("EDU {}: DMA range 0x{}-0x{} out of bounds (0x{}-0x{})! (QEMU 7.2 aborts here; transfer refused)",
                        ctx.address(), Long.toHexString(bufAddr), Long.toHexString(bufAddr + dmaCnt - 1),
                        Long.toHexString(DMA_START), Long.toHexString(DMA_START + DMA_SIZE - 1));
                dmaCmd &= ~EDU_DMA_RUN;
                return;
            }
            MemorySegment buf = MemorySegment.ofArray(dmaBuf).asSlice(bufAddr - DMA_START, dmaCnt);
            if (toRam) {
                ctx.dmaWrite(clamp(dmaDst), buf);
            } else {
                ctx.dmaRead(clamp(dmaSrc), buf);
            }
            dmaCmd &= ~EDU_DMA_RUN;
            if ((dmaCmd & EDU_DMA_IRQ) != 0) {
                raiseIrq(DMA_IRQ);
            }
        } finally {
            ctx.lock().unlock();
        }
    }

    /** BAR0 (edu_mmio_read / edu_mmio_write). Called with the function lock held. */
    private final class Mmio implements Region {
        @Override
        public long size() {
            return EDU_MMIO_SIZE;
        }

        private boolean valid(long addr, int size) {
            return addr < REG_WIDE_START ? size == Integer.BYTES : size == Integer.BYTES || size == Long.BYTES;
        }

        @Override
        public long read(long addr, int size) {
            if (!valid(addr, size)) {
                return Region.allOnes(size);
            }
            long val = -1L;
            switch ((int) addr) {
                case REG_IDENT -> val = EDU_IDENT;
                case REG_LIVENESS -> val = Integer.toUnsignedLong(addr4);
                case REG_FACTORIAL -> val = Integer.toUnsignedLong(fact);
                case REG_STATUS -> val = Integer.toUnsignedLong(status);
                case REG_IRQ_STATUS -> val = Integer.toUnsignedLong(irqStatus);
                case REG_DMA_SRC -> val = dmaSrc;
                case REG_DMA_DST -> val = dmaDst;
                case REG_DMA_COUNT -> val = dmaCnt;
                case REG_DMA_CMD -> val = dmaCmd;
                default -> {
                    // Unlisted offsets (including the write-only registers) read all ones.
                }
            }
            return val & Region.allOnes(size);
        }

        @Override
        public void write(long addr, int size, long val) {
            if (!valid(addr, size)) {
                return;
            }
            switch ((int) addr) {
                case REG_LIVENESS -> addr4 = ~(int) val;
                case REG_FACTORIAL -> {
                    if ((status & EDU_STATUS_COMPUTING) == 0) {
                        fact = (int) val;
                        status |= EDU_STATUS_COMPUTING;
                        thread.execute(EduDevice.this::computeFactorial);
                    }
                }
                case REG_STATUS -> status = (val & EDU_STATUS_IRQFACT) != 0
                        ? status | EDU_STATUS_IRQFACT : status & ~EDU_STATUS_IRQFACT;
                case REG_IRQ_RAISE -> raiseIrq((int) val);
                case REG_IRQ_ACK -> lowerIrq((int) val);
                case REG_DMA_SRC -> {
                    if ((dmaCmd & EDU_DMA_RUN) == 0) {
                        dmaSrc = val;
                    }
                }
                case REG_DMA_DST -> {
                    if ((dmaCmd & EDU_DMA_RUN) == 0) {
                        dmaDst = val;
                    }
                }
                case REG_DMA_COUNT -> {
                    if ((dmaCmd & EDU_DMA_RUN) == 0) {
                        dmaCnt = val;
                    }
                }
                case REG_DMA_CMD -> {
                    if ((val & EDU_DMA_RUN) != 0 && (dmaCmd & EDU_DMA_RUN) == 0) {
                        dmaCmd = val;
                        thread.schedule(EduDevice.this::dmaTimer, DMA_DELAY_MS, TimeUnit.MILLISECONDS);
                    }
                }
                default -> {
                    // Writes to RO or unlisted offsets are ignored.
                }
            }
        }
    }
}
