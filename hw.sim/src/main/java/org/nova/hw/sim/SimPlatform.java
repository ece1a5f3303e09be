package org.nova.hw.sim;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated platform's registry: the bridges that exist (by name) and the devices that are
 * configured (by configuration PID). A device whose bridge does not exist yet waits for it; a
 * bridge that appears gets its waiting devices plugged in; a device configuration that goes away
 * is hot-removed. Used by {@link SimBridgeComponent} and {@link SimDeviceComponent}; not a public
 * service of the bundle.
 */
@Component(service = SimPlatform.class)
public final class SimPlatform {
    private static final Logger LOG = LoggerFactory.getLogger(SimPlatform.class);
    /** Colons in a slot with a domain ("dddd:bb:dd.f"). */
    private static final int COLONS_WITH_DOMAIN = 2;

    /**
     * A configured device.
     *
     * @param pid    the configuration naming it
     * @param bridge the bridge name
     * @param slot   the slot as configured ("bb:dd.f" or "dddd:bb:dd.f")
     * @param model  the model name
     * @param options model options (the GPU's chip, fault, framebuffer size), as strings
     */
    public record DeviceSpec(String pid, String bridge, String slot, String model, int subsystemVendor,
            int subsystemDevice, Map<String, String> options) {
        /** Copies the options. */
        public DeviceSpec {
            options = Map.copyOf(options);
        }

        /** A device with strapped subsystem IDs and no model options. */
        public DeviceSpec(String pid, String bridge, String slot, String model, int subsystemVendor,
                int subsystemDevice) {
            this(pid, bridge, slot, model, subsystemVendor, subsystemDevice, Map.of());
        }

        /** A device with the model's own subsystem IDs. */
        public DeviceSpec(String pid, String bridge, String slot, String model) {
            this(pid, bridge, slot, model, SimModels.MODEL_DEFAULT, SimModels.MODEL_DEFAULT);
        }
    }

    /**
     * What the owner of a device configuration hears when the platform plugs the device in or
     * takes it out on its own, as its bridge comes and goes. Called with the platform's lock held:
     * it must not call back into the platform.
     */
    interface DeviceWatcher {
        /** The bridge the device waited for appeared and the device is plugged in. */
        void plugged();

        /** The device is not plugged in: its bridge went, or it could not be plugged into the new one. */
        void waiting(HwException why);
    }

    private final Map<String, SimulatedHostBridge> bridges = new HashMap<>();
    private final Map<String, DeviceSpec> devices = new LinkedHashMap<>();
    private final Map<String, DeviceWatcher> watchers = new HashMap<>();
    private final Map<String, PciFunction> plugged = new HashMap<>();

    /**
     * Registers a bridge and plugs in the devices configured for it.
     *
     * @throws HwException EEXIST if a bridge of that name exists
     */
    synchronized void addBridge(SimulatedHostBridge bridge) {
        if (bridges.containsKey(bridge.name())) {
            throw new HwException(HwException.EEXIST, "a bridge named '" + bridge.name() + "' already exists");
        }
        bridges.put(bridge.name(), bridge);
        for (DeviceSpec spec : devices.values()) {
            if (spec.bridge().equals(bridge.name())) {
                plugWaiting(spec);
            }
        }
    }

    /** Forgets a bridge; its owner closes it (which removes its functions); its devices wait for it again. */
    synchronized void removeBridge(SimulatedHostBridge bridge) {
        if (bridges.get(bridge.name()) == bridge) {
            bridges.remove(bridge.name());
            plugged.values().removeIf(f -> f.bridge() == bridge);
            for (DeviceSpec spec : devices.values()) {
                DeviceWatcher w = watchers.get(spec.pid());
                if (spec.bridge().equals(bridge.name()) && w != null) {
                    w.waiting(noBridge(spec));
                }
            }
        }
    }

    /** @return the bridge of that name, if registered */
    synchronized Optional<SimulatedHostBridge> bridge(String name) {
        return Optional.ofNullable(bridges.get(name));
    }

    /** Adds or replaces the device of a configuration: {@link #putDevice(DeviceSpec, DeviceWatcher)} without a watcher. */
    synchronized boolean putDevice(DeviceSpec spec) {
        return putDevice(spec, null);
    }

    /**
     * Adds or replaces the device of a configuration and plugs it in if its bridge exists. The
     * checks come first: a spec they refuse changes nothing (the configuration's previous device
     * stays plugged in). A spec equal to the one in force changes nothing either.
     *
     * @param watcher told when the platform later plugs the device in or takes it out; may be null
     * @return true when the device is plugged in, false when it waits for its bridge
     * @throws HwException EINVAL for an unknown model or option, a malformed slot or a slot outside
     *                     the bridge's domain; EEXIST if another configuration has the slot; or any
     *                     error of the hot add (the device is then not plugged in)
     */
    synchronized boolean putDevice(DeviceSpec spec, DeviceWatcher watcher) {
        check(spec);
        for (DeviceSpec other : devices.values()) {
            if (!other.pid().equals(spec.pid()) && other.bridge().equals(spec.bridge())
                    && sameSlot(other.slot(), spec.slot())) {
                throw new HwException(HwException.EEXIST, SimDeviceComponent.PROP_SLOT + ": " + spec.slot()
                        + " on bridge " + spec.bridge() + " is already configured by " + other.pid());
            }
        }
        SimulatedHostBridge bridge = bridges.get(spec.bridge());
        if (bridge != null) {
            checkDomain(spec, bridge);
        }
        if (spec.equals(devices.get(spec.pid())) && (bridge == null || plugged.containsKey(spec.pid()))) {
            if (watcher != null) {
                watchers.put(spec.pid(), watcher);
            }
            return bridge != null;
        }
        removeDevice(spec.pid());
        devices.put(spec.pid(), spec);
        if (watcher != null) {
            watchers.put(spec.pid(), watcher);
        }
        if (bridge == null) {
            LOG.info("configuration {}: {} at {} waits for bridge {}", spec.pid(), spec.model(), spec.slot(),
                    spec.bridge());
            return false;
        }
        try {
            plug(spec);
        } catch (HwException e) {
            devices.remove(spec.pid());
            watchers.remove(spec.pid());
            throw e;
        }
        return true;
    }

    /** @return the refusal of a device whose bridge does not exist, naming the key and the bridge */
    static HwException noBridge(DeviceSpec spec) {
        return new HwException(HwException.ENODEV, SimDeviceComponent.PROP_BRIDGE + ": no simulated bridge '"
                + spec.bridge() + "' (the device is added when a bridge of that name appears)");
    }

    private static void check(DeviceSpec spec) {
        try {
            SimModels.check(spec.model(), spec.options());
        } catch (HwException e) {
            throw new HwException(e.errno(), SimDeviceComponent.PROP_MODEL + ": " + e.reason());
        }
        try {
            PciAddress.parse(spec.slot());
        } catch (HwException e) {
            throw new HwException(e.errno(), SimDeviceComponent.PROP_SLOT + ": " + e.reason());
        }
        if (spec.bridge() == null || spec.bridge().isBlank()) {
            throw new HwException(HwException.EINVAL, SimDeviceComponent.PROP_BRIDGE + ": no bridge named");
        }
    }

    private static void checkDomain(DeviceSpec spec, SimulatedHostBridge bridge) {
        PciAddress parsed = PciAddress.parse(spec.slot());
        if (hasDomain(spec.slot()) && parsed.domain() != bridge.domain()) {
            throw new HwException(HwException.EINVAL, SimDeviceComponent.PROP_SLOT + ": " + spec.slot()
                    + " is not in domain " + bridge.domain() + " of bridge " + bridge.name());
        }
    }

    private static boolean sameSlot(String a, String b) {
        PciAddress x = PciAddress.parse(a);
        PciAddress y = PciAddress.parse(b);
        return x.routingId() == y.routingId() && (!hasDomain(a) || !hasDomain(b) || x.domain() == y.domain());
    }

    private static boolean hasDomain(String slot) {
        return slot.chars().filter(c -> c == ':').count() == COLONS_WITH_DOMAIN;
    }

    /** Orderly hot remove of the device of a configuration: {@link #removeDevice(String, boolean)}. */
    synchronized void removeDevice(String pid) {
        removeDevice(pid, false);
    }

    /**
     * Hot-removes the device of a configuration, if it is plugged in, and forgets it and its
     * watcher.
     *
     * @param surprise false for an orderly removal (its drivers unbind first, while it works),
     *                 true for the device vanishing under its drivers
     */
    synchronized void removeDevice(String pid, boolean surprise) {
        devices.remove(pid);
        watchers.remove(pid);
        PciFunction f = plugged.remove(pid);
        if (f != null && f.isPresent()) {
            ((SimulatedHostBridge) f.bridge()).unplug(f.address(), surprise);
        }
    }

    /** @return the function plugged in for a configuration, if any */
    synchronized Optional<PciFunction> function(String pid) {
        return Optional.ofNullable(plugged.get(pid));
    }

    /** Plugs in a device that waited for its bridge, telling its watcher how that went. */
    private void plugWaiting(DeviceSpec spec) {
        DeviceWatcher w = watchers.get(spec.pid());
        try {
            checkDomain(spec, bridges.get(spec.bridge()));
            plug(spec);
        } catch (HwException | IllegalStateException e) {
            LOG.error("configuration {}: cannot add {} at {} on bridge {}: {}", spec.pid(), spec.model(), spec.slot(),
                    spec.bridge(), e.getMessage());
            if (w != null) {
                w.waiting(e instanceof HwException h ? h : new HwException(HwException.EIO, e.getMessage(), e));
            }
            return;
        }
        if (w != null) {
            w.plugged();
        }
    }

    private void plug(DeviceSpec spec) {
        SimulatedHostBridge bridge = bridges.get(spec.bridge());
        PciAddress parsed = PciAddress.parse(spec.slot());
        PciAddress address = new PciAddress(bridge.domain(), parsed.bus(), parsed.device(), parsed.function());
        plugged.put(spec.pid(), bridge.plug(address, SimModels.create(spec.model(), spec.options(), spec.subsystemVendor(), spec.subsystemDevice())));
    }
}
