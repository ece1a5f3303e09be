package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
import org.nova.nvidia.gsp.LibosLog;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pgsp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The GSP's memory shared with the driver (nova-core gsp.rs, Gsp::new, torvalds/linux 032a6772):
 * the message queues ({@link Cmdq}) with their interrupt, the three LibOS log buffers
 * ({@link LogBuffer}: LOGINIT, LOGINTR, LOGRM), the RM arguments, and the LibOS arguments page that
 * points the GSP at them in gsp.rs's order (libos[0..2] the logs, libos[3] RMARGS; its address goes
 * to the GSP falcon's mailboxes). Everything is a device resource of the binding.
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
    /** The log buffers by name, in registration order. */
    private final Map<String, LogBuffer> logs;
    private final Cmdq cmdq;

    private Gsp(DmaCoherent libos, Map<String, LogBuffer> logs, Cmdq cmdq) {
        this.libos = libos;
        this.logs = logs;
        this.cmdq = cmdq;
    }

    /**
     * Allocates and initialises the shared memory and requests the queue interrupt.
     *
     * @param events receives the GSP's events nobody waits for
     * @param afterInterrupt runs in the interrupt handler after the cause was acknowledged and the
     *     queue served (the channels' completion semaphores are read there)
     */
    static Gsp create(PciDevice dev, GspBindings abi, Devres<Bar> bar0, Consumer<GspMsgQueue.Message> events,
            Runnable afterInterrupt) {
        DmaCoherent libos = dev.allocCoherent(LIBOS_ARGS_SIZE);
        DmaCoherent shared = dev.allocCoherent(GspMsgQueue.SHARED_SIZE);
        Cmdq cmdq = new Cmdq(abi, shared.memory(), shared.iova(), v -> bar0.tryAccess().ifPresent(g -> {
            try (g) {
                new Bar0(g.get()).write(Pgsp.QUEUE_HEAD, v);
            }
        }), events);
        requestMsgqInterrupt(dev, bar0, cmdq, afterInterrupt);
        // gsp.rs: _kgspInitLibosLoggingStructures and kgspSetupLibosInitArgs_IMPL's order
        Map<String, LogBuffer> logs = new LinkedHashMap<>();
        for (String name : LibosLog.BUFFERS) {
            LogBuffer b = LogBuffer.create(dev, name);
            libosEntry(libos.memory(), logs.size(), name, b.dma().iova(), LibosLog.SIZE);
            logs.put(name, b);
        }
        DmaCoherent rmargs = dev.allocCoherent(LibosArgs.RMARGS_SIZE);
        MemorySegment r = rmargs.memory();
        r.set(LE64, LibosArgs.MQ_SHARED_MEM_PHYS_ADDR, shared.iova());
        r.set(LE32, LibosArgs.MQ_PTE_COUNT, GspMsgQueue.SHARED_PAGES);
        r.set(LE64, LibosArgs.MQ_CMD_QUEUE_OFFSET, GspMsgQueue.CPU_QUEUE_OFFSET);
        r.set(LE64, LibosArgs.MQ_STAT_QUEUE_OFFSET, GspMsgQueue.GSP_QUEUE_OFFSET);
        libosEntry(libos.memory(), logs.size(), LibosArgs.RMARGS, rmargs.iova(), LibosArgs.RMARGS_SIZE);
        return new Gsp(libos, Map.copyOf(logs), cmdq);
    }

    /** @return the command queue */
    Cmdq cmdq() {
        return cmdq;
    }

    /** @return the LibOS arguments page's DMA address (the GSP falcon's mailboxes; a core resume) */
    long libosArgs() {
        return libos.iova();
    }

    /**
     * @param name LOGINIT, LOGINTR or LOGRM
     * @return a copy of that log buffer as GSP-RM left it so far (empty once released at unbind);
     *     empty if there is no such buffer
     */
    Optional<byte[]> logBytes(String name) {
        return Optional.ofNullable(logs.get(name)).map(LogBuffer::bytes);
    }

    /** @return the LOGRM buffer decoded as far as nova-core can ({@link LibosLogDecoder}), empty once released */
    String log() {
        byte[] b = logs.get(LibosLog.LOGRM).bytes();
        return b.length == 0 ? "" : LibosLogDecoder.decode(LibosLog.LOGRM, b, LibosLogDecoder.Metadata.NONE).format();
    }

    /**
     * Requests the GPU's interrupt (one vector, MSI or INTx; devres-managed, freed on unbind):
     * GSP-RM signals each message it writes through the GSP falcon's SWGEN0 interrupt; the
     * handler clears it and wakes the waiting receives, then runs {@code afterInterrupt} (the
     * channels' non-stall completions share the vector). Without a vector the queues are polled.
     */
    private static void requestMsgqInterrupt(PciDevice dev, Devres<Bar> bar0, Cmdq q, Runnable afterInterrupt) {
        try {
            dev.allocIrqVectors(1, 1, EnumSet.of(PciIrqType.MSI, PciIrqType.INTX));
            dev.requestIrq(0, IRQ_NAME, vector -> {
                bar0.tryAccess().ifPresent(g -> {
                    try (g) {
                        new Bar0(g.get()).write(Pfalcon.IRQSCLR, FalconEngine.GSP, Pfalcon.IRQSCLR_SWGEN0.of(1));
                    }
                });
                q.interrupt();
                afterInterrupt.run();
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
