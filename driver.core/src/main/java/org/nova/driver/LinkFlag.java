package org.nova.driver;

/**
 * Device link flags (include/linux/device.h DL_FLAG_*; Documentation/driver-api/device_link.rst).
 */
public enum LinkFlag {
    /** No management by the core: only a record of the dependency. */
    STATELESS,
    /** Delete the link when the consumer unbinds (or fails to probe). */
    AUTOREMOVE_CONSUMER,
    /** Delete the link when the supplier unbinds; wins over AUTOREMOVE_CONSUMER. */
    AUTOREMOVE_SUPPLIER,
    /** Probe the consumer automatically once the supplier binds. */
    AUTOPROBE_CONSUMER
}
