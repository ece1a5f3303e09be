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

    private final Map<String, SimulatedHostBridge> bridges = new HashMap<>();
    private final Map<String, DeviceSpec> devices = new LinkedHashMap<>();
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
                plugLogged(spec);
            }
        }
    }

    /** Forgets a bridge; its owner closes it (which removes its functions). */
    synchronized void removeBridge(SimulatedHostBridge bridge) {
        if (bridges.get(bridge.name()) == bridge) {
            bridges.remove(bridge.name());
            plugged.values().removeIf(f -> f.bridge() == bridge);
        }
    }

    /** @return the bridge of that name, if registered */
    synchronized Optional<SimulatedHostBridge> bridge(String name) {
        return Optional.ofNullable(bridges.get(name));
    }

    /**
     * Adds or replaces the device of a configuration and plugs it in if its bridge exists.
     *
     * @throws HwException EINVAL for an unknown model or bad slot syntax, EEXIST if another
     *                     configuration has the slot, or any error of the hot add
     */
    synchronized void putDevice(DeviceSpec spec) {
        SimModels.check(spec.model(), spec.options());
        PciAddress.parse(spec.slot());
        if (spec.bridge() == null || spec.bridge().isBlank()) {
            throw new HwException(HwException.EINVAL, "no bridge named");
        }
        for (DeviceSpec other : devices.values()) {
            if (!other.pid().equals(spec.pid()) && other.bridge().equals(spec.bridge())
                    && sameSlot(other.slot(), spec.slot())) {
                throw new HwException(HwException.EEXIST, "slot " + spec.slot() + " on bridge " + spec.bridge()
                        + " is already configured by " + other.pid());
            }
        }
        removeDevice(spec.pid());
        devices.put(spec.pid(), spec);
        if (bridges.containsKey(spec.bridge())) {
            try {
                plug(spec);
            } catch (HwException e) {
                devices.remove(spec.pid());
                throw e;
            }
        } else {
            LOG.info("configuration {}: {} at {} waits for bridge {}", spec.pid(), spec.model(), spec.slot(), spec.bridge());
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

    /** Hot-removes the device of a configuration, if it is plugged in, and forgets it. */
    synchronized void removeDevice(String pid) {
        devices.remove(pid);
        PciFunction f = plugged.remove(pid);
        if (f != null && f.isPresent()) {
            ((SimulatedHostBridge) f.bridge()).unplug(f.address());
        }
    }

    /** @return the function plugged in for a configuration, if any */
    synchronized Optional<PciFunction> function(String pid) {
        return Optional.ofNullable(plugged.get(pid));
    }

    private void plugLogged(DeviceSpec spec) {
        try {
            plug(spec);
        } catch (HwException | IllegalStateException e) {
            LOG.error("configuration {}: cannot add {} at {} on bridge {}: {}", spec.pid(), spec.model(), spec.slot(),
                    spec.bridge(), e.getMessage());
        }
    }

    private void plug(DeviceSpec spec) {
        SimulatedHostBridge bridge = bridges.get(spec.bridge());
        PciAddress parsed = PciAddress.parse(spec.slot());
        if (hasDomain(spec.slot()) && parsed.domain() != bridge.domain()) {
            throw new HwException(HwException.EINVAL, "slot " + spec.slot() + " is not in domain " + bridge.domain()
                    + " of bridge " + bridge.name());
        }
        PciAddress address = new PciAddress(bridge.domain(), parsed.bus(), parsed.device(), parsed.function());
        plugged.put(spec.pid(), bridge.plug(address, SimModels.create(spec.model(), spec.options(), spec.subsystemVendor(), spec.subsystemDevice())));
    }
}
