package org.nova.hw;

import java.util.List;
import java.util.Optional;

/**
 * What the running kernel shows of one of its own PCI functions in sysfs: the attributes of
 * /sys/bus/pci/devices/DDDD:BB:DD.F (drivers/pci/pci-sysfs.c) and the slot that names it in
 * /sys/bus/pci/slots (drivers/pci/slot.c), the facts pciutils' lib/sysfs.c reads for lspci. Only
 * a backend that lists the kernel's functions as they are (the read-only host backend) has them;
 * see {@link PciFunction#sysfs()}. A snapshot of one moment, immutable, owned by the caller.
 *
 * @param irq the {@code irq} attribute: the IRQ the kernel gave the function (0 for none)
 * @param numaNode the {@code numa_node} attribute, {@value #NO_NUMA_NODE} when the kernel knows none
 * @param resources the lines of the {@code resource} attribute in order (0..5 the BARs, 6 the
 *     expansion ROM, 7..12 the SR-IOV VF BARs, 13..16 a bridge's windows; fewer lines on a kernel
 *     without CONFIG_PCI_IOV)
 * @param driver the name the {@code driver} link points to, empty when no kernel driver is bound
 * @param iommuGroup the name the {@code iommu_group} link points to, empty without an IOMMU
 * @param physicalSlot the name of the /sys/bus/pci/slots entry whose {@code address} is this
 *     function's domain, bus and device, empty when none is
 * @param modalias the {@code modalias} attribute (pci:v...d...sv...sd...bc...sc...i...), empty if absent
 */
public record SysfsPciDevice(int irq, int numaNode, List<Resource> resources, Optional<String> driver,
        Optional<String> iommuGroup, Optional<String> physicalSlot, Optional<String> modalias) {

    /** The numa_node value of a function without NUMA affinity (NUMA_NO_NODE, include/linux/numa.h). */
    public static final int NO_NUMA_NODE = -1;

    /** Copies the resource list. */
    public SysfsPciDevice {
        resources = List.copyOf(resources);
    }

    /** @return the resource line at index, or an all-zero one beyond the file's lines */
    public Resource resource(int index) {
        return index >= 0 && index < resources.size() ? resources.get(index) : Resource.NONE;
    }

    /**
     * One line of the {@code resource} attribute (resource_show, drivers/pci/pci-sysfs.c): the
     * CPU-visible start and end and the kernel's resource flags.
     *
     * @param start the first address
     * @param end the last address (start and end are 0 for a resource that does not exist)
     * @param flags the IORESOURCE_* flags; the low byte keeps the bus-specific bits (for a BAR
     *     the low bits of the BAR register, drivers/pci/probe.c decode_bar)
     */
    public record Resource(long start, long end, long flags) {
        /** A line of zeros: no resource. */
        public static final Resource NONE = new Resource(0, 0, 0);
        /** I/O port space (IORESOURCE_IO, include/linux/ioport.h). */
        public static final long IORESOURCE_IO = 0x100;
        /** Memory space (IORESOURCE_MEM, include/linux/ioport.h). */
        public static final long IORESOURCE_MEM = 0x200;
        /** The type bits of the flags (IORESOURCE_TYPE_BITS, include/linux/ioport.h). */
        public static final long IORESOURCE_TYPE_BITS = 0x1f00;
        /** Prefetchable memory (IORESOURCE_PREFETCH, include/linux/ioport.h). */
        public static final long IORESOURCE_PREFETCH = 0x2000;
        /** A 64-bit memory BAR (IORESOURCE_MEM_64, include/linux/ioport.h). */
        public static final long IORESOURCE_MEM_64 = 0x100000;
        /** The bus-specific low bits of the flags (IORESOURCE_BITS; pciutils keeps 4 as PCI_ADDR_FLAG_MASK). */
        public static final long ADDR_FLAG_MASK = 0xf;

        /** @return the size as pciutils computes it: end - start + 1 when end is above start, else 0 */
        public long size() {
            return Long.compareUnsigned(end, start) > 0 ? end - start + 1 : 0;
        }
    }
}
