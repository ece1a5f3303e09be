/**
 * Device-managed resources ("devres"): the Linux kernel's {@code drivers/base/devres.c}
 * and Rust {@code kernel::devres} / {@code kernel::revocable}, for the Nova driver runtime.
 *
 * <p>A {@link org.nova.devres.DevresScope} is a device's resource list: drivers register
 * what they acquire while bound, and the driver core releases everything, newest first and
 * exactly once, when the driver unbinds or probe fails. A {@link org.nova.devres.Revocable}
 * hands out short-lived guards to a value until it is revoked; a
 * {@link org.nova.devres.Devres} is a Revocable whose revocation is registered in a scope,
 * so a resource held past unbind can no longer be touched. A
 * {@link org.nova.devres.DevresTracker} counts live resources per device, driver and bundle
 * so tests and the shell can prove nothing leaked.
 */
@Export
@Version("1.2.0")
package org.nova.devres;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
