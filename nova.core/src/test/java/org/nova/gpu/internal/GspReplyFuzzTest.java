package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspStaticConfigInfo;

/**
 * The driver's reading of what GSP-RM writes (issue 14, fuzzing, the driver's side).
 *
 * <p>{@link #receive}: the command queue's receive path ({@link Cmdq#awaitReply}: poll, checksum
 * and header checks, routing of events, the function check of a reply) over a GSP queue whose
 * header page and ring are fuzzed. Contract: the reply, or a {@link DriverException} with one of
 * the errnos the method documents (ETIMEDOUT, ERANGE, EIO for a corrupt element, ENODEV once the
 * queue is dead); nothing else.
 *
 * <p>{@link #staticInfo}: the GetGspStaticInfo reply, whose every byte GSP-RM writes, read with
 * either release's bindings (the GPU's name strings, the framebuffer length, the internal handles,
 * every scalar field for {@code nova:info}). Contract: a reply of the structure's size or longer
 * decodes to a value, whatever its bytes (strings without a NUL end at the field's end); a shorter
 * one is refused before decoding, as {@link Commands#getStaticInfo} does with EIO.
 */
class GspReplyFuzzTest {
    private static final List<GspBindings> RELEASES = List.of(GspBindings.of("570.144").orElseThrow(),
            GspBindings.of("535.113.01").orElseThrow());

    /** The errnos {@link Cmdq#receive} documents. */
    private static final Set<Errno> RECEIVE_ERRNOS = EnumSet.of(Errno.ETIMEDOUT, Errno.ERANGE, Errno.EIO, Errno.ENODEV);
    /** Where the test maps the shared memory (any DMA address: the driver writes it into the PTEs only). */
    private static final long IOVA = 0x1_0000_0000L;

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void receive(FuzzedDataProvider in) {
        GspAbi abi = GspAbi.forVersion(in.pickValue(RELEASES).version()).orElseThrow();
        MemorySegment shared = MemorySegment.ofArray(new byte[GspMsgQueue.SHARED_SIZE]);
        List<GspMsgQueue.Message> events = new ArrayList<>();
        Cmdq q = new Cmdq(abi, shared, IOVA, v -> { }, events::add);
        // the awaited reply's function, in a fixed order so that an input means the same each run
        int function = in.pickValue(abi.functions().values().stream().sorted().toList());
        int seq = q.send(function, new byte[0], 0);
        // what GSP-RM writes: its queue's header page (write pointer included), then its ring
        byte[] header = in.consumeBytes(GspMsgQueue.RX_HDR_OFF + Integer.BYTES);
        MemorySegment.copy(MemorySegment.ofArray(header), 0, shared, GspMsgQueue.GSP_QUEUE_OFFSET, header.length);
        byte[] ring = in.consumeRemainingAsBytes();
        MemorySegment.copy(MemorySegment.ofArray(ring), 0, shared,
                GspMsgQueue.GSP_QUEUE_OFFSET + GspMsgQueue.ENTRY_OFF,
                Math.min(ring.length, GspMsgQueue.MSG_COUNT * GspMsgQueue.PAGE_SIZE));
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                GspMsgQueue.Message m = q.awaitReply(function, seq, 0);
                assertEquals(function, m.function());
                assertEquals(seq, m.sequence());
            } catch (DriverException e) {
                assertTrue(RECEIVE_ERRNOS.contains(e.errno()), e.errno() + ": " + e.getMessage());
            }
        }
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void staticInfo(FuzzedDataProvider in) {
        GspBindings abi = in.pickValue(RELEASES);
        GspStaticConfigInfo s = abi.GspStaticConfigInfo();
        byte[] reply = in.consumeRemainingAsBytes();
        // the reply's bytes at the start of a buffer of the structure's size (a longer reply keeps its tail)
        byte[] p = Arrays.copyOf(reply, Math.max(reply.length, s.size()));
        Map<String, String> fields = Commands.decode(s, p);
        s.gpuNameStringString(p, 0);
        assertTrue(fields.size() <= s.fields().size(), "one entry per field at most");
        s.fb_length(p, 0);
        new RmHandles(s.hInternalClient(p, 0), s.hInternalDevice(p, 0), s.hInternalSubdevice(p, 0));
    }
}
