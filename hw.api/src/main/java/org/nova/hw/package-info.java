/**
 * The hardware backend SPI: PCI host bridges and their functions, as a backend (the simulated
 * platform, or real devices through VFIO) publishes them.
 *
 * <p>A backend registers each {@link org.nova.hw.HostBridge} as an OSGi service with the service
 * properties {@value org.nova.hw.HostBridge#PROP_BACKEND} and {@value org.nova.hw.HostBridge#PROP_BRIDGE}.
 * The PCI bus consumes these services; drivers never see this package. Everything a backend
 * implements is {@code @ProviderType}: only backends implement it, consumers only call it.
 * {@link org.nova.hw.HostBridgeListener} and {@link org.nova.hw.IrqHandler} are implemented by
 * consumers.
 *
 * <p>A backend component answers each configuration it is given with the configuration answer
 * ({@code org.nova.config.ConfigStatus}): applied, or refused with an errno and a reason.
 *
 * <p>Errors are reported as {@link org.nova.hw.HwException} with a kernel-style errno name; an
 * operation that fails changes nothing.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.3.0")
package org.nova.hw;
