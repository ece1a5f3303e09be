package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciIds;
import org.nova.driver.Device;
import org.nova.driver.Errno;
import org.nova.hw.HostBridge;
import org.nova.hw.IommuFault;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The default simulated platform with the samples, as the issue's "done when" states it: lspci
 * shows QEMU's pci-testdev twice and edu (with names from pci.ids when the system has it), the
 * sample drivers are bound, edu passes its self-test through the shell and its DMA to an unmapped
 * IOVA leaves an IOMMU fault, and a device without SR-IOV refuses sriov_numvfs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DefaultPlatformIT extends PciItSupport {
    /** Where Debian's pci.ids package puts the database (the first place pciutils looks). */
    private static final Path PCI_IDS = Path.of("/usr/share/misc/pci.ids");

    @Configuration
    public Option[] config() {
        return options();
    }

    @Before
    public void samplesBound() {
        awaitSamplesBound();
    }

    @Test
    public void theListingShowsTwoPciTestdevsAndEdu() {
        List<PciDeviceInfo> all = pci.devices();
        // the default platform has more (simulated GPUs); these are QEMU's
        List<PciDeviceInfo> infos = all.stream().filter(DefaultPlatformIT::isQemuModel).toList();
        Map<String, PciIds> bySlot = new TreeMap<>();
        for (PciDeviceInfo i : infos) {
            bySlot.put(i.name(), i.ids());
        }
        assertEquals(bySlot.toString(), List.of(TESTDEV, EDU, TESTDEV_AUX), new ArrayList<>(bySlot.keySet()));
        assertEquals(2, infos.stream().filter(i -> i.ids().vendor() == VENDOR_REDHAT
                && i.ids().device() == DEVICE_REDHAT_TEST).count());
        assertEquals(1, infos.stream().filter(i -> i.ids().vendor() == VENDOR_EDU
                && i.ids().device() == DEVICE_EDU).count());
        // the second pci-testdev's board straps subsystem 1b36:0005; the first keeps QEMU's 1af4:1100
        assertEquals(VENDOR_REDHAT, bySlot.get(TESTDEV_AUX).subsystemVendor());
        assertEquals(DEVICE_REDHAT_TEST, bySlot.get(TESTDEV_AUX).subsystemDevice());
        assertEquals(0x1af4, bySlot.get(TESTDEV).subsystemVendor());
        assertEquals(0x1100, bySlot.get(TESTDEV).subsystemDevice());
        // the config bytes of the snapshot say the same as the ids
        for (PciDeviceInfo i : infos) {
            assertEquals(i.name(), i.ids().vendor(), i.configWord(0x00));
            assertEquals(i.name(), i.ids().device(), i.configWord(0x02));
            assertEquals(i.name(), i.ids().classCode(), i.configDword(0x08) >>> 8);
            assertEquals(i.name(), 0x00ff00, i.ids().classCode()); // PCI_CLASS_OTHERS, as QEMU
            assertTrue(i.name() + " has BAR0", i.regions().stream().anyMatch(r -> r.index() == 0 && r.size() > 0));
        }
        // the backend's own view: the three functions behind sim0
        HostBridge sim0 = bridge(SIM0);
        assertEquals(SIM0, sim0.name());
        assertEquals("sim", sim0.backend());
        assertEquals(0, sim0.domain());
        assertEquals("the bus lists what the bridge has", all.stream().map(PciDeviceInfo::name).toList(),
                sim0.functions().stream().map(f -> f.address().toString()).toList());
        assertTrue(all.stream().map(PciDeviceInfo::name).toList().containsAll(List.of(TESTDEV, EDU, TESTDEV_AUX)));
        // the bus finds a function by its slot name, with or without the domain
        assertEquals(EDU, pci.device("00:03.0").orElseThrow().slot());
        assertTrue(pci.device(EDU).orElseThrow() == pci.device("00:03.0").orElseThrow());
        assertTrue(pci.device("00:1f.7").isEmpty());
        assertTrue(pci.device("not a slot").isEmpty());
        assertEquals("QEMU pci-testdev", sim0.function(PciAddress.parse(TESTDEV)).orElseThrow().model());
        assertEquals("QEMU edu", sim0.function(PciAddress.parse(EDU)).orElseThrow().model());
    }

    private static boolean isQemuModel(PciDeviceInfo i) {
        return i.ids().vendor() == VENDOR_REDHAT && i.ids().device() == DEVICE_REDHAT_TEST
                || i.ids().vendor() == VENDOR_EDU && i.ids().device() == DEVICE_EDU;
    }

    /** @return the lines of an lspci output that start with one of the slots, in output order */
    private static List<String> linesOf(String out, String... slots) {
        return lines(out).stream().filter(l -> Arrays.stream(slots).anyMatch(s -> l.startsWith(s + " "))).toList();
    }

    @Test
    public void theSamplesAreBound() throws Exception {
        Map<String, String> bound = bindings();
        for (Map.Entry<String, String> e : SAMPLE_BINDINGS.entrySet()) {
            assertEquals(e.getKey() + " in " + bound, e.getValue(), bound.get(e.getKey()));
        }
        // the auxiliary devices are children of the PCI parent, which knows its ids
        for (String aux : List.of(AUX0, AUX1)) {
            Device d = auxBus().device(aux).orElseThrow();
            assertEquals(TESTDEV_AUX, d.parent().orElseThrow().name());
            PciDevice parent = d.parent().get().busData(PciDevice.class);
            assertEquals(VENDOR_REDHAT, parent.vendorId());
        }

        // the uevent environment: the kernel's pci_uevent and auxiliary_uevent variables
        Map<String, String> env = pciBus().device(TESTDEV).orElseThrow().ueventEnv();
        assertEquals("pci:v00001B36d00000005sv00001AF4sd00001100bc00scFFi00", env.get("MODALIAS"));
        assertEquals("1B36:0005", env.get("PCI_ID"));
        assertEquals("1AF4:1100", env.get("PCI_SUBSYS_ID"));
        assertEquals("FF00", env.get("PCI_CLASS"));
        assertEquals(TESTDEV, env.get("PCI_SLOT_NAME"));
        assertEquals("pci", env.get("SUBSYSTEM"));
        assertEquals(RUST_DRIVER_PCI, env.get("DRIVER"));
        assertEquals("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00",
                pciBus().device(EDU).orElseThrow().ueventEnv().get("MODALIAS"));
        assertEquals("pci:v00001B36d00000005sv00001B36sd00000005bc00scFFi00",
                pciBus().device(TESTDEV_AUX).orElseThrow().ueventEnv().get("MODALIAS"));
        assertEquals("auxiliary:" + AUX_PARENT + ".auxiliary", auxBus().device(AUX0).orElseThrow().ueventEnv().get("MODALIAS"));

        // drv:devices: BUS DEVICE DRIVER STATE PARENT DEVRES
        List<String> devices = lines(shell("drv:devices"));
        assertEquals(List.of("BUS", "DEVICE", "DRIVER", "STATE", "PARENT", "DEVRES"), words(devices.get(0)));
        assertRow(devices, "pci", TESTDEV, RUST_DRIVER_PCI, "bound", "-");
        assertRow(devices, "pci", EDU, EDU_SAMPLE, "bound", "-");
        assertRow(devices, "pci", TESTDEV_AUX, AUX_PARENT, "bound", "-");
        assertRow(devices, AUXILIARY, AUX0, AUX_DRIVER, "bound", TESTDEV_AUX);
        assertRow(devices, AUXILIARY, AUX1, AUX_DRIVER, "bound", TESTDEV_AUX);

        // samples:status: what each probe saw
        String status = shell("samples:status");
        assertTrue(status, status.contains(RUST_DRIVER_PCI + " " + TESTDEV
                + ": test 0 offset 0x800 data 0xfa data-match count 1"));
        for (String check : List.of("identification", "liveness", "factorial", "dma")) {
            assertTrue(status, status.contains(EDU_SAMPLE + " " + EDU + ": PASS " + check + ":"));
        }
        assertFalse(status, status.contains("FAIL"));
        assertTrue(status, status.contains(AUX0 + ": parent " + TESTDEV_AUX + " 1b36:0005 data index 0"));
        assertTrue(status, status.contains(AUX1 + ": parent " + TESTDEV_AUX + " 1b36:0005 data index 1"));
    }

    @Test
    public void eduSelftestThroughTheShellLeavesAnIommuFault() throws Exception {
        PciFunction edu = function(SIM0, EDU);
        Instant before = Instant.now();
        int devres = core.devres().liveForDevice(EDU);

        String out = shell("samples:edu " + EDU);

        List<String> checks = lines(out);
        assertEquals(out, 8, checks.size());
        assertTrue(out, checks.get(0).startsWith("PASS identification: 0x010000ed (edu 1.0)"));
        assertEquals("PASS liveness: wrote 0x12345678 read 0xedcba987", checks.get(1));
        assertTrue(out, checks.get(2).startsWith("PASS factorial: 12! = 479001600, completion interrupt 0x1 on "));
        assertTrue(out, checks.get(3).matches("PASS dma: 2048 bytes RAM -> edu -> RAM at iova 0x[0-9a-f]+, identical, "
                + "completion interrupt 0x100"));
        Matcher m = Pattern.compile("PASS dma-unmapped: edu -> RAM to unmapped iova 0x([0-9a-f]+) issued")
                .matcher(checks.get(4));
        assertTrue(out, m.find());
        long iova = Long.parseUnsignedLong(m.group(1), 16);
        Matcher ro = Pattern.compile("PASS dma-readonly: 2048 bytes edu read from the read-only iova 0x([0-9a-f]+); its write"
                + " into it was blocked, the buffer is unchanged").matcher(checks.get(5));
        assertTrue(out, ro.find());
        long readOnly = Long.parseUnsignedLong(ro.group(1), 16);
        // scatter-gather: 3 entries coalesced into 2 DMA segments, 4 reversed pages into 2, copied
        // segment by segment through edu, and edu's write into the TO_DEVICE table refused
        Matcher sg = Pattern.compile("PASS dma-sg: 16384 bytes: 3 sg entries -> 2 DMA segments \\[0x([0-9a-f]+)\\+8192, "
                + "0x[0-9a-f]+\\+8192\\], into 4 entries -> 2 segments \\[0x[0-9a-f]+\\+8192, 0x[0-9a-f]+\\+8192\\], "
                + "RAM -> edu -> RAM identical; edu's write into the TO_DEVICE table was blocked").matcher(checks.get(6));
        assertTrue(out, sg.matches());
        long sgReadOnly = Long.parseUnsignedLong(sg.group(1), 16);
        assertEquals("PASS intx: 2 of 2 interrupts raised through IRQ_RAISE arrived on INTx; back on MSI", checks.get(7));

        // the IOMMU refused the device's write and recorded it against edu
        List<IommuFault> faults = edu.iommuFaults().stream()
                .filter(f -> !f.time().isBefore(before) && f.iova() == iova).toList();
        assertFalse("no IOMMU fault at 0x" + Long.toHexString(iova) + " in " + edu.iommuFaults(), faults.isEmpty());
        IommuFault f = faults.get(0);
        assertEquals(PciAddress.parse(EDU), f.address());
        assertTrue("a device write to host memory", f.write());
        assertNotNull(f.reason());
        // and the write into the read-only buffer, as a write to a page mapped read-only
        assertTrue("no read-only IOMMU fault at 0x" + Long.toHexString(readOnly) + " in " + edu.iommuFaults(),
                edu.iommuFaults().stream().anyMatch(r -> !r.time().isBefore(before) && r.iova() == readOnly && r.write()
                        && r.reason().contains("read-only")));
        // and the write into the scatter-gather table mapped TO_DEVICE
        assertTrue("no read-only IOMMU fault at 0x" + Long.toHexString(sgReadOnly) + " in " + edu.iommuFaults(),
                edu.iommuFaults().stream().anyMatch(r -> !r.time().isBefore(before) && r.iova() == sgReadOnly && r.write()
                        && r.reason().contains("read-only")));
        // and no other QEMU device saw a fault
        for (String slot : List.of(TESTDEV, TESTDEV_AUX)) {
            assertEquals(slot + " faults", List.of(), function(SIM0, slot).iommuFaults());
        }
        // the self-test's buffers were freed again
        assertEquals(devres, core.devres().liveForDevice(EDU));

        // a device that is not an edu bound to the sample: ENODEV
        shellFails(Errno.ENODEV, "no edu bound to " + EDU_SAMPLE + " at " + TESTDEV, "samples:edu " + TESTDEV);
    }

    @Test
    public void testdevSelftestRunsEveryTestOnBothBarsAndGivesBackWhatItTook() throws Exception {
        int devres = core.devres().liveForDevice(TESTDEV);

        List<String> checks = lines(shell("samples:testdev " + TESTDEV));

        assertEquals(checks.toString(), 6, checks.size());
        assertEquals("PASS mmio-no-eventfd: BAR0 memory (register accesses), width 1, offset 0x800, data 0xfa, count 0 -> 1",
                checks.get(0));
        assertTrue(checks.get(1), checks.get(1).startsWith("INFO mmio-wildcard-eventfd: BAR0 memory"));
        assertTrue(checks.get(2), checks.get(2).startsWith("INFO mmio-datamatch-eventfd: BAR0 memory"));
        assertEquals("PASS portio-no-eventfd: BAR1 I/O ports (register accesses), width 1, offset 0x83, data 0xfa, count 0 -> 1",
                checks.get(3));
        assertTrue(checks.get(4), checks.get(4).startsWith("INFO portio-wildcard-eventfd: BAR1 I/O ports"));
        assertTrue(checks.get(5), checks.get(5).startsWith("INFO portio-datamatch-eventfd: BAR1 I/O ports"));
        // BAR1 and the I/O decoding were the self-test's only: released, so a second run claims BAR1 again
        assertEquals(devres, core.devres().liveForDevice(TESTDEV));
        assertEquals(checks, lines(shell("samples:testdev " + TESTDEV)));
        assertEquals(devres, core.devres().liveForDevice(TESTDEV));
        // a device that is not a pci-testdev bound to the sample: ENODEV
        shellFails(Errno.ENODEV, "no pci-testdev bound to " + RUST_DRIVER_PCI + " at " + EDU, "samples:testdev " + EDU);
    }

    @Test
    public void lspciNnShowsNumbersAndNames() throws Exception {
        String out = shell("pci:lspci -nn");
        assertLspciNn(out);
        // -n: numbers only, no names whatever the database says
        List<String> numeric = linesOf(shell("pci:lspci -n"), "00:02.0", "00:03.0", "00:04.0");
        assertEquals(List.of("00:02.0 00ff: 1b36:0005", "00:03.0 00ff: 1234:11e8 (rev 10)", "00:04.0 00ff: 1b36:0005"),
                numeric);
        // -v -k: edu's MSI capability, enabled by its driver, where the capability walk finds it
        PciDevice edu = pci.device(EDU).orElseThrow();
        int msi = edu.findCapability(org.nova.hw.pci.PciRegs.PCI_CAP_ID_MSI);
        assertTrue("edu has an MSI capability", msi >= 0x40);
        assertEquals(0, edu.findCapability(org.nova.hw.pci.PciRegs.PCI_CAP_ID_EXP));
        String verbose = shell("pci:lspci -v -k -s 00:03.0");
        assertTrue(verbose, verbose.contains(String.format("\tCapabilities: [%02x] MSI: Enable+ Count=1/1", msi)));
        assertTrue(verbose, verbose.contains("[size=1M]"));
        assertTrue(verbose, verbose.contains("\tKernel driver in use: " + EDU_SAMPLE));
        assertTrue(verbose, verbose.contains("bus master"));
        // -s and -d select
        assertEquals(List.of("00:03.0 00ff: 1234:11e8 (rev 10)"), lines(shell("pci:lspci -n -s 00:03.0")));
        assertEquals(List.of("00:02.0 00ff: 1b36:0005", "00:04.0 00ff: 1b36:0005"), lines(shell("pci:lspci -n -d 1b36:0005")));
    }

    /**
     * The issue's "done when" types {@code lspci -nn}, without the scope: Gogo resolves an
     * unscoped name to the first command service it finds with that function, so exactly one
     * scope may offer {@code lspci}, the PCI bus's.
     */
    @Test
    public void lspciWithoutScopeIsThePciBusListing() throws Exception {
        List<String> scopes = new ArrayList<>();
        for (org.osgi.framework.ServiceReference<?> r : context.getServiceReferences((String) null,
                "(osgi.command.function=lspci)")) {
            scopes.add(r.getProperty("osgi.command.scope") + " (bundle " + r.getBundle().getSymbolicName() + ")");
        }
        assertEquals("the scopes offering an unscoped 'lspci'", List.of("pci (bundle bus.pci)"), scopes);
        assertLspciNn(shell("lspci -nn"));
    }

    @Test
    public void sriovNumvfsOnADeviceWithoutSriovIsTheKernelsError() throws Exception {
        Map<String, String> before = bindings();
        Map<String, Integer> devres = core.devres().liveByDevice();
        for (String slot : List.of(TESTDEV, EDU, TESTDEV_AUX)) {
            PciDevice d = pci.device(slot).orElseThrow();
            assertFalse(d.isPhysfn());
            assertEquals(0, d.sriovTotalVfs());
            // no sriov_numvfs attribute: the write fails as opening a missing sysfs file does
            shellFails(Errno.ENOENT, slot, "pci:sriov_numvfs " + slot + " 1");
            shellFails(Errno.ENOENT, slot, "pci:sriov_numvfs " + slot + " 0");
            shellFails(Errno.ENOENT, slot, "pci:sriov_numvfs " + slot + " garbage");
            assertEquals(0, d.numVfs());
            assertEquals(List.of(), d.virtfns());
        }
        shellFails(Errno.ENODEV, "0000:00:1f.0", "pci:sriov_numvfs 0000:00:1f.0 1");
        shellFails(Errno.ENODEV, "not-a-slot", "pci:sriov_numvfs not-a-slot 1");
        // and nothing moved
        assertEquals(before, bindings());
        assertEquals(devres, core.devres().liveByDevice());
    }

    // ---------------------------------------------------------------- lspci

    /**
     * pciutils' -nn line for each function: "SLOT CLASS [cccc]: VENDOR DEVICE [vvvv:dddd]", with
     * names from pci.ids when the system has the file and "Class", "Device" otherwise.
     */
    private static void assertLspciNn(String out) throws IOException {
        List<String> l = linesOf(out, "00:02.0", "00:03.0", "00:04.0");
        assertEquals(out, 3, l.size());
        PciIdsFile ids = PciIdsFile.load(PCI_IDS);
        assertEquals(expectedNn(ids, "00:02.0", VENDOR_REDHAT, DEVICE_REDHAT_TEST, 0x00ff, ""), l.get(0));
        assertEquals(expectedNn(ids, "00:03.0", VENDOR_EDU, DEVICE_EDU, 0x00ff, " (rev 10)"), l.get(1));
        assertEquals(expectedNn(ids, "00:04.0", VENDOR_REDHAT, DEVICE_REDHAT_TEST, 0x00ff, ""), l.get(2));
        // the numbers, always
        assertTrue(out, l.get(0).contains("[00ff]: ") && l.get(0).endsWith("[1b36:0005]"));
        assertTrue(out, l.get(1).contains("[00ff]: ") && l.get(1).endsWith("[1234:11e8] (rev 10)"));
        assertTrue(out, l.get(2).contains("[00ff]: ") && l.get(2).endsWith("[1b36:0005]"));
        if (ids != null) {
            // Debian's pci.ids names Red Hat's QEMU test device; the names must be there
            assertTrue(out, l.get(0).contains("Red Hat, Inc. QEMU PCI Test Device [1b36:0005]"));
            assertTrue(out, l.get(0).startsWith("00:02.0 Unclassified device [00ff]: "));
        } else {
            assertEquals("00:02.0 Class [00ff]: Device [1b36:0005]", l.get(0));
        }
    }

    /** The line pciutils prints (lib/names.c PCI_LOOKUP_MIXED), from the test's own reading of pci.ids. */
    private static String expectedNn(PciIdsFile ids, String slot, int vendor, int device, int cls, String rev) {
        String className = ids == null ? null : ids.subclass(cls >> 8, cls & 0xff);
        if (className == null && ids != null) {
            className = ids.baseClass(cls >> 8);
        }
        String vendorName = ids == null ? null : ids.vendor(vendor);
        String deviceName = ids == null ? null : ids.device(vendor, device);
        String vd;
        if (vendorName != null && deviceName != null) {
            vd = vendorName + " " + deviceName;
        } else if (vendorName != null) {
            vd = vendorName + " Device";
        } else {
            vd = "Device";
        }
        return String.format("%s %s [%04x]: %s [%04x:%04x]%s", slot, className == null ? "Class" : className, cls, vd,
                vendor, device, rev);
    }

    /** A minimal reader of pci.ids (vendors, devices, classes, subclasses), independent of bus.pci's. */
    record PciIdsFile(Map<Integer, String> vendors, Map<Long, String> devices, Map<Integer, String> classes,
            Map<Integer, String> subclasses) {
        static PciIdsFile load(Path p) throws IOException {
            if (!Files.isReadable(p)) {
                return null;
            }
            Map<Integer, String> vendors = new TreeMap<>();
            Map<Long, String> devices = new TreeMap<>();
            Map<Integer, String> classes = new TreeMap<>();
            Map<Integer, String> subclasses = new TreeMap<>();
            int vendor = -1;
            int cls = -1;
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("C ")) {
                    vendor = -1;
                    cls = Integer.parseInt(line.substring(2, 4), 16);
                    classes.put(cls, line.substring(4).strip());
                } else if (!line.startsWith("\t")) {
                    cls = -1;
                    vendor = line.length() > 4 && line.substring(0, 4).chars().allMatch(c -> Character.digit(c, 16) >= 0)
                            ? Integer.parseInt(line.substring(0, 4), 16) : -1;
                    if (vendor >= 0) {
                        vendors.put(vendor, line.substring(4).strip());
                    }
                } else if (!line.startsWith("\t\t")) {
                    String body = line.substring(1);
                    if (vendor >= 0 && body.length() > 4) {
                        devices.put((long) vendor << 16 | Integer.parseInt(body.substring(0, 4), 16),
                                body.substring(4).strip());
                    } else if (cls >= 0 && body.length() > 2) {
                        subclasses.put(cls << 8 | Integer.parseInt(body.substring(0, 2), 16), body.substring(2).strip());
                    }
                }
            }
            return new PciIdsFile(vendors, devices, classes, subclasses);
        }

        String vendor(int v) {
            return vendors.get(v);
        }

        String device(int v, int d) {
            return devices.get((long) v << 16 | d);
        }

        String baseClass(int c) {
            return classes.get(c);
        }

        String subclass(int c, int s) {
            return subclasses.get(c << 8 | s);
        }
    }

    // ---------------------------------------------------------------- tables

    private static List<String> words(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }

    /** Asserts the row of a device: its columns, DEVRES being the core's live count of the device. */
    private void assertRow(List<String> lines, String bus, String device, String driver, String state,
            String parent) {
        for (String l : lines) {
            List<String> w = words(l);
            if (w.size() > 1 && w.get(1).equals(device)) {
                int devres = core.devres().liveForDevice(device);
                assertTrue(device + " holds devres", devres > 0);
                assertEquals(List.of(bus, device, driver, state, parent, Integer.toString(devres)), w);
                return;
            }
        }
        throw new AssertionError("no row of " + device + " in " + lines);
    }
}
