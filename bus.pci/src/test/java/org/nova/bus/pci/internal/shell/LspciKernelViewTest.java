package org.nova.bus.pci.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nova.bus.pci.internal.shell.LspciTest.put;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciIds;
import org.nova.hw.SysfsPciDevice;
import org.nova.hw.SysfsPciDevice.Resource;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * lspci over functions the kernel's sysfs describes (the host backend) and the parts pciutils
 * decodes beyond the first line: bridges, the kernel's IRQ, IOMMU group, slot and NUMA node,
 * VF BARs shown {@code [virtual]}, the kernel driver and modules, and the VirtIO, Slot ID,
 * Hot-plug and SATA capabilities. The expected texts are what pciutils printed for the same
 * functions in the QEMU guest of LspciQemuIT (with the database left out: numbers for names).
 */
class LspciKernelViewTest {
    /** A memory BAR's resource flags as the kernel shows them: IORESOURCE_MEM | IORESOURCE_SIZEALIGN, low bits of the BAR. */
    private static final long MEM = 0x40200;
    private static final long MEM64 = 0x140204;
    private static final long IO = 0x40101;

    private static final String ALIASES = """
            # Aliases extracted from modules themselves.
            alias pci:v*d*sv*sd*bc01sc08i02* nvme
            alias pci:v00001B36d00000010sv*sd*bc*sc*i* nvme
            alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e
            alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci
            alias usb:v*p*d*dc*dsc*dp*ic09isc*ip*in* usbcore
            """;

    private static String run(List<PciDeviceInfo> devs, String... args) {
        return Lspci.format(devs, Lspci.parse(args), PciNames.empty(), LsKernel.of(ALIASES));
    }

    private static List<Resource> resources(int count, Resource... first) {
        List<Resource> r = new ArrayList<>(List.of(first));
        while (r.size() < count) {
            r.add(Resource.NONE);
        }
        return r;
    }

    /** QEMU's pcie-root-port at 00:03.0 as the guest's kernel shows it: windows from its resource lines 13..15. */
    static PciDeviceInfo rootPort() {
        byte[] c = new byte[4096];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x000c1b36);
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_IO | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x06040000);
        put(c, PciRegs.PCI_HEADER_TYPE, 1, PciRegs.PCI_HEADER_TYPE_BRIDGE);
        put(c, PciRegs.PCI_BASE_ADDRESS_0, 4, 0xfe002000);
        put(c, PciRegs.PCI_PRIMARY_BUS, 4, 0x00010100);
        put(c, PciRegs.PCI_IO_BASE, 2, 0xd0d0);
        put(c, PciRegs.PCI_MEMORY_BASE, 4, 0xfdf0fde0);
        put(c, PciRegs.PCI_PREF_MEMORY_BASE, 4, 0xfe91fe81);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x54);
        put(c, PciRegs.PCI_INTERRUPT_PIN, 1, 1);
        put(c, 0x54, 4, PciRegs.PCI_CAP_ID_EXP | 0x48 << 8 | (0x0142) << 16);
        put(c, 0x48, 4, PciRegs.PCI_CAP_ID_MSIX | 0x40 << 8 | PciRegs.PCI_MSIX_FLAGS_ENABLE << 16);
        put(c, 0x40, 4, PciRegs.PCI_CAP_ID_SSVID);
        put(c, 0x44, 4, 0x00001b36);
        put(c, 0x100, 4, PciRegs.PCI_EXT_CAP_ID_ERR | 2 << 16 | 0x148 << 20);
        put(c, 0x148, 4, PciRegs.PCI_EXT_CAP_ID_ACS | 1 << 16);
        List<Resource> res = resources(17, new Resource(0xfe002000L, 0xfe002fffL, MEM));
        res.set(13, new Resource(0xd000, 0xdfff, 0x101));
        res.set(14, new Resource(0xfde00000L, 0xfdffffffL, 0x200));
        res.set(15, new Resource(0xfe800000L, 0xfe9fffffL, 0x2200));
        SysfsPciDevice sysfs = new SysfsPciDevice(23, SysfsPciDevice.NO_NUMA_NODE, res, Optional.of("pcieport"),
                Optional.of("3"), Optional.empty(), Optional.of("pci:v00001B36d0000000Csv00000000sd00000000bc06sc04i00"));
        return new PciDeviceInfo(new PciAddress(0, 0, 3, 0), new PciIds(0x1b36, 0x000c, 0, 0, 0x060400, 0), c, List.of(),
                Optional.empty(), Optional.empty(), Optional.of(sysfs));
    }

    @Test
    void aRootPortAsTheKernelShowsIt() {
        assertEquals("""
                00:03.0 0604: 1b36:000c
                \tSubsystem: 1b36:0000
                \tFlags: bus master, fast devsel, latency 0, IRQ 23, IOMMU group 3
                \tMemory at fe002000 (32-bit, non-prefetchable) [size=4K]
                \tBus: primary=00, secondary=01, subordinate=01, sec-latency=0
                \tI/O behind bridge: d000-dfff [size=4K] [16-bit]
                \tMemory behind bridge: fde00000-fdffffff [size=2M] [32-bit]
                \tPrefetchable memory behind bridge: fe800000-fe9fffff [size=2M] [32-bit]
                \tCapabilities: [54] Express Root Port (Slot+), IntMsgNum 0
                \tCapabilities: [48] MSI-X: Enable+ Count=1 Masked-
                \tCapabilities: [40] Subsystem: 1b36:0000
                \tCapabilities: [100] Advanced Error Reporting
                \tCapabilities: [148] Access Control Services
                \tKernel driver in use: pcieport

                """, run(List.of(rootPort()), "-n", "-v"));
    }

    /** An SR-IOV VF of QEMU's NVMe at 02:00.1: its BAR is the kernel's slice of the PF's VF BAR, the register reads 0. */
    static PciDeviceInfo virtualFunction(int numaNode) {
        byte[] c = new byte[4096];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0xffffffff);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x01080202);
        put(c, PciRegs.PCI_SUBSYSTEM_VENDOR_ID, 4, 0x11001af4);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x40);
        put(c, 0x40, 4, PciRegs.PCI_CAP_ID_MSIX);
        List<Resource> res = resources(17, new Resource(0xfdc04000L, 0xfdc07fffL, MEM64));
        SysfsPciDevice sysfs = new SysfsPciDevice(0, numaNode, res, Optional.empty(), Optional.of("12"), Optional.of("0-2"),
                Optional.of("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"));
        return new PciDeviceInfo(new PciAddress(0, 2, 0, 1), new PciIds(0x1b36, 0x0010, 0x1af4, 0x1100, 0x010802, 2), c,
                List.of(new PciDeviceInfo.Region(0, 0x4000, false, false, true)), Optional.empty(),
                Optional.of(new PciAddress(0, 2, 0, 0)), Optional.of(sysfs));
    }

    @Test
    void aVirtualFunctionsBarIsVirtualAndItsModuleIsListedOnce() {
        assertEquals("""
                02:00.1 0108: 1b36:0010 (rev 02) (prog-if 02)
                \tSubsystem: 1af4:1100
                \tPhysical Slot: 0-2
                \tFlags: fast devsel, IOMMU group 12
                \tMemory at fdc04000 (64-bit, non-prefetchable) [virtual] [size=16K]
                \tCapabilities: [40] MSI-X: Enable- Count=1 Masked-
                \tKernel modules: nvme

                """, run(List.of(virtualFunction(SysfsPciDevice.NO_NUMA_NODE)), "-n", "-v"));
        assertEquals("""
                02:00.1 0108: 1b36:0010 (rev 02)
                \tSubsystem: 1af4:1100
                \tKernel modules: nvme
                """, run(List.of(virtualFunction(SysfsPciDevice.NO_NUMA_NODE)), "-n", "-k"));
    }

    @Test
    void theNumaNodeFollowsTheIrqInFlags() {
        String out = run(List.of(virtualFunction(0)), "-n", "-v");
        assertEquals("\tFlags: fast devsel, NUMA node 0, IOMMU group 12", out.lines().filter(l -> l.startsWith("\tFlags")).findFirst()
                .orElseThrow());
    }

    @Test
    void theRuntimesDriverWinsOverTheKernelsAndNoModalias() {
        PciDeviceInfo rp = rootPort();
        PciDeviceInfo bound = new PciDeviceInfo(rp.address(), rp.ids(), rp.config(), rp.regions(), Optional.of("nova_test"),
                rp.physfn(), rp.sysfs());
        String out = run(List.of(bound), "-n", "-k");
        assertEquals("00:03.0 0604: 1b36:000c\n\tSubsystem: 1b36:0000\n\tKernel driver in use: nova_test\n", out);
    }

    /** QEMU's pci-bridge (conventional, no kernel view): windows from its registers, Slot ID and SHPC capabilities. */
    static PciDeviceInfo pciBridge() {
        byte[] c = new byte[256];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x00011b36);
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_IO | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST | PciRegs.PCI_STATUS_66MHZ);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x06040000);
        put(c, PciRegs.PCI_HEADER_TYPE, 1, PciRegs.PCI_HEADER_TYPE_BRIDGE);
        put(c, PciRegs.PCI_BASE_ADDRESS_0, 4, 0xfe005004);
        put(c, PciRegs.PCI_PRIMARY_BUS, 4, 0x00040400);
        put(c, PciRegs.PCI_IO_BASE, 2, 0xc0c0);
        put(c, PciRegs.PCI_MEMORY_BASE, 4, 0xfd90fd80);
        // a 64-bit prefetchable window left closed: base above limit
        put(c, PciRegs.PCI_PREF_MEMORY_BASE, 4, 0x0001fff1);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x4c);
        put(c, PciRegs.PCI_INTERRUPT_LINE, 1, 11);
        put(c, PciRegs.PCI_INTERRUPT_PIN, 1, 1);
        put(c, 0x4c, 4, PciRegs.PCI_CAP_ID_MSI | 0x48 << 8 | (PciRegs.PCI_MSI_FLAGS_64BIT | PciRegs.PCI_MSI_FLAGS_MASKBIT) << 16);
        put(c, 0x48, 4, PciRegs.PCI_CAP_ID_SLOTID | 0x40 << 8 | PciRegs.PCI_SID_ESR_FIC << 16 | 4 << 24);
        put(c, 0x40, 4, PciRegs.PCI_CAP_ID_SHPC);
        return new PciDeviceInfo(new PciAddress(0, 0, 6, 0), new PciIds(0x1b36, 0x0001, 0, 0, 0x060400, 0), c,
                List.of(new PciDeviceInfo.Region(0, 256, false, false, true)), Optional.empty(), Optional.empty());
    }

    @Test
    void aBridgeWithoutTheKernelsViewShowsItsRegistersAndTheInterruptLine() {
        assertEquals("""
                00:06.0 0604: 1b36:0001
                \tFlags: bus master, 66MHz, fast devsel, latency 0, IRQ 11
                \tMemory at fe005000 (64-bit, non-prefetchable) [size=256]
                \tBus: primary=00, secondary=04, subordinate=04, sec-latency=0
                \tI/O behind bridge: c000-cfff [size=4K] [16-bit]
                \tMemory behind bridge: fd800000-fd9fffff [size=2M] [32-bit]
                \tPrefetchable memory behind bridge: [disabled] [64-bit]
                \tCapabilities: [4c] MSI: Enable- Count=1/1 Maskable+ 64bit+
                \tCapabilities: [48] Slot ID: 0 slots, First+, chassis 04
                \tCapabilities: [40] Hot-plug capable

                """, run(List.of(pciBridge()), "-n", "-v"));
    }

    /** A virtio device's vendor capabilities and an AHCI controller's SATA capability, first lines. */
    @Test
    void virtioAndSataCapabilities() {
        byte[] c = new byte[256];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x10051af4);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x40);
        put(c, 0x40, 4, PciRegs.PCI_CAP_ID_VNDR | 0x50 << 8 | 16 << 16 | 1 << 24);
        put(c, 0x50, 4, PciRegs.PCI_CAP_ID_VNDR | 0x60 << 8 | 20 << 16 | 2 << 24);
        put(c, 0x60, 4, PciRegs.PCI_CAP_ID_VNDR | 0x70 << 8 | 16 << 16 | 5 << 24);
        put(c, 0x70, 4, PciRegs.PCI_CAP_ID_VNDR | 0x80 << 8 | 8 << 16 | 3 << 24);
        put(c, 0x80, 4, PciRegs.PCI_CAP_ID_SATA | 0x10 << 16);
        PciDeviceInfo d = new PciDeviceInfo(new PciAddress(0, 0, 7, 0), new PciIds(0x1af4, 0x1005, 0, 0, 0x00ff00, 0), c,
                List.of(), Optional.empty(), Optional.empty());
        assertEquals("""
                00:07.0 00ff: 1af4:1005
                \tFlags: fast devsel
                \tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg
                \tCapabilities: [50] Vendor Specific Information: VirtIO: Notify
                \tCapabilities: [60] Vendor Specific Information: VirtIO: <unknown>
                \tCapabilities: [70] Vendor Specific Information: Len=08 <?>
                \tCapabilities: [80] SATA HBA v1.0

                """, run(List.of(d), "-n", "-v"));
    }

    @Test
    void kernelModulesAreEveryMatchingModuleOnceInFileOrder() {
        LsKernel k = LsKernel.of(ALIASES + "alias pci:v*d*sv*sd*bc01sc08i* nvme_other\n");
        assertEquals(List.of("nvme", "nvme_other"), k.modules("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"));
        assertEquals(List.of(), k.modules("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00"));
        assertEquals(List.of(), new LsKernel(null).modules("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"));
    }
}
