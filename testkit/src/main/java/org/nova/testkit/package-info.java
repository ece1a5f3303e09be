/**
 * nova-testkit: unit tests of a driver on the simulated PCI platform without an OSGi framework.
 * {@link org.nova.testkit.SimulatedPci} plugs a function with the IDs a driver's table names into
 * a simulated host bridge under the real driver core and PCI bus;
 * {@link org.nova.testkit.PciTestBinding} shows whether the driver's probe bound it, the devres it
 * holds and the log, and unbinds it to check that every devres was released. The platform has the
 * auxiliary bus as well: a PCI driver that registers auxiliary devices gets it at
 * {@link org.nova.testkit.SimulatedPci#bind(java.util.function.Function)}, and the auxiliary
 * drivers of {@link org.nova.testkit.SimulatedPci#withAuxiliaryDriver} bind those devices.
 * {@link org.nova.testkit.TestLogProvider} is the SLF4J provider that captures the log.
 *
 * <p>An ordinary jar for a test class path (the BOM gives it test scope), never a bundle of the
 * runtime.
 */
package org.nova.testkit;
