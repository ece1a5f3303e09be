package org.nova.driver.firmware.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the firmware loader (PID {@code org.nova.firmware}). */
@ObjectClassDefinition(name = "Nova firmware loader",
        description = "Directories searched for firmware files, in order, after those named by "
                + "the framework property nova.firmware.path and before the kernel's own: "
                + "/lib/firmware/updates/RELEASE, /lib/firmware/updates, /lib/firmware/RELEASE, /lib/firmware")
public @interface FirmwareLoaderConfig {
    /** @return the directories searched for firmware first, in order (the kernel's firmware_class.path); none by default */
    @AttributeDefinition(name = "Search path",
            description = "Directories searched for firmware files first, in order, like the kernel's "
                    + "firmware_class.path; the kernel's /lib/firmware/updates/RELEASE, /lib/firmware/updates, "
                    + "/lib/firmware/RELEASE and /lib/firmware follow")
    String[] path() default {};
}
