package org.nova.driver.internal.shell;

import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.nova.devres.FailNth;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code drv:failnth}: fault injection into a device's next probe, as the kernel's per-task
 * {@code fail-nth} file does for a system call. The fault points are the device's devres
 * acquisitions and the steps a driver declares ({@link FailNth}); a driver author arms 1, 2, 3,
 * ... and binds after each, to see every error path of the probe run once and leave nothing
 * behind ({@code drv:devres DEVICE}).
 */
@Component(service = FaultCommands.class, property = {
        "osgi.command.scope=drv",
        "osgi.command.function=failnth" })
public final class FaultCommands {
    private final DriverCore core;

    @Activate
    public FaultCommands(@Reference DriverCore core) {
        this.core = core;
    }

    /**
     * Gogo's catch-all: arguments no overload takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), DriverCommands.SCOPE, argv));
    }

    /** drv:failnth DEVICE — what is left of the countdown, and where the fault went. */
    @Descriptor("show or arm fault injection: the N-th devres acquisition or driver-declared step of DEVICE fails, once (0 disarms)")
    public String failnth(@Descriptor(DriverCommands.DEVICE) String device) {
        StringBuilder sb = new StringBuilder();
        for (Device d : devices(device)) {
            FailNth f = d.devres().failNth();
            String injected = f.injected();
            sb.append(d.bus().name()).append(' ').append(d.name()).append(": fail-nth ").append(f.remaining())
                    .append(injected == null ? "" : ", injected at " + injected).append('\n');
        }
        return sb.toString();
    }

    /** drv:failnth DEVICE N — arm (N &gt; 0) or disarm (0). */
    @Descriptor("show or arm fault injection: the N-th devres acquisition or driver-declared step of DEVICE fails, once (0 disarms)")
    public String failnth(@Descriptor(DriverCommands.DEVICE) String device,
            @Descriptor("N: which fault point fails, 1 for the next; 0 disarms") int n) {
        if (n < 0) {
            throw new DriverException(Errno.EINVAL, "fail-nth " + n + ": must be 0 (off) or the point to fail, 1 or more");
        }
        List<Device> found = devices(device);
        if (found.size() > 1) {
            throw new DriverException(Errno.EINVAL, "device '" + device + "' is on " + found.size()
                    + " buses; fail-nth needs one device");
        }
        found.get(0).devres().failNth().set(n);
        return failnth(device);
    }

    private List<Device> devices(String device) {
        List<Device> found = new ArrayList<>();
        for (Bus b : core.buses()) {
            b.device(device).ifPresent(found::add);
        }
        if (found.isEmpty()) {
            throw new DriverException(Errno.ENODEV, "no device '" + device + "' on any bus");
        }
        return found;
    }
}
