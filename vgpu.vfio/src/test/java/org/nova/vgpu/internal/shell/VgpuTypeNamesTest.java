package org.nova.vgpu.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.vgpu.VgpuType;

/** Every way a person types a vGPU type whose name has a blank. */
class VgpuTypeNamesTest {
    private static final VgpuType Q1 = new VgpuType(0x3b1, "NVIDIA L40-1Q", "Quadro", 1L << 30, 256L << 20, 4, 512,
            4L << 20);
    private static final VgpuType B1 = new VgpuType(0x3c1, "NVIDIA L40-1B", "NVS", 1L << 30, 256L << 20, 4, 512,
            4L << 20);
    private static final List<VgpuType> TYPES = List.of(Q1, B1);

    @Test
    void theShortNameTheQuotedNameTheDashedNameAndTheId() {
        for (String typed : List.of("L40-1Q", "l40-1q", "NVIDIA L40-1Q", "NVIDIA-L40-1Q", "0x3b1", "945", " L40-1Q ")) {
            assertEquals(Optional.of(Q1), VgpuCommands.type(TYPES, typed), typed);
        }
        assertEquals(Optional.of(B1), VgpuCommands.type(TYPES, "L40-1B"));
    }

    @Test
    void nothingElse() {
        for (String typed : List.of("L40", "NVIDIA", "0x999", "1Q", "")) {
            assertEquals(Optional.empty(), VgpuCommands.type(TYPES, typed), typed);
        }
    }

    @Test
    void theShortNameHasNoBlank() {
        assertEquals("L40-1Q", Q1.shortName());
    }
}
