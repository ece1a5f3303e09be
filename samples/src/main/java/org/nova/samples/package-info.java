/**
 * Sample drivers mirroring the kernel's samples/rust drivers: a pci-testdev driver
 * (rust_driver_pci), an edu driver, and an auxiliary parent/child pair (rust_driver_auxiliary).
 * They are ordinary driver bundles: they export nothing.
 */
package org.nova.samples;
