/**
 * A configured component's answer to its configuration: the errno that Configuration Admin's
 * update() cannot return, as the kernel's sysfs store() does.
 *
 * <p>Who answers: the DS component that owns a configuration PID (a backend such as the simulated
 * platform or VFIO, or a driver). It declares {@link org.nova.config.ConfigStatus#DECLARATION},
 * keeps one {@link org.nova.config.ConfigStatus} per configuration it was given, answers every
 * activation and modification with applied or refused (a kernel errno name and a reason naming
 * the key), and closes it on deactivation; the answer is a {@code Condition} service carrying the
 * {@code nova.config.*} properties.
 *
 * <p>Who waits: whoever changed the configuration — the runtime's {@code cm:set} and
 * {@code cm:delete}, which return the answer and exit non-zero on a refusal — and the runtime's
 * settle condition, which holds until every owner has answered for the configuration in force.
 * Waiters read the service properties only; they never call the owner.
 *
 * <p>Errors: the answer itself never throws to its owner; once the owner's bundle stops, further
 * answers are dropped, since nobody is left to read them.
 */
@Export
@Version("1.0.0")
package org.nova.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
