/**
 * The PCI bus: the kernel's drivers/pci/{pci-driver,probe,access,msi,iov}.c and rust/kernel/pci.rs.
 *
 * <p>Driver bundles publish a {@link org.nova.bus.pci.PciDriver} service (a DS component); the PCI
 * bus matches it against the functions of every host bridge the backends publish, by its
 * {@link org.nova.bus.pci.PciDeviceId} table and the dynamic ids added through
 * {@link org.nova.bus.pci.PciBus#newId}. A bound driver gets a {@link org.nova.bus.pci.PciDevice}:
 * config space, BARs as {@link org.nova.devres.Devres}-wrapped {@link org.nova.bus.pci.Bar}s,
 * interrupt vectors, coherent and one-direction DMA buffers and SR-IOV. Everything acquired through it is a device
 * resource of the binding and is released when the driver unbinds, whatever the reason.
 *
 * <p>{@link org.nova.hw.pci.PciRegs} names the registers and bits of
 * include/uapi/linux/pci_regs.h that drivers need.
 */
@Export
@Version("2.4.0")
package org.nova.bus.pci;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
