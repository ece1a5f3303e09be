package org.nova.hw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.config.ConfigStatus;
import org.nova.hw.DmaDirection;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.IrqType;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.SysfsPciDevice;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The read-only host backend over a fake sysfs tree in a temporary directory. */
class HostBackendTest {
    @TempDir
    Path root;
    HostSysfs sysfs;

    static final PciAddress EDU = PciAddress.parse("0000:00:03.0");
    static final PciAddress NVME = PciAddress.parse("0000:00:04.0");
    static final PciAddress VF = PciAddress.parse("0000:00:04.1");
    static final PciAddress OTHER_DOMAIN = PciAddress.parse("0001:02:00.0");

    @BeforeEach
    void tree() throws IOException {
        Path devices = root.resolve("bus/pci/devices");
        Files.createDirectories(devices);
        // edu: full 256-byte config space (as root sees it), MSI capability at 0x40 (2 vectors), pin A
        byte[] edu = new byte[256];
        le(edu, 0x00, 0x11e81234, 4);
        le(edu, 0x06, 0x0010, 2);
        le(edu, 0x08, 0x00ff0010, 4);
        le(edu, 0x10, 0xfea00000, 4);
        edu[0x34] = 0x40;
        edu[0x3d] = 1;
        edu[0x40] = 0x05;
        le(edu, 0x42, 0x0002, 2);
        function(EDU, edu, List.of(
                "0x00000000fea00000 0x00000000feafffff 0x0000000000040200",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000"), 256, "vfio-pci");
        // nvme: 4096-byte config space of which an unprivileged reader gets 64 bytes (the kernel's short read)
        byte[] nvme = new byte[64];
        le(nvme, 0x00, 0x00101b36, 4);
        le(nvme, 0x08, 0x01080202, 4);
        function(NVME, nvme, List.of(
                "0x0000000800000000 0x0000000800003fff 0x000000000014220c",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x000000000000c000 0x000000000000c0ff 0x0000000000040101",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x0000000000000000 0x0000000000000000 0x0000000000000000",
                "0x00000000feb00000 0x00000000feb3ffff 0x0000000000046200"), 4096, "nvme");
        byte[] vf = new byte[64];
        le(vf, 0x00, 0x00101b36, 4);
        function(VF, vf, List.of(), 256, null);
        Files.createSymbolicLink(devices.resolve(VF.toString()).resolve("physfn"), Path.of("../" + NVME));
        byte[] other = new byte[64];
        le(other, 0x00, 0x10fb8086, 4);
        function(OTHER_DOMAIN, other, List.of(), 256, null);
        Files.createDirectories(devices.resolve("not-a-function"));
        sysfs = new HostSysfs(root);
    }

    private void function(PciAddress a, byte[] config, List<String> resources, int size, String driver) throws IOException {
        Path d = root.resolve("bus/pci/devices").resolve(a.toString());
        Files.createDirectories(d);
        byte[] file = config;
        Files.write(d.resolve("config"), file);
        // sysfs reports the config space size (256 or 4096) as the file size and gives an unprivileged
        // reader a short read; here a short file stands for the short read
        Files.write(d.resolve("resource"), resources);
        if (driver != null) {
            Files.createDirectories(root.resolve("bus/pci/drivers").resolve(driver));
            Files.createSymbolicLink(d.resolve("driver"), root.resolve("bus/pci/drivers").resolve(driver));
        }
    }

    private static void le(byte[] b, int off, int v, int width) {
        for (int i = 0; i < width; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    @Test
    void oneBridgePerDomainInAddressOrder() {
        List<HostPciBridge> bridges = HostPciBridge.scan(sysfs);
        assertEquals(2, bridges.size());
        assertEquals("host0000", bridges.get(0).name());
        assertEquals("host", bridges.get(0).backend());
        assertEquals(List.of(EDU, NVME, VF), bridges.get(0).functions().stream().map(PciFunction::address).toList());
        assertEquals("host0001", bridges.get(1).name());
        assertEquals(1, bridges.get(1).domain());
        assertEquals(List.of(OTHER_DOMAIN), bridges.get(1).functions().stream().map(PciFunction::address).toList());
    }

    private PciFunction fn(PciAddress a) {
        for (HostPciBridge b : HostPciBridge.scan(sysfs)) {
            Optional<PciFunction> f = b.function(a);
            if (f.isPresent()) {
                return f.get();
            }
        }
        throw new AssertionError(a);
    }

    @Test
    void configReadsComeFromTheConfigFile() {
        PciFunction f = fn(EDU);
        assertEquals(0x1234, f.readConfig(0, 2));
        assertEquals(0x11e8, f.readConfig(2, 2));
        assertEquals(0x00ff0010, f.readConfig(8, 4));
        assertEquals(0x10, f.readConfig(8, 1));
        assertEquals(256, f.configSize());
        assertTrue(f.model().contains("1234:11e8") && f.model().contains("vfio-pci"), f.model());
        assertThrows(HwException.class, () -> f.readConfig(1, 2));
        HwException range = assertThrows(HwException.class, () -> f.readConfig(256, 4));
        assertEquals(HwException.ERANGE, range.errno());
    }

    @Test
    void bytesTheKernelDoesNotShowReadAsZero() {
        PciFunction f = fn(NVME);
        assertEquals(0x00101b36, f.readConfig(0, 4));
        assertEquals(0, f.readConfig(0x40, 4));
        assertEquals(0, f.readConfig(0xfc, 4));
    }

    @Test
    void regionsFromTheResourceFile() {
        PciFunction edu = fn(EDU);
        RegionInfo bar0 = edu.region(0).orElseThrow();
        assertEquals(1 << 20, bar0.size());
        assertEquals(EnumSet.of(RegionFlag.MEMORY, RegionFlag.READ), bar0.flags());
        assertTrue(edu.region(1).isEmpty());
        assertTrue(edu.region(RegionInfo.ROM_INDEX).isEmpty());
        PciFunction nvme = fn(NVME);
        RegionInfo r0 = nvme.region(0).orElseThrow();
        assertEquals(0x4000, r0.size());
        assertTrue(r0.has(RegionFlag.MEM64) && r0.has(RegionFlag.PREFETCHABLE), r0.toString());
        RegionInfo io = nvme.region(2).orElseThrow();
        assertEquals(0x100, io.size());
        assertTrue(io.has(RegionFlag.IO));
        assertEquals(0x40000, nvme.region(RegionInfo.ROM_INDEX).orElseThrow().size());
        assertTrue(fn(VF).region(0).isEmpty());
        assertThrows(HwException.class, () -> edu.region(7));
    }

    @Test
    void aConfigBlockIsOneReadOfTheConfigFile() throws IOException {
        PciFunction edu = fn(EDU);
        byte[] all = edu.readConfigBlock(0, 256);
        assertEquals(0x34, all[0] & 0xff);
        assertEquals(0x12, all[1] & 0xff);
        assertEquals(0x40, all[0x34] & 0xff);
        byte[] part = edu.readConfigBlock(0x40, 8);
        assertEquals(0x05, part[0]);
        assertEquals(8, part.length);
        // a short read (what an unprivileged reader gets; here a short file) leaves the rest zero
        byte[] nvme = fn(NVME).readConfigBlock(0, 256);
        assertEquals(0x36, nvme[0] & 0xff);
        assertEquals(0, nvme[0x40]);
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> edu.readConfigBlock(2, 4)).errno());
        assertEquals(HwException.ERANGE, assertThrows(HwException.class, () -> edu.readConfigBlock(0, 260)).errno());
        // the block is read when asked: a second listing sees a changed device
        Path config = root.resolve("bus/pci/devices").resolve(EDU.toString()).resolve("config");
        byte[] changed = Files.readAllBytes(config);
        changed[0x04] = 0x02;
        Files.write(config, changed);
        assertEquals(0x02, edu.readConfigBlock(0, 8)[4]);
    }

    @Test
    void theKernelsViewComesFromTheAttributesPciutilsReads() throws IOException {
        Path devices = root.resolve("bus/pci/devices");
        Path nvmeDir = devices.resolve(NVME.toString());
        Files.writeString(nvmeDir.resolve("irq"), "20\n");
        Files.writeString(nvmeDir.resolve("numa_node"), "-1\n");
        Files.writeString(nvmeDir.resolve("modalias"), "pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02\n");
        Files.createDirectories(root.resolve("kernel/iommu_groups/10"));
        Files.createSymbolicLink(nvmeDir.resolve("iommu_group"), root.resolve("kernel/iommu_groups/10"));
        // pciehp's slot of the root port above: its address names domain, bus and device
        Files.createDirectories(root.resolve("bus/pci/slots/0-2"));
        Files.writeString(root.resolve("bus/pci/slots/0-2/address"), "0000:00:04\n");
        Files.createDirectories(root.resolve("bus/pci/slots/7"));
        Files.writeString(root.resolve("bus/pci/slots/7/address"), "0000:00:07\n");

        SysfsPciDevice k = fn(NVME).sysfs().orElseThrow();
        assertEquals(20, k.irq());
        assertEquals(SysfsPciDevice.NO_NUMA_NODE, k.numaNode());
        assertEquals(Optional.of("nvme"), k.driver());
        assertEquals(Optional.of("10"), k.iommuGroup());
        assertEquals(Optional.of("0-2"), k.physicalSlot());
        assertEquals(Optional.of("pci:v00001B36d00000010sv00001AF4sd00001100bc01sc08i02"), k.modalias());
        assertEquals(7, k.resources().size());
        assertEquals(new SysfsPciDevice.Resource(0x800000000L, 0x800003fffL, 0x14220cL), k.resource(0));
        assertEquals(0x4000, k.resource(0).size());
        assertEquals(0, k.resource(1).size());
        assertEquals(SysfsPciDevice.Resource.NONE, k.resource(16));

        // a function the kernel shows without irq, numa_node, links or slot (the VF here)
        SysfsPciDevice vf = fn(VF).sysfs().orElseThrow();
        assertEquals(0, vf.irq());
        assertEquals(SysfsPciDevice.NO_NUMA_NODE, vf.numaNode());
        assertTrue(vf.driver().isEmpty() && vf.iommuGroup().isEmpty() && vf.modalias().isEmpty());
        assertEquals(Optional.of("0-2"), vf.physicalSlot(), "the slot names the device, every function of it");
        assertTrue(vf.resources().isEmpty());
    }

    @Test
    void sysfsNumbersAreReadAsStrtolReadsThem() {
        assertEquals(20, HostSysfs.parseInt("20\n"));
        assertEquals(-1, HostSysfs.parseInt("-1"));
        assertEquals(0x1f, HostSysfs.parseInt("0x1f"));
        assertEquals(8, HostSysfs.parseInt("010"));
        assertEquals(0, HostSysfs.parseInt("0"));
    }

    @Test
    void everyWriteMapIrqDmaAndResetIsRefusedWithErofsNamingTheFunction() {
        PciFunction f = fn(EDU);
        List<HwException> refused = new ArrayList<>();
        refused.add(assertThrows(HwException.class, () -> f.writeConfig(4, 2, 0x6)));
        refused.add(assertThrows(HwException.class, () -> f.map(0)));
        refused.add(assertThrows(HwException.class, () -> f.enableIrqs(IrqType.MSI, 1, v -> { })));
        refused.add(assertThrows(HwException.class, () -> f.allocateDma(4096, EnumSet.allOf(DmaDirection.class))));
        refused.add(assertThrows(HwException.class, f::reset));
        for (HwException e : refused) {
            assertEquals(HwException.EROFS, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(EDU.toString()) && e.getMessage().contains("read-only"), e.getMessage());
        }
        HwException noBar = assertThrows(HwException.class, () -> f.map(1));
        assertEquals(HwException.ENXIO, noBar.errno());
        assertEquals(0x1234, f.readConfig(0, 2), "nothing changed");
    }

    @Test
    void interruptCountsFromConfigSpace() {
        PciFunction f = fn(EDU);
        assertEquals(1, f.irqCount(IrqType.INTX));
        assertEquals(2, f.irqCount(IrqType.MSI));
        assertEquals(0, f.irqCount(IrqType.MSIX));
        assertTrue(f.sriov().isEmpty());
    }

    @Test
    void virtualFunctionFindsItsPhysicalFunction() {
        HostPciBridge b = HostPciBridge.scan(sysfs).get(0);
        assertEquals(NVME, b.function(VF).orElseThrow().physfn().orElseThrow().address());
        assertTrue(b.function(NVME).orElseThrow().physfn().isEmpty());
    }

    @Test
    void aRemovedFunctionAnswersEnodev() throws IOException {
        PciFunction f = fn(VF);
        Path d = root.resolve("bus/pci/devices").resolve(VF.toString());
        try (var s = Files.walk(d)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertFalse(f.isPresent());
        assertEquals(HwException.ENODEV, assertThrows(HwException.class, () -> f.readConfig(0, 4)).errno());
    }

    @Test
    void noPciBusNoBridge() {
        assertTrue(HostPciBridge.scan(new HostSysfs(root.resolve("nothing"))).isEmpty());
    }

    // ---- the component ---------------------------------------------------------------------------

    /** The HostBridge registrations (the answers are registered too, and kept apart). */
    private final List<Dictionary<String, ?>> registered = new ArrayList<>();
    private final List<Object> unregistered = new ArrayList<>();
    /** The latest properties of the backend's answer (ConfigStatus), or null. */
    private Dictionary<String, ?> answer;

    private BundleContext context(Map<String, String> frameworkProps) {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getProperty" -> frameworkProps.get((String) a[0]);
                    case "registerService" -> {
                        @SuppressWarnings("unchecked")
                        Dictionary<String, ?> props = (Dictionary<String, ?>) a[2];
                        boolean isAnswer = props.get(ConfigStatus.PID) != null;
                        if (isAnswer) {
                            answer = props;
                        } else {
                            registered.add(props);
                        }
                        yield Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                                (p2, m2, a2) -> {
                                    if (m2.getName().equals("unregister")) {
                                        if (isAnswer) {
                                            answer = null;
                                        } else {
                                            unregistered.add(props);
                                        }
                                    } else if (m2.getName().equals("setProperties") && isAnswer) {
                                        @SuppressWarnings("unchecked")
                                        Dictionary<String, ?> updated = (Dictionary<String, ?>) a2[0];
                                        answer = updated;
                                    }
                                    return null;
                                });
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static HostConfig config(boolean enabled) {
        return (HostConfig) Proxy.newProxyInstance(HostConfig.class.getClassLoader(), new Class<?>[] {HostConfig.class},
                (p, m, a) -> m.getName().equals("enabled") ? enabled : null);
    }

    @Test
    void disabledByDefault() {
        HostBackend be = new HostBackend(context(Map.of()), config(false), Map.of(), sysfs);
        assertFalse(be.enabled());
        assertTrue(registered.isEmpty());
    }

    @Test
    void frameworkPropertyEnablesWithoutConfiguration() {
        HostBackend be = new HostBackend(context(Map.of(HostBackend.PROP_ENABLED, "true")), config(false), Map.of(), sysfs);
        assertTrue(be.enabled());
        assertEquals(2, registered.size());
        assertEquals("host", registered.get(0).get(HostBridge.PROP_BACKEND));
        assertEquals("host0000", registered.get(0).get(HostBridge.PROP_BRIDGE));
        assertEquals(0, registered.get(0).get(HostBridge.PROP_DOMAIN));
        PciFunction f = be.bridges().get(0).function(EDU).orElseThrow();
        be.deactivate();
        assertEquals(2, unregistered.size());
        assertFalse(f.isPresent());
        assertEquals(HwException.ENODEV, assertThrows(HwException.class, () -> f.readConfig(0, 4)).errno());
    }

    @Test
    void configurationWinsOverTheFrameworkProperty() {
        Map<String, Object> props = new HashMap<>();
        props.put("service.pid", HostBackend.PID);
        HostBackend off = new HostBackend(context(Map.of(HostBackend.PROP_ENABLED, "true")), config(false), props, sysfs);
        assertFalse(off.enabled());
        assertTrue(registered.isEmpty());
        HostBackend on = new HostBackend(context(Map.of()), config(true), props, sysfs);
        assertTrue(on.enabled());
        assertEquals(2, registered.size());
        assertTrue(on.source().contains(HostBackend.PID));
    }

    @Test
    void everyStartIsAnswered() {
        HostBackend off = new HostBackend(context(Map.of()), config(false), Map.of(), sysfs);
        assertEquals(ConfigStatus.APPLIED, answer.get(ConfigStatus.STATE), "disabled is a configuration applied");
        assertEquals(HostBackend.PID, answer.get(ConfigStatus.PID), "without a configuration: its own PID");
        off.deactivate();
        assertEquals(null, answer, "deactivating withdraws the answer");
        Map<String, Object> props = new HashMap<>();
        props.put("service.pid", HostBackend.PID);
        HostBackend on = new HostBackend(context(Map.of()), config(true), props, sysfs);
        assertEquals(ConfigStatus.APPLIED, answer.get(ConfigStatus.STATE));
        assertEquals(ConfigStatus.APPLIED, on.status().state());
    }

    @Test
    void aHostWhoseFunctionsCannotBeListedIsRefusedAndRegistersNothing() throws IOException {
        // a config that cannot be read: a directory where sysfs has the file
        Path broken = root.resolve("bus/pci/devices").resolve("0000:00:09.0");
        Files.createDirectories(broken.resolve("config"));
        Map<String, Object> props = new HashMap<>();
        props.put("service.pid", HostBackend.PID);
        HostBackend be = new HostBackend(context(Map.of()), config(true), props, sysfs);
        assertTrue(registered.isEmpty());
        assertEquals(ConfigStatus.REFUSED, answer.get(ConfigStatus.STATE));
        assertEquals(HwException.EIO, answer.get(ConfigStatus.ERRNO));
        String reason = (String) answer.get(ConfigStatus.REASON);
        assertTrue(reason.startsWith("enabled: cannot list the host's PCI functions: 0000:00:09.0"), reason);
        assertEquals("EIO: " + reason, be.status().refusal());
    }
}
