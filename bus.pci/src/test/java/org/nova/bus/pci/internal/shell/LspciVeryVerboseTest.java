package org.nova.bus.pci.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.nova.bus.pci.internal.shell.LspciTest.put;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciIds;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.SysfsPciDevice;
import org.nova.hw.SysfsPciDevice.Resource;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * {@code lspci -vv}: the header's Control, Status, Latency and Interrupt lines, Region numbers,
 * a bridge's secondary status and BridgeCtl, and the detail lines of Power Management, MSI,
 * MSI-X, VirtIO and SATA. The expected texts are pciutils' for the same functions in the QEMU
 * guest of LspciQemuIT (numbers for names).
 */
class LspciVeryVerboseTest {
    private static String run(List<PciDeviceInfo> devs, String... args) {
        return Lspci.format(devs, Lspci.parse(args), PciNames.empty(), LsKernel.of(""));
    }

    @Test
    void aBridgeAtVerbosityTwo() {
        PciDeviceInfo b = LspciKernelViewTest.pciBridge();
        byte[] c = b.config();
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_IO | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER
                | PciRegs.PCI_COMMAND_SERR);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST | PciRegs.PCI_STATUS_66MHZ | PciRegs.PCI_STATUS_FAST_BACK);
        put(c, PciRegs.PCI_SEC_STATUS, 2, PciRegs.PCI_STATUS_66MHZ | PciRegs.PCI_STATUS_FAST_BACK);
        put(c, PciRegs.PCI_BRIDGE_CONTROL, 2, PciRegs.PCI_BRIDGE_CTL_SERR);
        put(c, PciRegs.PCI_PREF_MEMORY_BASE, 4, 0xfe31fe21);
        PciDeviceInfo bridge = new PciDeviceInfo(b.address(), b.ids(), c, b.regions(), Optional.empty(), Optional.empty());
        assertEquals("""
                00:06.0 0604: 1b36:0001
                \tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx-
                \tStatus: Cap+ 66MHz+ UDF- FastB2B+ ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tLatency: 0
                \tInterrupt: pin A routed to IRQ 11
                \tRegion 0: Memory at fe005000 (64-bit, non-prefetchable) [size=256]
                \tBus: primary=00, secondary=04, subordinate=04, sec-latency=0
                \tI/O behind bridge: c000-cfff [size=4K] [16-bit]
                \tMemory behind bridge: fd800000-fd9fffff [size=2M] [32-bit]
                \tPrefetchable memory behind bridge: 00000000fe200000-00000000fe3fffff [size=2M] [64-bit]
                \tSecondary status: 66MHz+ FastB2B+ ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- <SERR- <PERR-
                \tBridgeCtl: Parity- SERR+ NoISA- VGA- VGA16- MAbort- >Reset- FastB2B-
                \t\tPriDiscTmr- SecDiscTmr- DiscTmrStat- DiscTmrSERREn-
                \tCapabilities: [4c] MSI: Enable- Count=1/1 Maskable+ 64bit+
                \t\tAddress: 0000000000000000  Data: 0000
                \t\tMasking: 00000000  Pending: 00000000
                \tCapabilities: [48] Slot ID: 0 slots, First+, chassis 04
                \tCapabilities: [40] Hot-plug capable

                """, run(List.of(bridge), "-n", "-vv"));
    }

    /** QEMU's ICH9 AHCI at 00:1f.2 as the guest's kernel shows it. */
    @Test
    void anAhciControllerWithTheKernelsView() {
        byte[] c = new byte[256];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x29228086);
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_IO | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER
                | PciRegs.PCI_COMMAND_SERR | PciRegs.PCI_COMMAND_INTX_DISABLE);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_REVISION_ID, 4, 0x01060102);
        put(c, PciRegs.PCI_BASE_ADDRESS_0 + 16, 4, 0xe0a1);
        put(c, PciRegs.PCI_BASE_ADDRESS_0 + 20, 4, 0xfe007000);
        put(c, PciRegs.PCI_SUBSYSTEM_VENDOR_ID, 4, 0x11001af4);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x80);
        put(c, PciRegs.PCI_INTERRUPT_LINE, 1, 10);
        put(c, PciRegs.PCI_INTERRUPT_PIN, 1, 1);
        put(c, 0x80, 4, PciRegs.PCI_CAP_ID_MSI | 0xa8 << 8 | (PciRegs.PCI_MSI_FLAGS_ENABLE | PciRegs.PCI_MSI_FLAGS_64BIT) << 16);
        put(c, 0x84, 4, 0xfee00498);
        put(c, 0xa8, 4, PciRegs.PCI_CAP_ID_SATA | 0x10 << 16);
        put(c, 0xac, 4, 0x00000048);
        SysfsPciDevice sysfs = new SysfsPciDevice(41, SysfsPciDevice.NO_NUMA_NODE, List.of(Resource.NONE, Resource.NONE,
                Resource.NONE, Resource.NONE, new Resource(0xe0a0, 0xe0bf, 0x40101),
                new Resource(0xfe007000L, 0xfe007fffL, 0x40200), Resource.NONE), Optional.of("ahci"), Optional.of("8"),
                Optional.empty(), Optional.empty());
        PciDeviceInfo ahci = new PciDeviceInfo(new PciAddress(0, 0, 0x1f, 2), new PciIds(0x8086, 0x2922, 0x1af4, 0x1100,
                0x010601, 2), c, List.of(), Optional.empty(), Optional.empty(), Optional.of(sysfs));
        assertEquals("""
                00:1f.2 0106: 8086:2922 (rev 02) (prog-if 01)
                \tSubsystem: 1af4:1100
                \tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx+
                \tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tLatency: 0
                \tInterrupt: pin A routed to IRQ 41
                \tIOMMU group: 8
                \tRegion 4: I/O ports at e0a0 [size=32]
                \tRegion 5: Memory at fe007000 (32-bit, non-prefetchable) [size=4K]
                \tCapabilities: [80] MSI: Enable+ Count=1/1 Maskable- 64bit+
                \t\tAddress: 00000000fee00498  Data: 0000
                \tCapabilities: [a8] SATA HBA v1.0 BAR4 Offset=00000004
                \tKernel driver in use: ahci

                """, run(List.of(ahci), "-n", "-vv"));
    }

    /** A virtio-9p function: MSI-X's table and PBA, the virtio structures' BAR, offset, size and notify multiplier. */
    @Test
    void msixAndVirtioDetails() {
        byte[] c = new byte[256];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x10091af4);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x98);
        put(c, 0x98, 4, PciRegs.PCI_CAP_ID_MSIX | 0x70 << 8 | (PciRegs.PCI_MSIX_FLAGS_ENABLE | 1) << 16);
        put(c, 0x9c, 4, 0x00000001);
        put(c, 0xa0, 4, 0x00000801);
        put(c, 0x70, 4, PciRegs.PCI_CAP_ID_VNDR | 0x40 << 8 | 20 << 16 | 2 << 24);
        put(c, 0x74, 1, 4);
        put(c, 0x78, 4, 0x3000);
        put(c, 0x7c, 4, 0x1000);
        put(c, 0x80, 4, 4);
        put(c, 0x40, 4, PciRegs.PCI_CAP_ID_VNDR | 16 << 16 | 1 << 24);
        put(c, 0x44, 1, 4);
        put(c, 0x4c, 4, 0x1000);
        PciDeviceInfo d = new PciDeviceInfo(new PciAddress(0, 0, 1, 0), new PciIds(0x1af4, 0x1009, 0, 0, 0x000200, 0), c,
                List.of(), Optional.empty(), Optional.empty());
        assertEquals("""
                00:01.0 0002: 1af4:1009
                \tControl: I/O- Mem- BusMaster- SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-
                \tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tCapabilities: [98] MSI-X: Enable+ Count=2 Masked-
                \t\tVector table: BAR=1 offset=00000000
                \t\tPBA: BAR=1 offset=00000800
                \tCapabilities: [70] Vendor Specific Information: VirtIO: Notify
                \t\tBAR=4 offset=00003000 size=00001000 multiplier=00000004
                \tCapabilities: [40] Vendor Specific Information: VirtIO: CommonCfg
                \t\tBAR=4 offset=00000000 size=00001000

                """, run(List.of(d), "-n", "-vv"));
    }

    /** e1000e's Power Management capability, the extended capabilities' versions, and a latency with Min_Gnt/Max_Lat. */
    @Test
    void powerManagementAndExtendedCapabilityVersions() {
        byte[] c = new byte[4096];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x10d38086);
        put(c, PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_MASTER);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_CACHE_LINE_SIZE, 1, 0x10);
        put(c, PciRegs.PCI_MIN_GNT, 1, 2);
        put(c, PciRegs.PCI_MAX_LAT, 1, 4);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0xc8);
        put(c, 0xc8, 4, PciRegs.PCI_CAP_ID_PM | 0xe0 << 8 | (2 | PciRegs.PCI_PM_CAP_DSI | PciRegs.PCI_PM_CAP_PME_D0
                | PciRegs.PCI_PM_CAP_PME_D3HOT) << 16);
        put(c, 0xcc, 2, PciRegs.PCI_PM_CTRL_NO_SOFT_RESET | PciRegs.PCI_PM_CTRL_PME_STATUS);
        put(c, 0xe0, 4, PciRegs.PCI_CAP_ID_EXP | 0x0002 << 16);
        put(c, 0x100, 4, PciRegs.PCI_EXT_CAP_ID_ERR | 2 << 16 | 0x140 << 20);
        put(c, 0x140, 4, PciRegs.PCI_EXT_CAP_ID_DSN | 1 << 16);
        put(c, 0x144, 4, 0x12345678);
        put(c, 0x148, 4, 0x9abcdef0);
        PciDeviceInfo d = new PciDeviceInfo(new PciAddress(0, 1, 0, 0), new PciIds(0x8086, 0x10d3, 0, 0, 0x020000, 0), c,
                List.of(), Optional.empty(), Optional.empty());
        assertEquals("""
                01:00.0 0200: 8086:10d3
                \tControl: I/O- Mem- BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-
                \tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-
                \tLatency: 0 (500ns min, 1000ns max), Cache Line Size: 64 bytes
                \tCapabilities: [c8] Power Management version 2
                \t\tFlags: PMEClk- DSI+ D1- D2- AuxCurrent=0mA PME(D0+,D1-,D2-,D3hot+,D3cold-)
                \t\tStatus: D0 NoSoftRst+ PME-Enable- DSel=0 DScale=0 PME+
                \tCapabilities: [e0] Express (v2) Endpoint, IntMsgNum 0
                \tCapabilities: [100 v2] Advanced Error Reporting
                \tCapabilities: [140 v1] Device Serial Number 9a-bc-de-f0-12-34-56-78

                """, run(List.of(d), "-n", "-vv"));
    }

    /** The ARI and ACS detail lines, as pciutils printed them for QEMU's NVMe and root ports. */
    @Test
    void ariAndAcsDetails() {
        byte[] c = new byte[4096];
        put(c, PciRegs.PCI_VENDOR_ID, 4, 0x00101b36);
        put(c, PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
        put(c, PciRegs.PCI_CAPABILITY_LIST, 1, 0x80);
        put(c, 0x80, 4, PciRegs.PCI_CAP_ID_EXP | 0x0002 << 16);
        put(c, 0x100, 4, PciRegs.PCI_EXT_CAP_ID_ARI | 1 << 16 | 0x148 << 20);
        put(c, 0x104, 4, 1 << 8 | 2 << 16 | PciRegs.PCI_ARI_ACS << 16);
        put(c, 0x148, 4, PciRegs.PCI_EXT_CAP_ID_ACS | 1 << 16);
        put(c, 0x14c, 4, 0x5f | (PciRegs.PCI_ACS_SV | PciRegs.PCI_ACS_RR | PciRegs.PCI_ACS_CR | PciRegs.PCI_ACS_UF) << 16);
        PciDeviceInfo d = new PciDeviceInfo(new PciAddress(0, 2, 0, 0), new PciIds(0x1b36, 0x0010, 0, 0, 0x010802, 2), c,
                List.of(), Optional.empty(), Optional.empty());
        String out = run(List.of(d), "-n", "-vv");
        assertEquals("""
                	Capabilities: [100 v1] Alternative Routing-ID Interpretation (ARI)
                		ARICap:	MFVC- ACS-, Next Function: 1
                		ARICtl:	MFVC- ACS+, Function Group: 0
                	Capabilities: [148 v1] Access Control Services
                		ACSCap:	SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+
                		ACSCtl:	SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-
                """, out.substring(out.indexOf("\tCapabilities: [100"), out.lastIndexOf("\n\n") + 1));
    }

    @Test
    void moreThanTwoVsIsRefused() {
        DriverException e = assertThrows(DriverException.class, () -> Lspci.parse("-vvv"));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
