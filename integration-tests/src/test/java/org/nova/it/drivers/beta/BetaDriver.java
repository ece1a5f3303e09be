package org.nova.it.drivers.beta;

import java.util.List;

import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.it.testbus.Bound;
import org.nova.it.testbus.TestDriver;
import org.nova.it.testbus.TestLog;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * beta: a generic driver for the widget family ("widget*", less specific than an exact id), the
 * fallback a widget reprobes to when alpha goes away. Acquires one devres resource.
 */
@Component(service = TestDriver.class)
public final class BetaDriver implements TestDriver<Bound> {
    static final String VERSION = "1.0.0";

    private final Bundle bundle;
    private final DriverCore core;

    @Activate
    public BetaDriver(BundleContext context, @Reference DriverCore core) {
        this.bundle = context.getBundle();
        this.core = core;
    }

    @Override
    public String name() {
        return "beta";
    }

    @Override
    public List<String> ids() {
        return List.of("widget*");
    }

    @Override
    public Bound probe(Device device) {
        log("probe", device);
        device.devres().add("beta.buffer", () -> log("release:beta.buffer", device));
        log("acquire:beta.buffer", device);
        return new Bound(name(), VERSION, bundle.getBundleId());
    }

    @Override
    public void remove(Device device, Bound data) {
        log("remove", device);
    }

    private void log(String what, Device device) {
        TestLog.record(name(), VERSION, what, device.name(), bundle, core.devres().liveForBundle(bundle.getSymbolicName()));
    }
}
