package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.hw.HwException;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.nvidia.Chipset;

/** The nvidia-gpu model's {@code total_vfs} option: the board's SR-IOV, as its configuration straps it. */
class GpuOptionsConfigTest {
    @Test
    void totalVfsDefaultsToTheModelledBoardAndIsChecked() {
        assertEquals(4, SimModels.gpuOptions(Map.of("chip", "ad102"), false).totalVfs());
        assertEquals(0, SimModels.gpuOptions(Map.of("chip", "tu102"), false).totalVfs());
        assertEquals(1, SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "1"), false).totalVfs());
        assertEquals(0, SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", " 0 "), false).totalVfs());
        HwException e = assertThrows(HwException.class,
                () -> SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "9"), false));
        assertTrue(e.getMessage().contains("TotalVFs 9"), e.getMessage());
        assertThrows(HwException.class, () -> SimModels.gpuOptions(Map.of("chip", "ad102", "total_vfs", "x"), false));
    }

    /** Checking a configuration generates no firmware; creating the model does, once. */
    @Test
    void firmwareIsGeneratedWhenTheModelIsCreatedNotWhenItsConfigurationIsChecked(@TempDir Path dir) throws IOException {
        String before = System.getProperty(GpuFirmwareGenerator.DIR_PROPERTY);
        System.setProperty(GpuFirmwareGenerator.DIR_PROPERTY, dir.toString());
        try {
            SimModels.check(SimModels.NVIDIA_GPU, Map.of("chip", "ga102"));
            assertEquals(0, files(dir), "a check wrote firmware");
            SimModels.create(SimModels.NVIDIA_GPU, Map.of("chip", "ga102")); // not started: holds nothing
            assertEquals(GpuFirmwareGenerator.files(Chipset.GA102).size(), files(dir));
        } finally {
            if (before == null) {
                System.clearProperty(GpuFirmwareGenerator.DIR_PROPERTY);
            } else {
                System.setProperty(GpuFirmwareGenerator.DIR_PROPERTY, before);
            }
        }
    }

    private static long files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
