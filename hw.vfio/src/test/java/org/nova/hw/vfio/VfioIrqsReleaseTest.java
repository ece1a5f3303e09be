package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * The bookkeeping of VfioIrqs and VfioIrqSet without a kernel: a device that records each
 * VFIO_DEVICE_SET_IRQS it is given (as vfio_pci_set_irqs_ioctl would receive it), real eventfds
 * and a real poller thread, and the process's eventfd count from /proc/self/fd.
 */
class VfioIrqsReleaseTest {
    private static final int MSIX_VECTORS = 5;
    private static final long WAIT_MS = 5_000;

    /** One SET_IRQS call: the header fields and the eventfds of its data. */
    private record Call(int flags, int index, int start, int count, int[] fds) {
    }

    /** Answers for vfio-pci: 1 INTx, 1 MSI, 5 MSI-X vectors and the request interrupt. */
    private static final class FakeDevice implements VfioIrqs.Device {
        final List<Call> calls = new CopyOnWriteArrayList<>();
        int command;
        volatile boolean usable = true;
        volatile String failWith;

        @Override
        public int irqCount(int index) {
            return index == VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX ? MSIX_VECTORS : 1;
        }

        @Override
        public boolean hasIrqFlag(int index, int flag) {
            return index == VfioUapi.VFIO_PCI_INTX_IRQ_INDEX && flag == VfioUapi.VFIO_IRQ_INFO_AUTOMASKED;
        }

        @Override
        public boolean usable() {
            return usable;
        }

        @Override
        public void setIrqs(String what, MemorySegment s) {
            if (failWith != null) {
                throw new HwException(failWith, what + ": refused by the test");
            }
            int flags = VfioUapi.getInt(s, VfioUapi.IRQ_SET, "flags");
            int count = VfioUapi.getInt(s, VfioUapi.IRQ_SET, "count");
            int[] fds = new int[(flags & VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD) != 0 ? count : 0];
            for (int i = 0; i < fds.length; i++) {
                fds[i] = s.get(JAVA_INT, VfioUapi.IRQ_SET.byteSize() + (long) Integer.BYTES * i);
            }
            calls.add(new Call(flags, VfioUapi.getInt(s, VfioUapi.IRQ_SET, "index"),
                    VfioUapi.getInt(s, VfioUapi.IRQ_SET, "start"), count, fds));
        }

        @Override
        public int command() {
            return command;
        }

        @Override
        public void setCommand(int value) {
            command = value;
        }

        Call last() {
            return calls.get(calls.size() - 1);
        }
    }

    private final FakeDevice dev = new FakeDevice();
    private IrqPoller poller;
    private VfioIrqs irqs;
    private int eventfdsBefore;

    @BeforeEach
    void setUp() {
        poller = new IrqPoller("test");
        irqs = new VfioIrqs(PciAddress.parse("0000:00:04.0"), dev, poller);
        eventfdsBefore = FdCensus.take().eventfd();
    }

    @AfterEach
    void tearDown() {
        irqs.release();
        poller.close();
    }

    private int eventfdsNow() {
        return FdCensus.take().eventfd() - eventfdsBefore;
    }

    @Test
    void msixSetTakesOneEventfdPerVectorAndGivesEverythingBackAtClose() throws InterruptedException {
        List<Integer> got = new CopyOnWriteArrayList<>();
        IrqSet set = irqs.enable(IrqType.MSIX, 3, got::add);
        Call enable = dev.last();
        assertEquals(VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD | VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, enable.flags());
        assertEquals(VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, enable.index());
        assertEquals(0, enable.start());
        assertEquals(3, enable.count());
        assertEquals(3, Arrays.stream(enable.fds()).distinct().filter(fd -> fd >= 0).count(), "three distinct eventfds");
        assertEquals(3, eventfdsNow());
        assertEquals(3, poller.registered());
        assertTrue((dev.command & PciRegs.PCI_COMMAND_INTX_DISABLE) != 0, "INTx disabled while MSI-X is on");

        LibC.signalEventfd(enable.fds()[2]); // what vfio_msihandler does for vector 2
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (got.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertEquals(List.of(2), got, "the eventfd of vector 2 reaches the handler as vector 2");

        set.close();
        Call disable = dev.last();
        assertEquals(VfioUapi.VFIO_IRQ_SET_DATA_NONE | VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, disable.flags());
        assertEquals(VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, disable.index());
        assertEquals(0, disable.count(), "count 0 disables the index");
        assertEquals(0, eventfdsNow(), "the eventfds are closed");
        assertEquals(0, poller.registered());
        assertNull(irqs.current());
        int calls = dev.calls.size();
        set.close();
        assertEquals(calls, dev.calls.size(), "a second close asks the kernel nothing");
    }

    @Test
    void maskDeassignsTheVectorsEventfdAndUnmaskGivesItBack() {
        try (IrqSet set = irqs.enable(IrqType.MSIX, MSIX_VECTORS, v -> { })) {
            int[] fds = dev.last().fds();
            set.mask(3);
            Call mask = dev.last();
            assertEquals(VfioUapi.VFIO_IRQ_SET_DATA_EVENTFD | VfioUapi.VFIO_IRQ_SET_ACTION_TRIGGER, mask.flags(),
                    "no ACTION_MASK for MSI-X in vfio-pci: the eventfd is de-assigned instead");
            assertEquals(VfioUapi.VFIO_PCI_MSIX_IRQ_INDEX, mask.index());
            assertEquals(3, mask.start());
            assertEquals(1, mask.count());
            assertEquals(VfioUapi.VFIO_IRQ_SET_NO_EVENTFD, mask.fds()[0]);
            assertTrue(set.isMasked(3));
            int calls = dev.calls.size();
            set.mask(3);
            assertEquals(calls, dev.calls.size(), "masking a masked vector asks nothing");
            assertEquals(MSIX_VECTORS, eventfdsNow(), "the masked vector keeps its eventfd for the unmask");
            set.unmask(3);
            assertEquals(3, dev.last().start());
            assertEquals(fds[3], dev.last().fds()[0], "the same eventfd comes back");
            assertFalse(set.isMasked(3));
            assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> set.mask(MSIX_VECTORS)).errno());
        }
        assertEquals(0, eventfdsNow());
    }

    @Test
    void maskIsRefusedForMsiAndIntx() {
        try (IrqSet set = irqs.enable(IrqType.MSI, 1, v -> { })) {
            assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> set.mask(0)).errno());
        }
        try (IrqSet set = irqs.enable(IrqType.INTX, 1, v -> { })) {
            assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> set.mask(0)).errno());
        }
    }

    @Test
    void aRefusedEnableClosesTheEventfdsItMade() {
        dev.failWith = HwException.ENOSPC;
        assertEquals(HwException.ENOSPC, assertThrows(HwException.class,
                () -> irqs.enable(IrqType.MSIX, MSIX_VECTORS, v -> { })).errno());
        assertEquals(0, eventfdsNow());
        assertNull(irqs.current());
        assertEquals(0, poller.registered());
    }

    @Test
    void releaseClosesTheSetAndTheRequestEventfd() {
        List<String> requests = new ArrayList<>();
        irqs.armRequest(() -> requests.add("req"));
        assertEquals(VfioUapi.VFIO_PCI_REQ_IRQ_INDEX, dev.last().index());
        irqs.enable(IrqType.MSIX, 2, v -> { });
        assertEquals(3, eventfdsNow());
        irqs.release();
        assertEquals(0, eventfdsNow(), "the set's two and the request eventfd");
        assertEquals(-1, irqs.requestFd());
        assertEquals(0, poller.registered());
    }

    @Test
    void aRemovedFunctionIsNotAskedButItsEventfdsAreClosed() {
        IrqSet set = irqs.enable(IrqType.MSIX, 2, v -> { });
        dev.usable = false;
        int calls = dev.calls.size();
        assertFalse(set.isActive());
        assertEquals(HwException.ENODEV, assertThrows(HwException.class, () -> set.mask(0)).errno());
        set.close();
        assertEquals(calls, dev.calls.size(), "no SET_IRQS on a removed function");
        assertEquals(0, eventfdsNow());
    }
}
