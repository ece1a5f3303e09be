package org.nova.driver.firmware.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the firmware loader (PID {@code org.nova.firmware}). */
@ObjectClassDefinition(name = "Nova firmware loader",
        description = "Directories searched for firmware files, in order, after those named by "
                + "the framework property nova.firmware.path")
public @interface FirmwareLoaderConfig {
    /** @return the directories searched for firmware, in order */
    @AttributeDefinition(name = "Search path",
            description = "Directories searched for firmware files, in order")
    String[] path() default {"/lib/firmware", "/usr/lib/firmware"};
}
