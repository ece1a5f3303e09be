package org.nova.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.testing.StandaloneAuxiliaryBus;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.testing.StandalonePciBus;
import org.nova.driver.DriverException;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.sim.SimulatedHostBridge;

/**
 * A simulated PCI function for a driver's unit test, without an OSGi framework: the simulator's
 * {@code pci-generic} model (the one {@code cm:set org.nova.hw.sim.device~NAME model=pci-generic
 * vendor=... device=...} adds in the runtime) on a host bridge of its own, under the real PCI bus
 * and driver core.
 *
 * <pre>{@code
 * try (PciTestBinding b = SimulatedPci.withDevice(0x1234, 0xabcd).bind(new MyDriver())) {
 *     assertTrue(b.probed(), () -> "probe failed: " + b.probeError());
 *     assertTrue(b.devres().contains("pci:bar0"));
 *     b.unbind();
 *     assertEquals(List.of(), b.devres());
 * }
 * }</pre>
 *
 * <p>The device has one 4 KiB 32-bit memory BAR (BAR0) of scratch registers that read back what
 * was written, class ff0000 and QEMU's subsystem IDs, unless {@link #option} says otherwise. The
 * builder is the caller's and may be bound any number of times; each {@link #bind} makes a
 * platform of its own, owned by the {@link PciTestBinding} it returns.
 *
 * <p><b>Split drivers.</b> The platform has the auxiliary bus too. A PCI driver that registers
 * auxiliary devices (as nova-core registers nova-drm's) is given that bus by
 * {@link #bind(Function)}, where its DS component would get its {@link AuxiliaryBus} reference;
 * the auxiliary drivers named with {@link #withAuxiliaryDriver} bind those devices as they appear:
 *
 * <pre>{@code
 * try (PciTestBinding b = SimulatedPci.withDevice(0x1234, 0xabcd).withAuxiliaryDriver(new MyCtlDriver())
 *         .bind(MyParentDriver::new)) {
 *     AuxiliaryDevice ctl = b.auxiliaryDevices().getFirst();
 *     assertEquals(Optional.of(MyCtlDriver.NAME), ctl.device().driver());
 *     b.unbind();
 *     assertEquals(List.of(), b.auxiliaryDevices());
 * }
 * }</pre>
 */
public final class SimulatedPci {
    /** Where the function sits: bridge {@value #BRIDGE}, slot {@value #SLOT}. */
    public static final String SLOT = "00:02.0";
    /** The host bridge's name, as the runtime's default bridge is called. */
    public static final String BRIDGE = "sim0";
    /** The simulator's model with the identity given by its options (hw.sim PciGenericDevice). */
    static final String MODEL = "pci-generic";
    /** pci-generic's options for the IDs, in hex. */
    static final String OPT_VENDOR = "vendor";
    /** pci-generic's device ID option. */
    static final String OPT_DEVICE = "device";
    /** Hex digits of a 16-bit ID, as the options and lspci -n write it. */
    private static final String ID_FORMAT = "%04x";

    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<AuxiliaryDriver<?>> auxiliaryDrivers = new ArrayList<>();

    private SimulatedPci(int vendor, int device) {
        options.put(OPT_VENDOR, String.format(ID_FORMAT, vendor));
        options.put(OPT_DEVICE, String.format(ID_FORMAT, device));
    }

    /**
     * @param vendor the vendor ID, 0..0xfffe
     * @param device the device ID, 0..0xffff
     * @return a builder of a device with these IDs (checked at {@link #bind})
     */
    public static SimulatedPci withDevice(int vendor, int device) {
        return new SimulatedPci(vendor, device);
    }

    /**
     * Sets one of pci-generic's options: {@code class} (24-bit hex), {@code revision},
     * {@code bars} (comma-separated {@code INDEX:KIND:SIZE}, e.g. {@code 0:mem64:1M,2:io:256}),
     * {@code flr}, as docs/configuration.md lists them.
     *
     * @return this builder
     */
    public SimulatedPci option(String key, String value) {
        options.put(key, value);
        return this;
    }

    /**
     * Adds an auxiliary driver to the platform: at {@link #bind} it is registered on the
     * auxiliary bus before the PCI driver binds (as if its bundle were started first), and binds
     * every auxiliary device its id table names as the device appears. Its probe's failure is not
     * thrown: the device stays unbound and the core logs why ({@link PciTestBinding#log()}).
     *
     * @param driver an auxiliary driver, registered for each binding's life
     * @return this builder
     */
    public SimulatedPci withAuxiliaryDriver(AuxiliaryDriver<?> driver) {
        auxiliaryDrivers.add(driver);
        return this;
    }

    /**
     * Plugs the device in and binds the driver to it, synchronously, as {@code drivers/NAME/bind}
     * does: the driver is registered with automatic probing off, then bound by name, so a probe
     * that fails says why in {@link PciTestBinding#probeError()} instead of only in the log.
     *
     * @param driver the driver under test; registered on the bus for the binding's life
     * @return the binding, owned by the caller: close it
     * @throws HwException EINVAL for IDs or options the model refuses (naming the option)
     * @throws DriverException EINVAL for a driver (PCI or auxiliary) without name or id table;
     *     nothing is left running
     */
    public PciTestBinding bind(PciDriver<?> driver) {
        return bind(aux -> driver);
    }

    /**
     * As {@link #bind(PciDriver)}, for a PCI driver that registers auxiliary devices: the driver
     * is made with the platform's auxiliary bus, the object its DS component gets for its
     * {@code @Reference AuxiliaryBus}. The auxiliary drivers of {@link #withAuxiliaryDriver} are
     * registered first.
     *
     * @param driver makes the driver under test from the auxiliary bus, e.g. {@code MyDriver::new}
     * @return the binding, owned by the caller: close it
     * @throws HwException EINVAL for IDs or options the model refuses (naming the option)
     * @throws DriverException EINVAL for a driver (PCI or auxiliary) without name or id table;
     *     nothing is left running
     */
    public PciTestBinding bind(Function<? super AuxiliaryBus, ? extends PciDriver<?>> driver) {
        int mark = TestLog.mark();
        StandaloneDriverCore core = StandaloneDriverCore.start();
        StandalonePciBus pci = null;
        StandaloneAuxiliaryBus aux = null;
        SimulatedHostBridge bridge = null;
        try {
            pci = StandalonePciBus.start(core.core());
            aux = StandaloneAuxiliaryBus.start(core.core());
            for (AuxiliaryDriver<?> d : auxiliaryDrivers) {
                aux.registerDriver(d);
            }
            bridge = new SimulatedHostBridge(BRIDGE, 0);
            bridge.plug(PciAddress.parse(SLOT), MODEL, options);
            core.core().requireBus(PciBus.NAME).setAutoprobe(false);
            pci.addBridge(bridge);
            PciDriver<?> parent = driver.apply(aux.bus());
            PciTestBinding binding = new PciTestBinding(core, pci, aux, bridge, pci.registerDriver(parent),
                    parent.name(), pci.bus().device(PciAddress.parse(SLOT)).orElseThrow(), mark);
            binding.bind();
            return binding;
        } catch (RuntimeException e) {
            if (aux != null) {
                aux.close();
            }
            if (pci != null) {
                pci.close();
            }
            if (bridge != null) {
                bridge.close();
            }
            core.close();
            throw e;
        }
    }
}
