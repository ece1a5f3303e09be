/**
 * The auxiliary bus: drivers/base/auxiliary.c and rust/kernel/auxiliary.rs.
 *
 * <p>A bound parent driver (of any bus) splits its device into functional parts by registering
 * auxiliary devices through the {@link org.nova.bus.auxiliary.AuxiliaryBus} service; each is named
 * "modname.devname.id" and is matched by "modname.devname" against the id tables of
 * {@link org.nova.bus.auxiliary.AuxiliaryDriver} services. A registration is a device resource of
 * the parent's binding, so every auxiliary device is gone before its parent finishes unbinding.
 */
@Export
@Version("2.1.0")
package org.nova.bus.auxiliary;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
