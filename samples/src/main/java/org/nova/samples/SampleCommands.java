package org.nova.samples;

import java.util.List;
import java.util.Map;

import org.nova.samples.auxiliary.AuxDriverSample;
import org.nova.samples.edu.EduSample;
import org.nova.samples.pci.PciTestdevSample;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code samples} shell scope: what the sample drivers saw. {@code samples:edu DEVICE} runs
 * the edu checks again and fails (a thrown error) if one of them fails, so a script can assert on
 * it; the same command serves the simulator and a real device behind VFIO.
 */
@Component(service = SampleCommands.class, property = {
        "osgi.command.scope=samples",
        "osgi.command.function=status",
        "osgi.command.function=edu" })
public final class SampleCommands {
    private final PciTestdevSample pci;
    private final EduSample edu;
    private final AuxDriverSample aux;

    @Activate
    public SampleCommands(@Reference PciTestdevSample pci, @Reference EduSample edu, @Reference AuxDriverSample aux) {
        this.pci = pci;
        this.edu = edu;
        this.aux = aux;
    }

    /** samples:status — every bound sample device and what its probe saw. */
    public String status() {
        StringBuilder sb = new StringBuilder();
        for (PciTestdevSample.Result r : pci.results().values()) {
            sb.append(PciTestdevSample.NAME).append(' ').append(r.device()).append(": test ").append(r.index())
                    .append(" offset 0x").append(Long.toHexString(r.offset())).append(" data 0x")
                    .append(Integer.toHexString(r.data())).append(" data-match count ").append(r.count()).append('\n');
        }
        for (Map.Entry<String, List<EduSample.Check>> e : edu.results().entrySet()) {
            for (EduSample.Check c : e.getValue()) {
                sb.append(EduSample.NAME).append(' ').append(e.getKey()).append(": ").append(c).append('\n');
            }
        }
        aux.seen().values().stream().sorted(java.util.Comparator.comparing(AuxDriverSample.Seen::device)).forEach(s ->
                sb.append(s.device()).append(": parent ").append(s.parent()).append(String.format(" %04x:%04x", s.vendor(),
                        s.deviceId())).append(" data index ").append(s.index()).append('\n'));
        return sb.toString();
    }

    /** samples:edu DEVICE — runs the edu checks again; throws if one fails. */
    public String edu(String device) throws InterruptedException {
        List<EduSample.Check> checks = edu.selftest(device);
        StringBuilder sb = new StringBuilder();
        boolean ok = true;
        for (EduSample.Check c : checks) {
            sb.append(c).append('\n');
            ok &= c.ok();
        }
        if (!ok) {
            throw new IllegalStateException("edu selftest of " + device + " failed:\n" + sb);
        }
        return sb.toString();
    }
}
