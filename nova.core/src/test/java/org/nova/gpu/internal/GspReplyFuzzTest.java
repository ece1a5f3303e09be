package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspStaticConfigInfo;

/**
 * The driver's decoding of what GSP-RM answers (issue 14, fuzzing, the driver's side): the
 * GetGspStaticInfo reply, whose every byte GSP-RM writes, read with either release's bindings
 * (the GPU's name strings, the framebuffer length, the internal handles, every scalar field for
 * {@code nova:info}). The queue elements that carry it are {@code GspMsgQueueFuzzTest}'s (nvidia.spec).
 * Contract: a reply of the structure's size or longer decodes to a value, whatever its bytes
 * (strings without a NUL end at the field's end); a shorter one is refused before decoding, as
 * {@link Commands#getStaticInfo} does with EIO.
 */
class GspReplyFuzzTest {
    private static final List<GspBindings> RELEASES = List.of(GspBindings.of("570.144").orElseThrow(),
            GspBindings.of("535.113.01").orElseThrow());

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
