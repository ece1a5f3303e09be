/**
 * The firmware loader, the kernel's {@code drivers/base/firmware_loader} and
 * {@code rust/kernel/firmware.rs}: drivers ask {@link org.nova.driver.firmware.FirmwareLoader}
 * for a file by its name relative to the firmware search path
 * ({@code nvidia/ga102/gsp/gsp-535.113.01.bin}) and get a {@link
 * org.nova.driver.firmware.Firmware}: the file memory-mapped read-only, or the image of its
 * {@code .zst} or {@code .xz} form ({@link org.nova.driver.firmware.FirmwareCompression})
 * decompressed once, owned by the device's devres scope and released when the device unbinds.
 */
@Export
@Version("1.1.0")
package org.nova.driver.firmware;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
