package org.nova.hw.vfio;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the VFIO backend (configuration PID {@value VfioBackend#PID}). Without a
 * configuration the framework properties {@code nova.vfio.enabled} and {@code nova.vfio.devices}
 * give the values (see {@link VfioBackend}).
 */
@ObjectClassDefinition(name = "Nova VFIO backend",
        description = "Real PCI functions bound to the kernel's vfio-pci driver, published as one PCI host bridge.")
public @interface VfioConfig {

    /** @return whether the backend opens its functions and publishes the bridge */
    @AttributeDefinition(name = "Enabled", description = "Open the functions and publish the host bridge."
            + " Off by default, so the simulated platform stays the default backend.")
    boolean enabled() default false;

    /** @return the functions to open, "dddd:bb:dd.f"; empty: every function bound to vfio-pci */
    @AttributeDefinition(name = "Devices", required = false,
            description = "PCI addresses (dddd:bb:dd.f) to open; empty opens every function bound to vfio-pci.")
    String[] devices() default {};

    /** @return the bridge name */
    @AttributeDefinition(name = "Bridge name", description = "The host bridge's name (service property nova.bridge).")
    String bridge() default "vfio0";
}
