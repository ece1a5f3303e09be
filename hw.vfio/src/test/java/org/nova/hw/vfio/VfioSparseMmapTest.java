package org.nova.hw.vfio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * A sparse-mmap region through the real system calls: a file laid out as a vfio-pci device fd
 * (BAR0 at 0 with a hole at 0x1000..0x2000 where an MSI-X table would be, config space after
 * it), adopted as the device fd. The listed areas are mmap'd (MAP_SHARED, so what goes through them
 * is in the file), the hole is read and written with pread/pwrite, and both reach the same bytes.
 */
class VfioSparseMmapTest {
    private static final PciAddress ADDRESS = PciAddress.parse("0000:00:04.0");
    private static final long BAR_SIZE = 0x4000;
    private static final long CONFIG_AT = 0x8000;
    private static final List<VfioInfoCaps.Area> AREAS = List.of(new VfioInfoCaps.Area(0, 0x1000),
            new VfioInfoCaps.Area(0x2000, 0x2000));
    private static final int PATTERN = 0xa000_0000;

    @TempDir
    Path dir;
    private Path file;
    private VfioDeviceFd fd;
    private VfioRegions regions;

    @BeforeEach
    void setUp() throws IOException {
        file = dir.resolve("device");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(CONFIG_AT + PciRegs.PCI_CFG_SPACE_SIZE);
        }
        for (int i = 0; i < BAR_SIZE; i += Integer.BYTES) {
            put(i, PATTERN | i);
        }
        put(CONFIG_AT + PciRegs.PCI_COMMAND, PciRegs.PCI_COMMAND_MEMORY); // BAR0's register stays 0: 32-bit memory
        int rw = VfioUapi.VFIO_REGION_INFO_FLAG_READ | VfioUapi.VFIO_REGION_INFO_FLAG_WRITE;
        VfioDeviceFd.Region[] r = new VfioDeviceFd.Region[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX + 1];
        for (int i = 0; i < r.length; i++) {
            r[i] = new VfioDeviceFd.Region(i, 0, 0, 0);
        }
        r[0] = new VfioDeviceFd.Region(0, rw | VfioUapi.VFIO_REGION_INFO_FLAG_MMAP | VfioUapi.VFIO_REGION_INFO_FLAG_CAPS,
                BAR_SIZE, 0, new VfioInfoCaps(List.of(VfioUapi.VFIO_REGION_INFO_CAP_SPARSE_MMAP), Optional.of(AREAS), false));
        r[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX] = new VfioDeviceFd.Region(VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX, rw,
                PciRegs.PCI_CFG_SPACE_SIZE, CONFIG_AT);
        fd = VfioDeviceFd.adopt(ADDRESS, LibC.open(file.toString()), r);
        regions = new VfioRegions(ADDRESS, fd, new VfioPciConfig(ADDRESS, fd));
    }

    @AfterEach
    void tearDown() {
        regions.closeAll();
        fd.close();
    }

    private void put(long at, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value), at);
        }
    }

    private int get(long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, at);
            return b.getInt(0);
        }
    }

    @Test
    void aSparseRegionIsMemoryButNotOneMappableSegment() {
        RegionInfo info = regions.info(0).orElseThrow();
        assertTrue(info.has(RegionFlag.MEMORY));
        assertFalse(info.has(RegionFlag.MAPPABLE), "no single segment covers a region with a hole");
    }

    @Test
    void theAreasAreMappedAndTheHoleGoesThroughPreadAndPwrite() throws IOException {
        VfioMmio m = regions.map(0, true);
        assertEquals(List.of("0x0+0x1000", "0x2000+0x2000"), m.mappedAreas());
        assertTrue(m.segment().isEmpty());
        assertTrue(m.toString().contains("sparse mmap [0x0+0x1000, 0x2000+0x2000], pread/pwrite elsewhere, caps sparse-mmap 2 area(s)"),
                m.toString());
        for (long at : new long[] {0, 0xffc, 0x1000, 0x1ffc, 0x2000, 0x3ffc}) {
            assertEquals(PATTERN | (int) at, m.read32(at), "read at 0x" + Long.toHexString(at));
        }
        assertEquals((PATTERN | 0x2008) & 0xffff, m.read16(0x2008), "offsets inside the second area start at its own offset");
        m.write32(0x2010, 0x1234_5678);  // through the mapping of the second area
        m.write32(0x1010, 0x0bad_cafe);  // through pwrite: the hole
        m.write64(0x0ff8, 0x1122_3344_5566_7788L);
        assertEquals(0x1234_5678, get(0x2010));
        assertEquals(0x0bad_cafe, get(0x1010));
        assertEquals(0x5566_7788, get(0x0ff8));
        assertEquals(0x1122_3344, get(0x0ffc));
        assertEquals(0x0bad_cafe, m.read32(0x1010));
        m.close();
        assertTrue(regions.mappings().isEmpty());
    }

    @Test
    void withoutMmapTheWholeRegionIsPreadAndPwrite() {
        VfioMmio m = regions.map(0, false);
        assertTrue(m.mappedAreas().isEmpty());
        assertEquals(PATTERN | 0x2ffc, m.read32(0x2ffc));
        assertTrue(m.toString().contains("pread/pwrite"), m.toString());
    }
}
