package org.nova.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.nova.bus.pci.PciAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciIds;
import org.nova.driver.DriverRepository;
import org.nova.driver.Modalias;
import org.nova.hw.pci.PciRegs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 15: the driver repository searched by a device's MODALIAS, as autoload does for a device
 * that no driver matches (modprobe's alias lookup: fnmatch against every declared pattern).
 *
 * <p>A folder of {@code candidates} bundles (manifests only), each declaring the patterns of a
 * realistic id table: an exact vendor:device, a vendor wildcard and a class under mask 0xffff00,
 * one bundle in the middle matching the device. The index is built in the setup (not measured):
 * {@link #search} is the lookup on the built index, {@link #lookup} adds the look at the folder
 * (a listing and a stat per jar) that every autoload makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AliasLookupBench {
    /** How many bundles the repository holds. */
    @Param({"10", "100", "1000"})
    public int candidates;

    /** The class of each candidate's class entry: a USB UHCI controller (pci_ids.h PCI_CLASS_SERIAL_USB_UHCI). */
    private static final int CLASS_USB_UHCI = 0x0c0300;
    /** The device's class: an Ethernet controller (pci_ids.h PCI_CLASS_NETWORK_ETHERNET), no candidate's class. */
    private static final int CLASS_ETHERNET = 0x020000;
    /** The vendor ID of candidate 0; candidate i has the next ones (made up). */
    private static final int FIRST_VENDOR = 0x1000;
    /** The device ID of every candidate's exact entry, and the device's (made up). */
    private static final int DEVICE = 0x0001;
    /** The device's subsystem ids (QEMU's, hw/pci/pci.h) and revision. */
    private static final int SUB_VENDOR = 0x1af4;
    private static final int SUB_DEVICE = 0x1100;
    private static final int REVISION = 0x01;

    /** A device no candidate's class entry covers, matched by exactly one bundle's exact entry. */
    private String modalias;
    private Path dir;
    private DriverRepository repository;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("alias-bench");
        int target = candidates / 2;
        for (int i = 0; i < candidates; i++) {
            int vendor = FIRST_VENDOR + i;
            List<PciDeviceId> table = List.of(PciDeviceId.of(vendor, DEVICE),
                    new PciDeviceId(vendor, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID,
                            0, 0, 0, false),
                    PciDeviceId.ofClassAndVendor(CLASS_USB_UHCI, PciRegs.PCI_CLASS_MASK_BASE_SUB, vendor));
            write(dir.resolve(String.format("driver-%04d.jar", i)), "driver" + i, PciAlias.patterns(table));
        }
        modalias = PciAlias.modalias(new PciIds(FIRST_VENDOR + target, DEVICE, SUB_VENDOR, SUB_DEVICE, CLASS_ETHERNET, REVISION));
        repository = new DriverRepository(dir);
        if (repository.refresh().size() != candidates || repository.search(modalias).size() != 1) {
            throw new IllegalStateException("the repository of " + candidates + " bundles does not resolve "
                    + modalias + " to one bundle");
        }
    }

    private static void write(Path jar, String bsn, List<String> patterns) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        StringBuilder caps = new StringBuilder();
        for (String p : patterns) {
            caps.append(caps.isEmpty() ? "" : ",").append(Modalias.NAMESPACE).append(";alias=\"").append(p)
                    .append("\";bus=pci;driver=").append(bsn);
        }
        a.putValue("Provide-Capability", caps.toString());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The search on the built index: fnmatch of the device's alias against every pattern. */
    @Benchmark
    public List<DriverRepository.Match> search() {
        return repository.search(modalias);
    }

    /** The lookup autoload makes: the folder listed and each jar's size and time compared, then the search. */
    @Benchmark
    public List<DriverRepository.Match> lookup() {
        return repository.lookup(modalias);
    }
}
