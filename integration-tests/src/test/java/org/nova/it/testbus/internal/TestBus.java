package org.nova.it.testbus.internal;

import java.util.Map;

import org.nova.driver.Bus;
import org.nova.driver.BusRegistration;
import org.nova.driver.BusType;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverTracker;
import org.nova.driver.MatchResult;
import org.nova.it.testbus.TestBusControl;
import org.nova.it.testbus.TestDevice;
import org.nova.it.testbus.TestDriver;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The test bus: registers "testbus" with the driver core, tracks {@link TestDriver} services and
 * offers {@link TestBusControl}. Matching is by id table; MODALIAS is "testbus:ID".
 */
@Component(service = TestBusControl.class, immediate = true)
public final class TestBus implements TestBusControl, BusType {
    /** The whiteboard's service interface. */
    private static final Class<TestDriver<?>> SERVICE = serviceType();

    private final BusRegistration bus;
    private final DriverTracker<TestDriver<?>> drivers;

    @Activate
    public TestBus(BundleContext context, @Reference DriverCore core) {
        this.bus = core.registerBus(this);
        this.drivers = new DriverTracker<>(context, SERVICE, bus, TestDriver::name, TestDriver::probeType).open();
    }

    /**
     * A class literal names the erased interface only; every service registered under it is a
     * {@code TestDriver} of some data type, as {@code TestDriver<?>} says.
     */
    @SuppressWarnings("unchecked")
    private static Class<TestDriver<?>> serviceType() {
        return (Class<TestDriver<?>>) (Class<?>) TestDriver.class;
    }

    /** bus_unregister: the devices go first (their drivers unbind), then the whiteboard. */
    @Deactivate
    void deactivate() {
        bus.close();
        drivers.close();
    }

    // ------------------------------------------------------------------ BusType

    @Override
    public String name() {
        return BUS;
    }

    @Override
    public MatchResult match(Device device, DriverDescriptor driver) {
        String id = device.busData(TestDevice.class).id();
        MatchResult best = MatchResult.noMatch("id " + id + " is not in the id table of " + driver.name());
        for (String entry : ((TestDriver<?>) driver.driver()).ids()) {
            if (entry.equals(id)) {
                return MatchResult.match(TestDriver.EXACT, entry, "id " + id + " is in the id table");
            }
            if (entry.endsWith("*") && id.startsWith(entry.substring(0, entry.length() - 1)) && !best.matches()) {
                best = MatchResult.match(TestDriver.PREFIX, entry, "id " + id + " matches the prefix " + entry);
            }
        }
        return best;
    }

    @Override
    public Object probe(Device device, DriverDescriptor driver, MatchResult match) throws Exception {
        return ((TestDriver<?>) driver.driver()).probe(device);
    }

    @Override
    public void remove(Device device, DriverDescriptor driver, Object driverData) {
        remove((TestDriver<?>) driver.driver(), device, driverData);
    }

    /**
     * The driver gets its own data back, typed. The bus's one cast of driver data: the core hands
     * {@code remove} exactly what {@code probe} returned for this device and driver, a {@code D}.
     */
    @SuppressWarnings("unchecked")
    private static <D> void remove(TestDriver<D> driver, Device device, Object data) {
        driver.remove(device, (D) data);
    }

    @Override
    public void uevent(Device device, Map<String, String> env) {
        env.put("MODALIAS", device.busData(TestDevice.class).modalias());
        env.put("TESTBUS_ID", device.busData(TestDevice.class).id());
    }

    // ------------------------------------------------------------------ TestBusControl

    @Override
    public Device add(String name, String id) {
        return bus.addDevice(name, null, new TestDevice(id));
    }

    @Override
    public void remove(String name) {
        bus.device(name).ifPresent(bus::removeDevice);
    }

    @Override
    public void removeAll() {
        for (Device d : bus.devices().reversed()) {
            bus.removeDevice(d);
        }
    }

    @Override
    public Bus bus() {
        return bus;
    }
}
