package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.bindings.GspBindings;

/**
 * The simulated GSP-RM's decoding of what the driver sends it (issue 14, fuzzing, the GSP's side):
 * the RM control parameters of the vGPU manager's commands (types, type info, plugin bootload,
 * shutdown, cleanup) in either firmware release's layout, with any command number and any
 * parameter bytes. (The queue elements around them are {@code GspMsgQueueFuzzTest}'s, in
 * nvidia.spec, on both sides.) Contract: a control returns an NV_STATUS, or -1 for a command that
 * is not the vGPU manager's; it never throws.
 */
class SimGspControlFuzzTest {
    /** Controls per input. */
    private static final int MAX_CONTROLS = 8;
    /** Longest parameter block an input passes: above the bootload parameters' size. */
    private static final int MAX_PARAMS = 8192;
    private static final List<GspBindings> RELEASES = List.of(GspBindings.of("570.144").orElseThrow(),
            GspBindings.of("535.113.01").orElseThrow());

    private final NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of()));
    private final SimVgpuManager manager = gpu.vgpu();

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void vgpuControls(FuzzedDataProvider in) {
        GspBindings abi = in.pickValue(RELEASES);
        int[] known = {
            abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES(),
            abi.NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO(),
            abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK(),
            abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK(),
            abi.NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP(),
        };
        // each command's parameter block, of which a control of another size is refused at once
        int[] sizes = {
            abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS().size(),
            abi.NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS().size(),
            abi.NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS().size(),
            abi.NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS().size(),
            abi.NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS().size(),
        };
        try {
            int n = in.consumeInt(1, MAX_CONTROLS);
            for (int i = 0; i < n && in.remainingBytes() > 0; i++) {
                int which = in.consumeInt(0, known.length - 1);
                int cmd = in.consumeBoolean() ? known[which] : in.consumeInt();
                // mostly the block's own size, its bytes from the input (zeros where the input ends)
                int size = in.consumeBoolean() ? sizes[which] : in.consumeInt(0, MAX_PARAMS);
                byte[][] params = {Arrays.copyOf(in.consumeBytes(size), size)};
                int status = manager.control(abi, cmd, params);
                assertTrue(status >= -1, "an NV_STATUS or -1, not " + status);
            }
        } finally {
            manager.reset(); // the next input starts from a GSP-RM without vGPUs
        }
    }
}
