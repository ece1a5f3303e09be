package org.nova.gpu.internal;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;

/**
 * A test seam: lets a test make this driver wrong on purpose in one boot parameter, so it can show
 * that the simulated GPU refuses what the hardware would (a wrong layout, SetSystemInfo value or
 * registry, a missing sysmem flush page). Every hook is null (off) unless a test in this package
 * sets it; {@link #clear} turns them all off. Read once per probe step.
 */
final class BootTamper {
    /** Rewrites the computed framebuffer layout before the WPR metadata is written. */
    static volatile UnaryOperator<FbLayout> layout;
    /** Rewrites GspSystemInfo's payload after it was filled. */
    static volatile BiConsumer<GspSystemInfo, byte[]> systemInfo;
    /** Rewrites the registry before it is packed. */
    static volatile UnaryOperator<Map<String, Integer>> registry;
    /** Skips registering the sysmem flush page. */
    static volatile boolean skipSysmemFlush;

    private BootTamper() {
    }

    /** Turns every hook off. */
    static void clear() {
        layout = null;
        systemInfo = null;
        registry = null;
        skipSysmemFlush = false;
    }
}
