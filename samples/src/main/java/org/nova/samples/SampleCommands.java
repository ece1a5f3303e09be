package org.nova.samples;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;

import org.nova.samples.auxiliary.AuxDriverSample;
import org.nova.samples.e1000e.E1000eSample;
import org.nova.samples.edu.EduSample;
import org.nova.samples.pci.PciTestdevSample;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code samples} shell scope: what the sample drivers saw. {@code samples:edu DEVICE} and
 * {@code samples:testdev DEVICE} run a bound device's checks again ({@code samples:e1000e DEVICE} the
 * MSI-X checks of an 82574) and fail (EIO, naming the failed
 * checks) if one of them fails, so a script can assert on it; the same commands serve the
 * simulator and a real device behind VFIO. Arguments no overload takes get EINVAL with the usage
 * line.
 */
@Component(service = SampleCommands.class, property = {
        "osgi.command.scope=samples",
        "osgi.command.function=status",
        "osgi.command.function=edu",
        "osgi.command.function=testdev",
        "osgi.command.function=e1000e" })
public final class SampleCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "samples";
    private final PciTestdevSample pci;
    private final EduSample edu;
    private final AuxDriverSample aux;
    private final E1000eSample e1000e;

    @Activate
    public SampleCommands(@Reference PciTestdevSample pci, @Reference EduSample edu, @Reference AuxDriverSample aux,
            @Reference E1000eSample e1000e) {
        this.pci = pci;
        this.edu = edu;
        this.aux = aux;
        this.e1000e = e1000e;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /** samples:status — every bound sample device and what its probe saw. */
    @Descriptor("show what each bound sample driver's probe saw")
    public String status() {
        StringBuilder sb = new StringBuilder();
        for (PciTestdevSample.Result r : pci.results().values()) {
            sb.append(PciTestdevSample.NAME).append(' ').append(r.device()).append(": test ").append(r.index())
                    .append(" offset 0x").append(Long.toHexString(r.offset())).append(" data 0x")
                    .append(Integer.toHexString(r.data())).append(" data-match count ").append(r.count()).append('\n');
        }
        for (Map.Entry<String, List<Check>> e : edu.results().entrySet()) {
            for (Check c : e.getValue()) {
                sb.append(EduSample.NAME).append(' ').append(e.getKey()).append(": ").append(c).append('\n');
            }
        }
        for (Map.Entry<String, List<Check>> e : e1000e.results().entrySet()) {
            for (Check c : e.getValue()) {
                sb.append(E1000eSample.NAME).append(' ').append(e.getKey()).append(": ").append(c).append('\n');
            }
        }
        aux.seen().values().stream().sorted(Comparator.comparing(AuxDriverSample.Seen::device)).forEach(s ->
                sb.append(s.device()).append(": parent ").append(s.parent()).append(String.format(" %04x:%04x", s.vendor(),
                        s.deviceId())).append(" data index ").append(s.index()).append('\n'));
        return sb.toString();
    }

    /** samples:edu DEVICE — runs the edu checks again, with the IOMMU and INTx checks; throws if one fails. */
    @Descriptor("run the edu checks again on a bound edu device, with the IOMMU and INTx checks; fails if one fails")
    public String edu(@Descriptor("PCI: the edu device bound to edu_sample (0000:00:03.0)") String device)
            throws InterruptedException {
        return report("edu", device, edu.selftest(device));
    }

    /** samples:testdev DEVICE — runs every pci-testdev test on both BARs; throws if one fails. */
    @Descriptor("run every pci-testdev test on both BARs of a bound device; fails if one fails")
    public String testdev(@Descriptor("PCI: the pci-testdev bound to rust_driver_pci (0000:00:02.0)") String device) {
        return report("pci-testdev", device, pci.selftest(device));
    }

    /** samples:e1000e DEVICE — MSI-X routing, masking and latency on a bound 82574; throws if one fails. */
    @Descriptor("run the MSI-X checks (routing, masking, latency) on an e1000e bound to e1000e_msix_sample; fails if one fails")
    public String e1000e(@Descriptor("PCI: the e1000e bound to e1000e_msix_sample (0000:00:04.0)") String device)
            throws InterruptedException {
        return report("e1000e", device, e1000e.selftest(device));
    }

    private static String report(String what, String device, List<Check> checks) {
        StringBuilder sb = new StringBuilder();
        boolean ok = true;
        for (Check c : checks) {
            sb.append(c).append('\n');
            ok &= c.ok();
        }
        if (!ok) {
            throw new DriverException(Errno.EIO, what + " selftest of " + device + " failed: " + checks.stream()
                    .filter(c -> !c.ok()).map(Check::toString).collect(Collectors.joining("; ")));
        }
        return sb.toString();
    }
}
