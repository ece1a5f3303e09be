package org.nova.testkit;

import java.util.List;
import java.util.Optional;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.testing.StandaloneAuxiliaryBus;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.devres.DevresEntry;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.DriverRegistration;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.sim.SimulatedHostBridge;

/**
 * A driver under test bound (or refused) on one simulated PCI function, made by
 * {@link SimulatedPci#bind}. It owns the whole platform beneath: the driver core, the PCI bus,
 * the auxiliary bus with its drivers, the host bridge with its function and the driver's
 * registration. {@link #close()} takes them down in the kernel's order (the driver unbinds, its
 * auxiliary devices are removed, its devres are released, the function is removed, the core
 * stops), after which nothing of the test stays running.
 *
 * <p>What it shows is what the runtime's shell shows of a device: whether it is bound
 * ({@code drv:devices}), its live devres ({@code drv:devres DEVICE}) and the log ({@code dmesg}).
 * Not thread-safe: one test drives it.
 */
public final class PciTestBinding implements AutoCloseable {
    private final StandaloneDriverCore core;
    private final StandalonePciBus pci;
    private final StandaloneAuxiliaryBus aux;
    private final SimulatedHostBridge bridge;
    private final DriverRegistration registration;
    private final String driver;
    private final PciDevice device;
    private final int logMark;
    private RuntimeException probeError;
    private boolean closed;

    PciTestBinding(StandaloneDriverCore core, StandalonePciBus pci, StandaloneAuxiliaryBus aux,
            SimulatedHostBridge bridge, DriverRegistration registration, String driver, PciDevice device, int logMark) {
        this.core = core;
        this.pci = pci;
        this.aux = aux;
        this.bridge = bridge;
        this.registration = registration;
        this.driver = driver;
        this.device = device;
        this.logMark = logMark;
    }

    /** @return the core's "pci" bus, where bind and unbind happen by name as in sysfs */
    private Bus bus() {
        return core.core().requireBus(PciBus.NAME);
    }

    /**
     * Binds the driver to the device again ({@code drivers/NAME/bind}), e.g. after
     * {@link #unbind()}. A failure is kept for {@link #probeError()}, not thrown: the test asks.
     *
     * @return whether the device is bound to the driver now
     */
    public boolean bind() {
        probeError = null;
        try {
            bus().bind(device.device().name(), driver);
        } catch (RuntimeException e) {
            probeError = e;
        }
        return probed();
    }

    /** @return whether the device is bound to the driver under test now */
    public boolean probed() {
        return device.device().driver().filter(driver::equals).isPresent();
    }

    /**
     * @return why the latest bind failed: the probe's own exception as the bus reports it (a
     *     {@link DriverException} with the kernel's errno: ENODEV when the id table does not match
     *     the device, EAGAIN when the probe deferred), or empty if it succeeded
     */
    public Optional<RuntimeException> probeError() {
        return Optional.ofNullable(probeError);
    }

    /** @return the function as the driver sees it (ids, config space, BARs) */
    public PciDevice device() {
        return device;
    }

    /**
     * @return the names of the device's live devres entries, oldest first, as
     *     {@code drv:devres DEVICE} lists them (e.g. {@code pci:bar0}); empty once unbound
     */
    public List<String> devres() {
        return devres(device.device());
    }

    /**
     * @param dev an auxiliary device, e.g. one of {@link #auxiliaryDevices()}
     * @return the names of its live devres entries, oldest first (what its driver's probe
     *     acquired, after the bus's own {@code auxiliary:driver-data}); empty once it is
     *     unbound, and after it was removed
     */
    public List<String> devres(AuxiliaryDevice dev) {
        return devres(dev.device());
    }

    private static List<String> devres(Device dev) {
        return dev.devres().entries().stream()
                .filter(e -> e.kind() == DevresEntry.Kind.RESOURCE || e.kind() == DevresEntry.Kind.ACTION)
                .map(DevresEntry::name).toList();
    }

    /**
     * @return the auxiliary devices there are now, by name, as {@code drv:devices auxiliary}
     *     lists them: those the driver under test registered while bound (each
     *     "modname.devname.id", its parent the function). Each one's {@code device().driver()}
     *     names the auxiliary driver bound to it, if any. Empty once the driver unbound: the
     *     registrations are devres of its binding.
     */
    public List<AuxiliaryDevice> auxiliaryDevices() {
        return core.core().requireBus(AuxiliaryBus.NAME).devices().stream()
                .map(d -> d.busData(AuxiliaryDevice.class)).toList();
    }

    /**
     * @return what was logged through SLF4J since {@link SimulatedPci#bind} started, oldest first,
     *     each line {@code LEVEL logger: message}: the driver's lines and the core's (bound,
     *     probe failed, unbound)
     */
    public List<String> log() {
        return TestLog.since(logMark);
    }

    /**
     * Unbinds the device from the driver ({@code drivers/NAME/unbind}): the driver's unbind runs,
     * then its devres are released, newest first. The driver stays registered.
     *
     * @throws DriverException ENODEV if the device is not bound to the driver
     */
    public void unbind() {
        bus().unbind(device.device().name(), driver);
    }

    /**
     * Unregisters the driver (unbinding the device, which removes its auxiliary devices), then the
     * auxiliary bus with its drivers, removes the function, stops the core. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        registration.close();
        aux.close();
        pci.close();
        bridge.close();
        core.close();
    }
}
