package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;

/**
 * The capability chain of vfio_region_info (include/uapi/linux/vfio.h; built by
 * drivers/vfio/vfio_main.c vfio_info_cap_add / vfio_info_cap_shift) and the argsz protocol of
 * VFIO_DEVICE_GET_REGION_INFO (vfio_pci_core.c vfio_pci_ioctl_get_region_info), with buffers laid
 * out the way the kernel fills them.
 */
class VfioInfoCapsTest {
    /** sizeof(struct vfio_region_info). */
    private static final int INFO = 32;
    /** sizeof(struct vfio_info_cap_header). */
    private static final int HEADER = 8;
    /** sizeof(struct vfio_region_info_cap_sparse_mmap) without its areas. */
    private static final int SPARSE = 16;
    /** sizeof(struct vfio_region_sparse_mmap_area). */
    private static final int AREA = 16;
    private static final long BAR_SIZE = 0x20000;

    @Test
    void layoutsMatchTheHeader() {
        assertEquals(INFO, VfioUapi.REGION_INFO.byteSize());
        assertEquals(HEADER, VfioUapi.INFO_CAP_HEADER.byteSize());
        assertEquals(SPARSE, VfioUapi.CAP_SPARSE_MMAP.byteSize());
        assertEquals(AREA, VfioUapi.SPARSE_MMAP_AREA.byteSize());
        assertEquals(1, VfioUapi.VFIO_REGION_INFO_CAP_SPARSE_MMAP);
        assertEquals(2, VfioUapi.VFIO_REGION_INFO_CAP_TYPE);
        assertEquals(3, VfioUapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
        assertEquals(8, VfioUapi.VFIO_IRQ_INFO_NORESIZE);
    }

    /** A capability to chain: its id and its payload after the header. */
    private record Cap(int id, byte[] payload) {
    }

    private static Cap sparse(long... offsetSize) {
        MemorySegment p = MemorySegment.ofArray(new long[(SPARSE - HEADER + AREA * offsetSize.length / 2) / Long.BYTES]);
        p.set(JAVA_INT, 0, offsetSize.length / 2);
        for (int i = 0; i < offsetSize.length; i += 2) {
            p.set(JAVA_LONG, SPARSE - HEADER + (long) AREA * (i / 2), offsetSize[i]);
            p.set(JAVA_LONG, SPARSE - HEADER + (long) AREA * (i / 2) + Long.BYTES, offsetSize[i + 1]);
        }
        return new Cap(VfioUapi.VFIO_REGION_INFO_CAP_SPARSE_MMAP, p.toArray(JAVA_BYTE));
    }

    private static Cap bare(int id) {
        return new Cap(id, new byte[0]);
    }

    /** @return the size of the chain's bytes */
    private static int chainSize(List<Cap> caps) {
        return caps.stream().mapToInt(c -> HEADER + c.payload().length).sum();
    }

    /** Writes the chain after the struct at INFO, as vfio_info_cap_shift leaves it, and sets cap_offset. */
    private static void writeChain(MemorySegment info, List<Cap> caps) {
        long at = INFO;
        VfioUapi.setInt(info, VfioUapi.REGION_INFO, "cap_offset", caps.isEmpty() ? 0 : INFO);
        for (int i = 0; i < caps.size(); i++) {
            Cap c = caps.get(i);
            long next = at + HEADER + c.payload().length;
            info.set(JAVA_SHORT, at, (short) c.id());
            info.set(JAVA_SHORT, at + 2, (short) 1);
            info.set(JAVA_INT, at + 4, i == caps.size() - 1 ? 0 : (int) next);
            MemorySegment.copy(MemorySegment.ofArray(c.payload()), 0, info, at + HEADER, c.payload().length);
            at = next;
        }
    }

    private static MemorySegment filled(Arena a, List<Cap> caps) {
        MemorySegment info = VfioUapi.allocate(a, VfioUapi.REGION_INFO, chainSize(caps));
        VfioUapi.setLong(info, VfioUapi.REGION_INFO, "size", BAR_SIZE);
        writeChain(info, caps);
        return info;
    }

    /** @return the area holding [at, at + width), as VfioMmio picks the mapping an access goes through */
    private static Optional<VfioInfoCaps.Area> areaOf(VfioInfoCaps caps, long at, int width) {
        return caps.sparse().flatMap(l -> l.stream().filter(a -> a.holds(at, width)).findFirst());
    }

    @Test
    void sparseAreasAroundAnMsixTable() {
        try (Arena a = Arena.ofConfined()) {
            // BAR0 of 128 KiB with the MSI-X table in its page at 0x3000: mappable before and after
            MemorySegment info = filled(a, List.of(sparse(0, 0x3000, 0x4000, 0x1c000)));
            VfioInfoCaps caps = VfioInfoCaps.parse(info, BAR_SIZE);
            assertEquals(List.of(1), caps.ids());
            assertEquals(Optional.of(List.of(new VfioInfoCaps.Area(0, 0x3000), new VfioInfoCaps.Area(0x4000, 0x1c000))),
                    caps.sparse());
            assertFalse(caps.msixMappable());
            assertTrue(areaOf(caps, 0x2ffc, 4).isPresent());
            assertTrue(areaOf(caps, 0x2ffe, 4).isEmpty(), "an access straddling the hole is not mapped");
            assertTrue(areaOf(caps, 0x3000, 4).isEmpty(), "the table's page is a hole");
            assertEquals(0x4000, areaOf(caps, 0x1fffc, 4).orElseThrow().offset());
            assertEquals("sparse-mmap 2 area(s)", caps.describe());
        }
    }

    @Test
    void chainWithTypeAndMsixMappableAndAnUnknownId() {
        try (Arena a = Arena.ofConfined()) {
            Cap type = new Cap(VfioUapi.VFIO_REGION_INFO_CAP_TYPE, new byte[8]);
            MemorySegment info = filled(a, List.of(type, bare(42), bare(VfioUapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE)));
            VfioInfoCaps caps = VfioInfoCaps.parse(info, BAR_SIZE);
            assertEquals(List.of(2, 42, 3), caps.ids());
            assertTrue(caps.msixMappable());
            assertTrue(caps.sparse().isEmpty(), "no sparse capability: the whole region may be mapped");
            assertEquals("type, cap 42, msix-mappable", caps.describe());
        }
    }

    @Test
    void sparseWithNoAreasMapsNothing() {
        try (Arena a = Arena.ofConfined()) {
            VfioInfoCaps caps = VfioInfoCaps.parse(filled(a, List.of(sparse())), BAR_SIZE);
            assertEquals(Optional.of(List.of()), caps.sparse());
            assertTrue(areaOf(caps, 0, 4).isEmpty());
        }
    }

    @Test
    void brokenChainsAreRefused() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment loop = filled(a, List.of(bare(3), bare(2)));
            loop.set(JAVA_INT, INFO + HEADER + 4, INFO); // the second points back at the first
            assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> VfioInfoCaps.parse(loop, BAR_SIZE)).errno());

            MemorySegment outside = filled(a, List.of(bare(3)));
            outside.set(JAVA_INT, INFO + 4, INFO + 4096);
            assertThrows(HwException.class, () -> VfioInfoCaps.parse(outside, BAR_SIZE));

            MemorySegment intoStruct = filled(a, List.of(bare(3)));
            VfioUapi.setInt(intoStruct, VfioUapi.REGION_INFO, "cap_offset", 8);
            assertThrows(HwException.class, () -> VfioInfoCaps.parse(intoStruct, BAR_SIZE));

            MemorySegment tooMany = filled(a, List.of(sparse(0, 0x1000)));
            tooMany.set(JAVA_INT, INFO + HEADER, 3); // nr_areas beyond the buffer
            assertThrows(HwException.class, () -> VfioInfoCaps.parse(tooMany, BAR_SIZE));

            MemorySegment beyond = filled(a, List.of(sparse(0x1f000, 0x2000)));
            assertThrows(HwException.class, () -> VfioInfoCaps.parse(beyond, BAR_SIZE), "an area past the region's end");
        }
    }

    /**
     * A stand-in for vfio_pci_ioctl_get_region_info: fills the fixed part, and the chain only if
     * argsz leaves room for it; otherwise FLAG_CAPS, argsz raised to what is needed, cap_offset 0.
     */
    private static final class FakeKernel implements VfioDeviceFd.RegionInfoIoctl {
        final List<Cap> caps;
        final List<Long> argszSeen = new ArrayList<>();

        FakeKernel(List<Cap> caps) {
            this.caps = caps;
        }

        @Override
        public void call(MemorySegment ri) {
            long argsz = Integer.toUnsignedLong(VfioUapi.getInt(ri, VfioUapi.REGION_INFO, VfioUapi.ARGSZ));
            argszSeen.add(argsz);
            int flags = VfioUapi.VFIO_REGION_INFO_FLAG_READ | VfioUapi.VFIO_REGION_INFO_FLAG_WRITE
                    | VfioUapi.VFIO_REGION_INFO_FLAG_MMAP;
            VfioUapi.setLong(ri, VfioUapi.REGION_INFO, "size", BAR_SIZE);
            VfioUapi.setLong(ri, VfioUapi.REGION_INFO, "offset", 3L << VfioUapi.VFIO_PCI_OFFSET_SHIFT);
            if (!caps.isEmpty()) {
                flags |= VfioUapi.VFIO_REGION_INFO_FLAG_CAPS;
                long need = INFO + chainSize(caps);
                if (argsz < need) {
                    VfioUapi.setInt(ri, VfioUapi.REGION_INFO, VfioUapi.ARGSZ, (int) need);
                    VfioUapi.setInt(ri, VfioUapi.REGION_INFO, "cap_offset", 0);
                } else {
                    writeChain(ri, caps);
                }
            }
            VfioUapi.setInt(ri, VfioUapi.REGION_INFO, "flags", flags);
        }
    }

    @Test
    void regionInfoAsksAgainWithTheArgszTheKernelWants() {
        FakeKernel k = new FakeKernel(List.of(bare(VfioUapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE)));
        try (Arena a = Arena.ofConfined()) {
            VfioDeviceFd.Region r = VfioDeviceFd.regionInfo(a, 3, k);
            assertEquals(List.of((long) INFO, (long) INFO + HEADER), k.argszSeen);
            assertTrue(r.caps().msixMappable());
            assertEquals(BAR_SIZE, r.size());
            assertEquals(3L << VfioUapi.VFIO_PCI_OFFSET_SHIFT, r.offset());
        }
    }

    @Test
    void regionInfoWithoutCapsAsksOnce() {
        FakeKernel k = new FakeKernel(List.of());
        try (Arena a = Arena.ofConfined()) {
            VfioDeviceFd.Region r = VfioDeviceFd.regionInfo(a, 0, k);
            assertEquals(List.of((long) INFO), k.argszSeen);
            assertEquals(VfioInfoCaps.NONE, r.caps());
        }
    }

    @Test
    void regionInfoReadsASparseChainAfterTheSecondCall() {
        FakeKernel k = new FakeKernel(List.of(new Cap(VfioUapi.VFIO_REGION_INFO_CAP_TYPE, new byte[8]),
                sparse(0, 0x2000, 0x3000, 0x1d000)));
        try (Arena a = Arena.ofConfined()) {
            VfioDeviceFd.Region r = VfioDeviceFd.regionInfo(a, 0, k);
            assertEquals(2, k.argszSeen.size());
            assertEquals(List.of(2, 1), r.caps().ids());
            assertEquals(2, r.caps().sparse().orElseThrow().size());
        }
    }
}
