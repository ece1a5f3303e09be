package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;

/** The nvidia-gpu model's {@code total_vfs} option: the board's SR-IOV, as its configuration straps it. */
class GpuOptionsConfigTest {
    @Test
    void totalVfsDefaultsToTheModelledBoardAndIsChecked() {
        assertEquals(4, SimModels.gpuOptions(Map.of("chip", "ad102")).totalVfs());
        assertEquals(0, SimModels.gpuOptions(Map.of("chip", "tu102")).totalVfs());
        assertEquals(1, SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "1")).totalVfs());
        assertEquals(0, SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", " 0 ")).totalVfs());
        HwException e = assertThrows(HwException.class,
                () -> SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "9")));
        assertTrue(e.getMessage().contains("TotalVFs 9"), e.getMessage());
        assertThrows(HwException.class, () -> SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "x")));
    }
}
