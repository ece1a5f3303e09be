/**
 * What every bundle's Gogo shell commands share: {@link org.nova.driver.shell.Usage}, the usage
 * line read from the commands' {@code @Descriptor}s (whose parameter descriptors start with a
 * metavariable, "BUS: ..."), and {@link org.nova.driver.shell.Table}, the aligned tables they
 * print. The runtime's completion reads the same metavariables. Plain Java over Gogo's
 * annotations; no service.
 */
@Export
@Version("1.0.0")
package org.nova.driver.shell;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
