package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimLibosLog;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.LibosArgs;
import org.nova.nvidia.gsp.LibosLog;

/**
 * The GSP's three LibOS log buffers per chip: registered as nova-core registers them, refused by
 * the simulated LibOS when one is missing or malformed, filled by the simulated GSP-RM in LibOS's
 * binary format and decoded from that layout.
 */
class GspLogBuffersTest {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    record Run(SimPciDevice dev, NvidiaGpu gpu, Gpu driver, DriverException error) {
    }

    static Stream<Arguments> chips() {
        return Stream.of(Arguments.of(Chipset.TU102, "535.113.01"), Arguments.of(Chipset.GA100, "535.113.01"),
                Arguments.of(Chipset.GA102, "535.113.01"), Arguments.of(Chipset.AD102, "570.144"));
    }

    private Run probe(Chipset chip, String release, java.util.function.BiConsumer<Long, MemorySegment> tamper) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve(chip.name()), release);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        dev.beforeGpuRead = tamper;
        try {
            return new Run(dev, gpu, Gpu.probe(dev, new DirFirmwareLoader(fw)), null);
        } catch (DriverException e) {
            dev.releaseAll();
            return new Run(dev, gpu, null, e);
        }
    }

    @ParameterizedTest
    @MethodSource("chips")
    void gspRmWritesEachBufferInLibosFormatAndTheDecoderReadsTheLayout(Chipset chip, String release) {
        Run r = probe(chip, release, null);
        assertNull(r.error(), () -> r.error().getMessage());
        Gpu g = r.driver();
        LibosLogDecoder.Decoded init = SimLogs.decode(g, LibosLog.LOGINIT);
        assertEquals("", init.undecoded());
        List<String> texts = init.records().stream().map(LibosLogDecoder.Record::text).toList();
        String rel = release.equals("570.144") ? "570.144" : "535.113";
        assertEquals(4, texts.size(), texts.toString());
        assertEquals("GSP-RM release " + rel + " started", texts.get(0));
        assertTrue(texts.get(1).startsWith("LibOS: log buffers mapped (16 pages each), RM arguments at 0x"),
                texts.get(1));
        assertEquals(List.of("CPU sequencer done, resumed by SEC2-RTOS", "init done"), texts.subList(2, 4));
        // every entry is part of a record: args, metadata, timestamp; the put pointer counts them
        assertEquals(init.put(), init.records().stream().mapToLong(x -> x.args().size() + 2).sum());
        assertEquals(init.put(), init.entries().size());
        assertFalse(init.wrapped());
        // LOGRM: the boot's commands, by function number, in the order they were sent
        List<Long> functions = SimLogs.decode(g, LibosLog.LOGRM).records().stream()
                .filter(x -> x.metadata() == SimLibosLog.Format.RPC.metadataAddress()).map(x -> x.args().get(0))
                .toList();
        assertEquals(List.of((long) g.abi().FUNCTION_GSP_SET_SYSTEM_INFO(), (long) g.abi().FUNCTION_SET_REGISTRY(),
                (long) g.abi().FUNCTION_GET_GSP_STATIC_INFO()), functions.subList(0, 3));
        // LOGINTR: one record per message-queue interrupt GSP-RM raised, timestamps in order
        LibosLogDecoder.Decoded intr = SimLogs.decode(g, LibosLog.LOGINTR);
        assertEquals(r.gpu().msgqInterrupts(), intr.records().size());
        for (int i = 1; i < intr.records().size(); i++) {
            assertTrue(intr.records().get(i).timestamp() >= intr.records().get(i - 1).timestamp());
        }
        assertTrue(intr.records().stream().allMatch(x -> x.text().startsWith("message queue interrupt")));
        // without the firmware's logging section (nova-core's case) the entries are shown as they are
        LibosLogDecoder.Decoded raw = LibosLogDecoder.decode(LibosLog.LOGINIT,
                g.gspLogBytes(LibosLog.LOGINIT).orElseThrow(), LibosLogDecoder.Metadata.NONE);
        assertTrue(raw.records().isEmpty());
        assertEquals(init.entries(), raw.entries());
        assertTrue(raw.format().contains("no logging section"), raw.format());
        assertTrue(g.gspLog().startsWith("LOGRM: "), g.gspLog());
        g.unbind();
        r.dev().releaseAll();
        assertEquals(0, g.gspLogBytes(LibosLog.LOGRM).orElseThrow().length, "released at unbind");
        assertEquals(0, r.dev().liveDma());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void theBinaryReadIsTheBufferTheGpuWrote(Chipset chip, String release) {
        long[] at = new long[LibosLog.BUFFERS.size()];
        // each buffer's address where LibOS finds it: in the LibOS arguments page
        Run r = probe(chip, release, (iova, src) -> {
            if (src.byteSize() == LibosArgs.MAX_ENTRIES * LibosArgs.ENTRY_SIZE) {
                for (int i = 0; i < LibosArgs.MAX_ENTRIES; i++) {
                    int k = LibosLog.BUFFERS.indexOf(idName(src.get(LE64, (long) i * LibosArgs.ENTRY_SIZE)));
                    if (k >= 0) {
                        at[k] = src.get(LE64, (long) i * LibosArgs.ENTRY_SIZE + LibosArgs.ENTRY_PA);
                    }
                }
            }
        });
        assertNull(r.error(), () -> r.error().getMessage());
        // the registration order is gsp.rs's: LOGINIT, LOGINTR, LOGRM, then RMARGS
        for (int k = 0; k < at.length; k++) {
            assertTrue(at[k] > 0, LibosLog.BUFFERS.get(k) + " registered");
            byte[] driver = r.driver().gspLogBytes(LibosLog.BUFFERS.get(k)).orElseThrow();
            assertEquals(LibosLog.SIZE, driver.length);
            assertArrayEquals(r.dev().memory(at[k], LibosLog.SIZE), driver, LibosLog.BUFFERS.get(k));
            assertTrue(ByteBuffer.wrap(driver).order(ByteOrder.LITTLE_ENDIAN).getLong(0) > 0, "records were written");
        }
        r.driver().unbind();
        r.dev().releaseAll();
    }

    private static String idName(long id8) {
        for (String n : LibosLog.BUFFERS) {
            if (LibosArgs.id8(n) == id8) {
                return n;
            }
        }
        return "";
    }

    @ParameterizedTest
    @MethodSource("chips")
    void aMissingLogBufferRefusesTheBoot(Chipset chip, String release) {
        for (String missing : LibosLog.BUFFERS) {
            Run r = probe(chip, release, (iova, src) -> {
                // the driver's LibOS arguments without the buffer: the id8 of its entry cleared
                if (src.byteSize() == LibosArgs.MAX_ENTRIES * LibosArgs.ENTRY_SIZE) {
                    for (int i = 0; i < LibosArgs.MAX_ENTRIES; i++) {
                        if (src.get(LE64, (long) i * LibosArgs.ENTRY_SIZE) == LibosArgs.id8(missing)) {
                            src.set(LE64, (long) i * LibosArgs.ENTRY_SIZE, 0);
                        }
                    }
                }
            });
            assertNotNull(r.error(), "boot without " + missing);
            assertEquals(Errno.ETIMEDOUT, r.error().errno(), r.error().getMessage());
            assertTrue(r.error().getMessage().contains("RISC-V core did not become active"), r.error().getMessage());
            assertFalse(r.gpu().gspRunning());
            assertEquals(0, r.dev().liveResources());
            assertEquals(0, r.dev().liveDma());
            if (chip != Chipset.TU102) {
                break; // one chip walks all three; the others check one each, the boot's timeout is 5 s
            }
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"size", "kind", "location"})
    void aLogBufferRegisteredWrongRefusesTheBoot(String what) {
        Run r = probe(Chipset.GA102, "535.113.01", (iova, src) -> {
            if (src.byteSize() == LibosArgs.MAX_ENTRIES * LibosArgs.ENTRY_SIZE) {
                for (int i = 0; i < LibosArgs.MAX_ENTRIES; i++) {
                    long at = (long) i * LibosArgs.ENTRY_SIZE;
                    if (src.get(LE64, at) == LibosArgs.id8(LibosLog.LOGINTR)) {
                        switch (what) {
                            case "size" -> src.set(LE64, at + LibosArgs.ENTRY_SIZE_AT, LibosLog.SIZE / 2);
                            case "kind" -> src.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_KIND, (byte) 0);
                            default -> src.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_LOC, (byte) 2);
                        }
                    }
                }
            }
        });
        assertNotNull(r.error(), "boot with LOGINTR's " + what + " wrong");
        assertEquals(Errno.ETIMEDOUT, r.error().errno(), r.error().getMessage());
        assertFalse(r.gpu().gspRunning());
        assertEquals(0, r.dev().liveResources());
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void aWrongPageTableRefusesTheBoot() {
        Run r = probe(Chipset.GA102, "535.113.01", (iova, src) -> {
            // LibOS reading a log buffer's page table (its PTE 0 maps the buffer's own first page)
            if (src.byteSize() == LibosLog.PAGES * LibosLog.ENTRY_BYTES && src.get(LE64, 0) == iova - 8) {
                src.set(LE64, 8, src.get(LE64, 8) + LibosLog.PAGE_SIZE); // PTE 1 points at page 2
            }
        });
        assertNotNull(r.error());
        assertEquals(Errno.ETIMEDOUT, r.error().errno(), r.error().getMessage());
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void aWrappedRingKeepsTheNewestRecords() {
        byte[] buf = new byte[LibosLog.SIZE];
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        SimLibosLog.Format f = SimLibosLog.Format.RPC;
        long put = 0;
        int n = LibosLog.RING_ENTRIES / 5 + 10; // 5 entries a record: the ring wraps
        for (int k = 0; k < n; k++) {
            for (long v : new long[] {k, k + 1, k + 2, f.metadataAddress(), 1000 + k}) {
                b.putLong((int) LibosLog.ringOffset(put++), v);
            }
        }
        b.putLong(0, put);
        LibosLogDecoder.Decoded d = LibosLogDecoder.decode("LOGRM", buf, SimLogs.METADATA);
        assertTrue(d.wrapped());
        assertEquals(LibosLog.RING_ENTRIES, d.entries().size());
        var last = d.records().getLast();
        assertEquals(1000 + n - 1, last.timestamp());
        assertEquals("rpc function " + (n - 1) + " (seq " + n + ", " + (n + 1) + " bytes)", last.text());
        // the oldest kept entries belong to a record the wrap cut
        assertEquals("a record cut by the ring's wrap", d.undecoded());
        assertEquals(LibosLog.RING_ENTRIES / 5, d.records().size());
        assertEquals("%x=ff 18446744073709551615 % -3", LibosLogDecoder.printf("%%x=%llx %u %% %d", List.of(255L, -1L,
                -3L)));
    }
}
