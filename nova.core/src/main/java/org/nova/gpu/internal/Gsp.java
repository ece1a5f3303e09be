package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.function.Consumer;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIrqType;
import org.nova.devres.Devres;
import org.nova.driver.DriverException;
import org.nova.nvidia.fw.Radix3;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.LibosArgs;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pgsp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GSP's memory shared with the driver (nova-core gsp.rs, Gsp::new): the message queues
 * ({@link Cmdq}) with their interrupt, the LOGRM log buffer, the RM arguments, and the LibOS
 * arguments page that points the GSP at them (its address goes to the GSP falcon's mailboxes).
 * Everything is a device resource of the binding.
 */
final class Gsp {
    private static final Logger LOG = LoggerFactory.getLogger(Gsp.class);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Size of the LibOS arguments page whose address the GSP falcon gets in its mailboxes. */
    static final int LIBOS_ARGS_SIZE = Radix3.PAGE_SIZE;
    /** The name of the GSP message-queue interrupt handler. */
    static final String IRQ_NAME = "nova-core-gsp";

    private final DmaCoherent libos;
    private final DmaCoherent logRm;
    private final Cmdq cmdq;

    private Gsp(DmaCoherent libos, DmaCoherent logRm, Cmdq cmdq) {
        this.libos = libos;
        this.logRm = logRm;
        this.cmdq = cmdq;
    }

    /**
     * Allocates and initialises the shared memory and requests the queue interrupt.
     *
     * @param events receives the GSP's events nobody waits for
     */
    static Gsp create(PciDevice dev, GspBindings abi, Devres<Bar> bar0, Consumer<GspMsgQueue.Message> events) {
        DmaCoherent libos = dev.allocCoherent(LIBOS_ARGS_SIZE);
        DmaCoherent shared = dev.allocCoherent(GspMsgQueue.SHARED_SIZE);
        Cmdq cmdq = new Cmdq(abi, shared.memory(), shared.iova(), v -> bar0.tryAccess().ifPresent(g -> {
            try (g) {
                new Bar0(g.get()).write(Pgsp.QUEUE_HEAD, v);
            }
        }), events);
        requestMsgqInterrupt(dev, bar0, cmdq);
        DmaCoherent logRm = dev.allocCoherent(LibosArgs.LOG_SIZE);
        DmaCoherent rmargs = dev.allocCoherent(LibosArgs.RMARGS_SIZE);
        MemorySegment r = rmargs.memory();
        r.set(LE64, LibosArgs.MQ_SHARED_MEM_PHYS_ADDR, shared.iova());
        r.set(LE32, LibosArgs.MQ_PTE_COUNT, GspMsgQueue.SHARED_PAGES);
        r.set(LE64, LibosArgs.MQ_CMD_QUEUE_OFFSET, GspMsgQueue.CPU_QUEUE_OFFSET);
        r.set(LE64, LibosArgs.MQ_STAT_QUEUE_OFFSET, GspMsgQueue.GSP_QUEUE_OFFSET);
        libosEntry(libos.memory(), 0, LibosArgs.LOGRM, logRm.iova(), LibosArgs.LOG_SIZE);
        libosEntry(libos.memory(), 1, LibosArgs.RMARGS, rmargs.iova(), LibosArgs.RMARGS_SIZE);
        return new Gsp(libos, logRm, cmdq);
    }

    /** @return the command queue */
    Cmdq cmdq() {
        return cmdq;
    }

    /** @return the LibOS arguments page's DMA address (the GSP falcon's mailboxes; a core resume) */
    long libosArgs() {
        return libos.iova();
    }

    /** @return the LOGRM buffer's text so far, empty once it was released at unbind */
    String log() {
        try {
            long put = logRm.memory().get(LE64, LibosArgs.LOG_PUT);
            put = Math.max(0, Math.min(put, LibosArgs.LOG_SIZE - LibosArgs.LOG_TEXT));
            byte[] b = new byte[(int) put];
            MemorySegment.copy(logRm.memory(), ValueLayout.JAVA_BYTE, LibosArgs.LOG_TEXT, b, 0, b.length);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IllegalStateException e) {
            return "";
        }
    }

    /**
     * Requests the GPU's interrupt (one vector, MSI or INTx; devres-managed, freed on unbind):
     * GSP-RM signals each message it writes through the GSP falcon's SWGEN0 interrupt; the
     * handler clears it and wakes the waiting receives. Without a vector the queues are polled.
     */
    private static void requestMsgqInterrupt(PciDevice dev, Devres<Bar> bar0, Cmdq q) {
        try {
            dev.allocIrqVectors(1, 1, EnumSet.of(PciIrqType.MSI, PciIrqType.INTX));
            dev.requestIrq(0, IRQ_NAME, vector -> {
                bar0.tryAccess().ifPresent(g -> {
                    try (g) {
                        new Bar0(g.get()).write(Pfalcon.IRQSCLR, FalconEngine.GSP, Pfalcon.IRQSCLR_SWGEN0.of(1));
                    }
                });
                q.interrupt();
            });
            q.interruptDriven(true);
        } catch (DriverException | UnsupportedOperationException e) {
            LOG.warn("{}: no interrupt for the GSP message queue ({}): polling it", dev.slot(), e.getMessage());
        }
    }

    private static void libosEntry(MemorySegment page, int i, String name, long pa, long size) {
        long at = (long) i * LibosArgs.ENTRY_SIZE;
        page.set(LE64, at + LibosArgs.ENTRY_ID8, LibosArgs.id8(name));
        page.set(LE64, at + LibosArgs.ENTRY_PA, pa);
        page.set(LE64, at + LibosArgs.ENTRY_SIZE_AT, size);
        page.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_KIND, (byte) LibosArgs.KIND_CONTIGUOUS);
        page.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_LOC, (byte) LibosArgs.LOC_SYSMEM);
    }
}
