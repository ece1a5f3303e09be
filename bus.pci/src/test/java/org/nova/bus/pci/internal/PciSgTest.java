package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaPages;
import org.nova.bus.pci.DmaSegment;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.SgTable;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.bus.pci.fake.FakeFunction;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciRegs;

/**
 * dma_map_sg / dma_unmap_sg / dma_sync_sg_* of {@link PciDevice} (kernel/dma/mapping.c over
 * drivers/iommu/dma-iommu.c) against a fake function that records what the bus asked its IOMMU to
 * map: properties over random tables, the direction rules, and the devres lifetime.
 */
class PciSgTest {
    private static final long PAGE = SgTable.PAGE_SIZE;
    private static final int TRIALS = 200;
    private static final String SLOT = "0000:00:04.0";

    private StandaloneDriverCore standalone;
    private PciBusImpl pci;
    private Bus bus;
    private FakeFunction fn;
    private PciDevice dev;

    /** A driver whose probe hands the device to the test. */
    private record Grab(Consumer<PciDevice> onProbe) implements PciDriver<Object> {
        @Override
        public String name() {
            return "sg";
        }

        @Override
        public List<PciDeviceId> idTable() {
            return List.of(PciDeviceId.of(0x1234, 0x11e8));
        }

        @Override
        public Object probe(PciDevice d, PciDeviceId id) {
            onProbe.accept(d);
            return new Object();
        }
    }

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        standalone.core().setTestDriverRemove(false);
        pci = new PciBusImpl(standalone.core());
        bus = standalone.core().requireBus(PciBus.NAME);
        FakeBridge bridge = new FakeBridge("fake0", 0);
        fn = bridge.function(4, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10);
        pci.addBridge(bridge);
        pci.registerDriver(new Grab(d -> dev = d), "t", 0, 1);
        assertNotNull(dev, "bound");
    }

    @AfterEach
    void tearDown() {
        pci.close();
        standalone.close();
    }

    private Device core() {
        return bus.device(SLOT).orElseThrow();
    }

    private List<String> names() {
        return core().devres().entries().stream().map(e -> e.name()).toList();
    }

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    /**
     * What the device reads at [address, address + length) through the mapping the fake recorded,
     * or null if a byte of it is not mapped (the IOMMU would fault).
     */
    private static byte[] deviceRead(FakeFunction.SgCall call, long address, long length) {
        byte[] out = new byte[(int) length];
        for (long at = address; at < address + length; ) {
            long off = at - call.iova();
            DmaChunk hit = null;
            for (DmaChunk c : call.chunks()) {
                if (off >= c.offset() && off < c.offset() + c.memory().byteSize()) {
                    hit = c;
                }
            }
            if (hit == null) {
                return null;
            }
            long n = Math.min(address + length - at, hit.offset() + hit.memory().byteSize() - off);
            MemorySegment.copy(hit.memory(), ValueLayout.JAVA_BYTE, off - hit.offset(), out, (int) (at - address), (int) n);
            at += n;
        }
        return out;
    }

    /** Pages from several allocations, split into runs and shuffled, each page filled with its own pattern. */
    private List<MemorySegment> randomPages(Random r) {
        List<List<MemorySegment>> runs = new ArrayList<>();
        int allocations = 1 + r.nextInt(5);
        for (int a = 0; a < allocations; a++) {
            DmaPages p = dev.allocPages(1 + r.nextInt(24));
            int at = 0;
            while (at < p.count()) {
                int len = 1 + r.nextInt(p.count() - at);
                List<MemorySegment> run = new ArrayList<>();
                for (int i = at; i < at + len; i++) {
                    run.add(p.page(i));
                }
                runs.add(run);
                at += len;
            }
        }
        Collections.shuffle(runs, r);
        List<MemorySegment> pages = new ArrayList<>();
        runs.forEach(pages::addAll);
        for (int i = 0; i < pages.size(); i++) {
            for (int o = 0; o < PAGE; o += 4) {
                pages.get(i).set(ValueLayout.JAVA_INT_UNALIGNED, o, i << 16 | o);
            }
        }
        return pages;
    }

    @Test
    void mappedSegmentsReadBackTheTableAndCoalesceWithinTheDevicesLimits() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int coalesced = 0;
        for (int t = 0; t < TRIALS; t++) {
            List<MemorySegment> pages = randomPages(r);
            int n = pages.size();
            long offset = r.nextInt(4) == 0 ? r.nextInt((int) PAGE) : 0;
            // the table must end in the last page (SgTable's rule), and hold at least one byte: with
            // one page and an offset, that is any size up to the page's end
            long lastMin = Math.max(1, (n - 1) * PAGE - offset + 1);
            long size = r.nextBoolean() ? n * PAGE - offset : lastMin + r.nextInt((int) (n * PAGE - offset - lastMin + 1));
            long maxSeg = switch (r.nextInt(3)) {
                case 0 -> 65536;
                case 1 -> PAGE * (1 + r.nextInt(6));
                default -> PAGE * (1 + r.nextInt(6)) + 1 + r.nextInt((int) PAGE - 1);
            };
            long boundary = r.nextBoolean() ? 0xffff_ffffL : (PAGE << r.nextInt(4)) - 1;
            dev.setDmaMaxSegmentSize(maxSeg);
            dev.setDmaSegmentBoundary(boundary);
            // The driver builds its table within the device's limits, as dma_max_mapping_size users do.
            SgTable table = SgTable.fromPages(pages, offset, size, Math.min(maxSeg, boundary + 1));
            DmaDataDirection dir = DmaDataDirection.values()[r.nextInt(3)];
            String what = "seed " + seed + " trial " + t + ": " + table + ", max seg " + maxSeg + ", boundary 0x"
                    + Long.toHexString(boundary) + ", " + dir;

            DmaSgMapping m = dev.dmaMapSg(table, dir);
            FakeFunction.SgCall call = fn.liveSg.getLast();
            assertEquals(dir == DmaDataDirection.TO_DEVICE ? Set.of(DmaDirection.TO_DEVICE)
                    : dir == DmaDataDirection.FROM_DEVICE ? Set.of(DmaDirection.FROM_DEVICE)
                    : Set.of(DmaDirection.TO_DEVICE, DmaDirection.FROM_DEVICE), call.directions(), what);
            assertEquals(0, call.iova() % call.alignment(), what);
            assertTrue(call.alignment() >= call.length(), what + ": the IOVA is aligned to its size, as alloc_iova's");

            // The device, reading the segments in order through the IOMMU, reads the table's bytes.
            byte[] expected = new byte[(int) size];
            int at = 0;
            for (SgTable.Entry e : table.entries()) {
                MemorySegment.copy(e.memory(), ValueLayout.JAVA_BYTE, 0, expected, at, (int) e.length());
                at += (int) e.length();
            }
            int pos = 0;
            long total = 0;
            for (DmaSegment s : m.segments()) {
                String sw = what + ", segment " + s;
                assertTrue(s.length() >= 1 && s.length() <= maxSeg, sw + " breaks the max segment size");
                assertEquals(0, (s.address() ^ (s.address() + s.length() - 1)) & ~boundary, sw + " crosses a boundary");
                byte[] got = deviceRead(call, s.address(), s.length());
                assertNotNull(got, sw + " is not entirely mapped");
                for (int i = 0; i < got.length; i++) {
                    if (got[i] != expected[pos + i]) {
                        throw new AssertionError(sw + ": byte " + i + " differs");
                    }
                }
                pos += got.length;
                total += s.length();
            }
            assertEquals(size, total, what);
            assertTrue(m.count() <= table.nents(), what);
            if (m.count() < table.nents()) {
                coalesced++;
            }
            // Whole-page entries from offset 0 under the default boundary coalesce greedily up to the max.
            if (offset == 0 && boundary == 0xffff_ffffL && table.entries().stream().allMatch(e -> e.length() % PAGE == 0)) {
                int greedy = 0;
                long cur = 0;
                for (SgTable.Entry e : table.entries()) {
                    if (cur == 0 || cur + e.length() > maxSeg) {
                        greedy++;
                        cur = e.length();
                    } else {
                        cur += e.length();
                    }
                }
                assertEquals(greedy, m.count(), what + ": segments " + m.segments());
            }
            m.close();
            assertTrue(fn.liveSg.isEmpty(), what + ": close unmapped");
        }
        assertTrue(coalesced > TRIALS / 4, "seed " + seed + ": only " + coalesced + " of " + TRIALS + " tables coalesced");
    }

    @Test
    void interleavedSinglePagesCoalesceIntoOneSegment() {
        DmaPages a = dev.allocPages(4);
        DmaPages b = dev.allocPages(4);
        List<MemorySegment> pages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pages.add(b.page(3 - i));
            pages.add(a.page(i));
        }
        SgTable t = SgTable.fromPages(pages, 0, 8 * PAGE);
        assertEquals(8, t.nents(), "no two neighbours are contiguous");
        DmaSgMapping m = dev.dmaMapSg(t, DmaDataDirection.TO_DEVICE);
        assertEquals(1, m.count(), "one IOVA range, one DMA segment: " + m.segments());
        assertEquals(8 * PAGE, m.segments().getFirst().length());
        assertEquals(fn.liveSg.getFirst().iova(), m.segments().getFirst().address());

        // With a 16 KiB max segment the device gets two.
        m.close();
        dev.setDmaMaxSegmentSize(4 * PAGE);
        assertEquals(List.of(4 * PAGE, 4 * PAGE), dev.dmaMapSg(t, DmaDataDirection.TO_DEVICE).segments().stream()
                .map(DmaSegment::length).toList());

        // An entry not ending on a page leaves a gap in the IOVA range: no coalescing across it.
        SgTable partial = SgTable.fromPages(List.of(a.page(0)), 0, 100);
        assertEquals(1, dev.dmaMapSg(partial, DmaDataDirection.FROM_DEVICE).count());
        SgTable offsetFirst = SgTable.fromPages(List.of(b.page(0), a.page(1)), 200, 2 * PAGE - 200);
        DmaSgMapping o = dev.dmaMapSg(offsetFirst, DmaDataDirection.FROM_DEVICE);
        assertEquals(List.of(2 * PAGE - 200), o.segments().stream().map(DmaSegment::length).toList(),
                "an offset on the first entry only: still one segment");
        assertEquals(fn.liveSg.getLast().iova() + 200, o.segments().getFirst().address());
    }

    @Test
    void theDirectionRulesOfMappingAndSyncing() {
        DmaPages p = dev.allocPages(2);
        SgTable t = SgTable.fromPages(List.of(p.page(0), p.page(1)), 0, 2 * PAGE);
        assertEquals(Errno.EINVAL, errno(() -> dev.dmaMapSg(t, null)), "DMA_NONE");
        assertEquals(Errno.EINVAL, errno(() -> dev.dmaMapSg(null, DmaDataDirection.TO_DEVICE)));
        assertTrue(fn.liveSg.isEmpty());

        DmaSgMapping to = dev.dmaMapSg(t, DmaDataDirection.TO_DEVICE);
        to.syncForDevice(DmaDataDirection.TO_DEVICE);
        to.syncForCpu(DmaDataDirection.TO_DEVICE);
        DriverException wrong = assertThrows(DriverException.class, () -> to.syncForCpu(DmaDataDirection.FROM_DEVICE));
        assertEquals(Errno.EINVAL, wrong.errno());
        assertTrue(wrong.getMessage().contains("synced FROM_DEVICE but mapped TO_DEVICE"), wrong.getMessage());
        assertEquals(Errno.EINVAL, errno(() -> to.syncForDevice(DmaDataDirection.BIDIRECTIONAL)));
        assertEquals(Errno.EINVAL, errno(() -> to.syncForDevice(null)), "DMA_NONE");

        DmaSgMapping bidi = dev.dmaMapSg(t, DmaDataDirection.BIDIRECTIONAL);
        for (DmaDataDirection d : DmaDataDirection.values()) {
            bidi.syncForCpu(d);
            bidi.syncForDevice(d);
        }
        to.close();
        to.close();
        DriverException after = assertThrows(DriverException.class, () -> to.syncForCpu(DmaDataDirection.TO_DEVICE));
        assertEquals(Errno.EINVAL, after.errno());
        assertTrue(after.getMessage().contains("no longer mapped"), after.getMessage());
        assertEquals(1, fn.liveSg.size(), "the bidirectional mapping is still there");
    }

    @Test
    void mappingsArePartOfTheBindingAndGoBeforeTheirPages() {
        DmaPages p = dev.allocPages(3);
        SgTable t = SgTable.fromPages(List.of(p.page(2), p.page(0)), 0, 2 * PAGE);
        DmaSgMapping m = dev.dmaMapSg(t, DmaDataDirection.FROM_DEVICE);
        long iova = fn.liveSg.getFirst().iova();
        List<String> names = names();
        assertTrue(names.contains("pci:sg@" + Long.toHexString(iova)), names.toString());
        assertTrue(names.contains("pci:pages@" + Long.toHexString(p.memory().address())), names.toString());
        assertTrue(names.indexOf("pci:sg@" + Long.toHexString(iova)) > names.indexOf("pci:pages@"
                + Long.toHexString(p.memory().address())), "mapped after the pages, so released before them");

        bus.unbind(SLOT);
        assertTrue(fn.liveSg.isEmpty(), "the driver forgot to unmap: unbind did");
        assertEquals(List.of(), names());
        assertThrows(IllegalStateException.class, () -> p.memory().get(ValueLayout.JAVA_BYTE, 0), "the pages are freed");
        assertEquals(Errno.EINVAL, errno(() -> m.syncForCpu(DmaDataDirection.FROM_DEVICE)));
    }

    @Test
    void failuresLeaveNothingMapped() {
        DmaPages p = dev.allocPages(4);
        List<MemorySegment> four = List.of(p.page(0), p.page(1), p.page(2), p.page(3));
        List<MemorySegment> two = List.of(p.page(0), p.page(1));
        int before = names().size();

        fn.failNextMap = HwException.ENOMEM;
        DriverException oom = assertThrows(DriverException.class,
                () -> dev.dmaMapSg(SgTable.fromPages(four, 0, 4 * PAGE), DmaDataDirection.TO_DEVICE));
        assertEquals(Errno.ENOMEM, oom.errno(), oom.getMessage());
        assertTrue(fn.liveSg.isEmpty());
        assertEquals(before, names().size(), "no devres left behind");

        // An entry longer than the device's max segment (dma-debug only warns): refused before the IOMMU is asked.
        dev.setDmaMaxSegmentSize(2 * PAGE);
        DriverException tooLong = assertThrows(DriverException.class,
                () -> dev.dmaMapSg(SgTable.fromPages(four, 0, 4 * PAGE), DmaDataDirection.TO_DEVICE));
        assertEquals(Errno.EINVAL, tooLong.errno());
        assertTrue(tooLong.getMessage().contains("longer than the device's max segment size"), tooLong.getMessage());
        assertTrue(fn.liveSg.isEmpty());

        // An entry that cannot help crossing the segment boundary.
        dev.setDmaMaxSegmentSize(65536);
        dev.setDmaSegmentBoundary(PAGE - 1);
        DriverException across = assertThrows(DriverException.class,
                () -> dev.dmaMapSg(SgTable.fromPages(two, 0, 2 * PAGE, 2 * PAGE), DmaDataDirection.TO_DEVICE));
        assertEquals(Errno.EINVAL, across.errno());
        assertTrue(across.getMessage().contains("segment boundary"), across.getMessage());
        assertTrue(fn.liveSg.isEmpty());

        // Pages freed after the table was built.
        SgTable stale = SgTable.fromPages(List.of(p.page(0)), 0, PAGE);
        p.close();
        assertEquals(Errno.EINVAL, errno(() -> dev.dmaMapSg(stale, DmaDataDirection.TO_DEVICE)));
        assertTrue(fn.liveSg.isEmpty());
        assertEquals(before - 1, names().size(), "closing the pages released them early");
    }

    @Test
    void dmaParametersHaveThePciDefaultsAndAreChecked() {
        assertEquals(65536, dev.dmaMaxSegmentSize());
        assertEquals(0xffff_ffffL, dev.dmaSegmentBoundary());
        assertEquals(Errno.EINVAL, errno(() -> dev.setDmaMaxSegmentSize(0)));
        assertEquals(Errno.EINVAL, errno(() -> dev.setDmaMaxSegmentSize(1L << 32)));
        assertEquals(Errno.EINVAL, errno(() -> dev.setDmaSegmentBoundary(0x1fff_0000L)));
        assertEquals(Errno.EINVAL, errno(() -> dev.setDmaSegmentBoundary(0x7ff)));
        assertEquals(Errno.EINVAL, errno(() -> dev.allocPages(0)));
        dev.setDmaSegmentBoundary(0xffff);
        assertEquals(0xffff, dev.dmaSegmentBoundary());
    }
}
