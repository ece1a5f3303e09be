package org.nova.it.lifecycle.slowstart;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;

/**
 * What the slowstart bundle shares: its names, how slow it is, and what it has done. A start of
 * the runtime with this bundle has, after the framework reports STARTED, a configuration on its way
 * through Configuration Admin, a component activation that takes {@value #DELAY_PROPERTY} ms
 * without a service event, a device appearing only then, a probe of the same length, and a shell
 * command that exists only once that probe has bound the device — as {@code vgpu:list} exists only
 * once a GPU has been probed.
 */
public final class Slow {
    /** Framework property: how long the activation and the probe each take, in ms. */
    public static final String DELAY_PROPERTY = "nova.it.lifecycle.delay_ms";
    /** The default delay: longer than the old batch runner's 300 ms of quiet. */
    public static final long DELAY_DEFAULT_MS = 400;
    /** Framework property: the file {@code lifecycle:check} appends its verdict to. */
    public static final String OUT_PROPERTY = "nova.it.lifecycle.out";
    /** The factory PID of the slow device's configurations. */
    public static final String DEVICE_PID = "org.nova.it.lifecycle.device";
    /** The configuration property naming the device on the test bus. */
    public static final String PROP_DEVICE = "device";
    /** The device the platform component configures. */
    public static final String DEVICE = "slow0";
    /** The id the slow driver matches. */
    public static final String ID = "slowpoke";
    /** The slow driver's name. */
    public static final String DRIVER = "slow";

    /** Set once a slow device's activation has finished (the device is on the bus). */
    static volatile boolean activated;

    private Slow() {
    }

    static void sleep(BundleContext context) {
        String v = context.getProperty(DELAY_PROPERTY);
        try {
            TimeUnit.MILLISECONDS.sleep(v == null ? DELAY_DEFAULT_MS : Long.parseLong(v.trim()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
