package org.nova.it.drivers.alpha1;

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
 * alpha 1.0.0: binds "widget" and "gizmo" devices exactly. Its probe acquires two devres, a
 * resource and an action; every callback is written to {@link TestLog} with the bundle's state.
 */
@Component(service = TestDriver.class)
public final class AlphaDriver implements TestDriver<Bound> {
    static final String VERSION = "1.0.0";

    private final Bundle bundle;
    private final DriverCore core;

    @Activate
    public AlphaDriver(BundleContext context, @Reference DriverCore core) {
        this.bundle = context.getBundle();
        this.core = core;
    }

    @Override
    public String name() {
        return "alpha";
    }

    @Override
    public List<String> ids() {
        return List.of("widget", "gizmo");
    }

    @Override
    public Bound probe(Device device) {
        log("probe", device);
        device.devres().add("alpha.buffer", () -> log("release:alpha.buffer", device));
        log("acquire:alpha.buffer", device);
        device.devres().addAction("alpha.action", () -> log("release:alpha.action", device));
        log("acquire:alpha.action", device);
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
