package org.nova.driver;

/**
 * How a driver wants its initial probes run (include/linux/device/driver.h, enum probe_type).
 * Only the initial bind (driver or device registration, deferred retries) may be asynchronous;
 * a manual bind always probes synchronously.
 */
public enum ProbeType {
    /** Synchronous unless configured otherwise. */
    DEFAULT_STRATEGY,
    /** Probe on a worker thread: registration returns before the probe completes. */
    PREFER_ASYNCHRONOUS,
    /** Always probe on the registering thread. */
    FORCE_SYNCHRONOUS
}
