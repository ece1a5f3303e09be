package org.nova.it.lifecycle.slowstart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code lifecycle:check}: exists only once the slow driver has probed a device (it needs a
 * {@link Probed} service); says whether the runtime had settled when it ran — the slow device's
 * activation finished, the device bound by the slow driver, no probe pending — and appends that
 * line to the file named by {@link Slow#OUT_PROPERTY}, if any.
 */
@Component(service = CheckCommand.class, property = {
        "osgi.command.scope=lifecycle",
        "osgi.command.function=check" })
public final class CheckCommand {
    private final BundleContext context;
    private final DriverCore core;

    @Activate
    public CheckCommand(BundleContext context, @Reference DriverCore core, @Reference Probed probed) {
        this.context = context;
        this.core = core;
    }

    public String check() throws IOException {
        String driver = core.bus("testbus").flatMap(b -> b.device(Slow.DEVICE)).flatMap(Device::driver).orElse("-");
        boolean idle = core.waitForDeviceProbe(Duration.ZERO);
        String line = (Slow.activated && Slow.DRIVER.equals(driver) && idle ? "ok" : "EARLY")
                + " activated=" + Slow.activated + " driver=" + driver + " probes-idle=" + idle;
        String out = context.getProperty(Slow.OUT_PROPERTY);
        if (out != null) {
            Files.writeString(Path.of(out), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        return line;
    }
}
