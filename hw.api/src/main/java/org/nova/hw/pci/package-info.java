/**
 * PCI's own facts, shared by everyone who touches a PCI function: the configuration-space layout of
 * include/uapi/linux/pci_regs.h ({@link org.nova.hw.pci.PciRegs}) and the function address
 * ({@link org.nova.hw.pci.PciAddress}).
 *
 * <p>This is the one package of hw.api that drivers import: a driver programs its own function's
 * config space with these names, as a kernel driver includes pci_regs.h, and names functions by
 * address. The backend SPI ({@code org.nova.hw}) stays between the backends and the PCI bus.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.nova.hw.pci;
