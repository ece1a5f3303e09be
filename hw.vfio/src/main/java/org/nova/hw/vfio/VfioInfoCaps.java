package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nova.hw.HwException;

/**
 * The capability chain of a vfio_region_info, as drivers/vfio/vfio_main.c builds it
 * (vfio_info_cap_add appends a {@code struct vfio_info_cap_header} per capability,
 * vfio_info_cap_shift makes each {@code next} an offset from the start of the info, 0 ending the
 * chain) and include/uapi/linux/vfio.h lays it out: the sparse-mmap areas of a region
 * (VFIO_REGION_INFO_CAP_SPARSE_MMAP) and whether the MSI-X table inside a BAR may be mapped with
 * it (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE). Capabilities it does not know are listed by id and
 * otherwise skipped, as user space must.
 *
 * @param ids          the ids of the chain, in chain order
 * @param sparse       the areas that may be mmap'd (offsets from the region's start), present only
 *                     if the kernel sent a sparse-mmap capability; empty list = nothing may be mapped
 * @param msixMappable whether the kernel said the MSI-X table and PBA may be mapped
 */
record VfioInfoCaps(List<Integer> ids, Optional<List<Area>> sparse, boolean msixMappable) {

    /** A region without a capability chain. */
    static final VfioInfoCaps NONE = new VfioInfoCaps(List.of(), Optional.empty(), false);

    /** One mmap-able area of a sparse region: struct vfio_region_sparse_mmap_area. */
    record Area(long offset, long size) {
        /** @return whether [offset, offset + width) lies inside this area */
        boolean holds(long at, int width) {
            return at >= offset && at + width <= offset + size;
        }
    }

    /** Copies the lists. */
    VfioInfoCaps {
        ids = List.copyOf(ids);
        sparse = sparse.map(List::copyOf);
    }

    /**
     * Reads the chain of a vfio_region_info the kernel filled in.
     *
     * @param info       the whole ioctl argument: the struct and the capabilities after it
     * @param regionSize the region's size, which every sparse area must lie within
     * @throws HwException EINVAL if the chain points outside the argument or backwards (a loop), or
     *                     an area lies outside the region
     */
    static VfioInfoCaps parse(MemorySegment info, long regionSize) {
        long at = Integer.toUnsignedLong(VfioUapi.getInt(info, VfioUapi.REGION_INFO, "cap_offset"));
        List<Integer> ids = new ArrayList<>();
        List<Area> sparse = null;
        boolean msixMappable = false;
        long headerSize = VfioUapi.INFO_CAP_HEADER.byteSize();
        long previous = VfioUapi.REGION_INFO.byteSize() - 1;
        while (at != 0) {
            if (at <= previous || at + headerSize > info.byteSize()) {
                throw new HwException(HwException.EINVAL, "vfio_region_info capability at " + at + " lies outside "
                        + (previous + 1) + ".." + info.byteSize() + " (a broken or looping chain)");
            }
            int id = Short.toUnsignedInt(info.get(JAVA_SHORT, at + VfioUapi.offsetOf(VfioUapi.INFO_CAP_HEADER, "id")));
            long next = Integer.toUnsignedLong(info.get(JAVA_INT, at + VfioUapi.offsetOf(VfioUapi.INFO_CAP_HEADER, "next")));
            ids.add(id);
            switch (id) {
                case VfioUapi.VFIO_REGION_INFO_CAP_SPARSE_MMAP -> sparse = areas(info, at, regionSize);
                case VfioUapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE -> msixMappable = true;
                default -> {
                    // VFIO_REGION_INFO_CAP_TYPE and later ids: nothing the backend acts on
                }
            }
            previous = at;
            at = next;
        }
        return new VfioInfoCaps(ids, Optional.ofNullable(sparse), msixMappable);
    }

    private static List<Area> areas(MemorySegment info, long cap, long regionSize) {
        int n = info.get(JAVA_INT, cap + VfioUapi.offsetOf(VfioUapi.CAP_SPARSE_MMAP, "nr_areas"));
        long first = cap + VfioUapi.CAP_SPARSE_MMAP.byteSize();
        long areaSize = VfioUapi.SPARSE_MMAP_AREA.byteSize();
        if (n < 0 || first + n * areaSize > info.byteSize()) {
            throw new HwException(HwException.EINVAL, "sparse-mmap capability with " + Integer.toUnsignedString(n)
                    + " areas runs past the " + info.byteSize() + "-byte vfio_region_info");
        }
        List<Area> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long a = first + i * areaSize;
            long offset = info.get(JAVA_LONG, a + VfioUapi.offsetOf(VfioUapi.SPARSE_MMAP_AREA, "offset"));
            long size = info.get(JAVA_LONG, a + VfioUapi.offsetOf(VfioUapi.SPARSE_MMAP_AREA, "size"));
            if (offset < 0 || size < 0 || offset > regionSize - size) {
                throw new HwException(HwException.EINVAL, "sparse-mmap area 0x" + Long.toHexString(offset) + "+0x"
                        + Long.toHexString(size) + " lies outside the 0x" + Long.toHexString(regionSize) + "-byte region");
            }
            if (size > 0) { // a zero-sized area maps nothing
                out.add(new Area(offset, size));
            }
        }
        return out;
    }

    /** @return "sparse-mmap 2 areas, msix-mappable", or "none" */
    String describe() {
        if (ids.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (int id : ids) {
            parts.add(switch (id) {
                case VfioUapi.VFIO_REGION_INFO_CAP_SPARSE_MMAP -> "sparse-mmap " + sparse.map(List::size).orElse(0) + " area(s)";
                case VfioUapi.VFIO_REGION_INFO_CAP_TYPE -> "type";
                case VfioUapi.VFIO_REGION_INFO_CAP_MSIX_MAPPABLE -> "msix-mappable";
                default -> "cap " + id;
            });
        }
        return String.join(", ", parts);
    }
}
