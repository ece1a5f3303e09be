package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fw.GspFirmware;

/** The generated 570.144 files of the chips the FSP boots: FMC sections, hash, GSP image. */
class FspFirmwareGeneratorTest {
    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB100", "GB202"})
    void generatesFmcBootloaderAndGsp(Chipset c) {
        String v = FirmwareNames.VERSION_570_144;
        assertEquals(v, GpuFirmwareGenerator.defaultVersion(c));
        Map<String, byte[]> files = GpuFirmwareGenerator.files(c, v);
        assertEquals(3, files.size(), files.keySet().toString());
        assertFalse(files.containsKey(FirmwareNames.path(c, FirmwareNames.BOOTER_LOAD, v)));
        FmcFirmware f = FmcFirmware.parse("fmc", MemorySegment.ofArray(files.get(FirmwareNames.path(c, FmcFirmware.FILE,
                v))));
        assertEquals(FspFirmwareGenerator.FMC_IMAGE_SIZE, f.image().byteSize());
        assertArrayEquals(SimFsp.sha384(f.image().toArray(ValueLayout.JAVA_BYTE)), f.hash(), "the hash is the image's");
        assertArrayEquals(files.get(FirmwareNames.path(c, FmcFirmware.FILE, v)),
                FspFirmwareGenerator.files(c).get(FirmwareNames.path(c, FmcFirmware.FILE, v)), "deterministic");
        GspFirmware gsp = GspFirmware.parse("gsp", MemorySegment.ofArray(files.get(FirmwareNames.path(c,
                FirmwareNames.GSP, v))));
        assertEquals(v, gsp.version());
        assertEquals(FspFirmwareGenerator.GSP_SIGNATURE_SIZE, gsp.signatures(c).byteSize());
        assertThrows(IllegalArgumentException.class, () -> FspFirmwareGenerator.files(Chipset.AD102));
    }
}
