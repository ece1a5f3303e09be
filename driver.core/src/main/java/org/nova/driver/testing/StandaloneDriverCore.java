package org.nova.driver.testing;

import org.nova.driver.DriverCore;
import org.nova.driver.internal.DriverCoreImpl;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A driver core that a unit test or a benchmark owns: created by {@link #start()}, shut down by
 * {@link #close()}. Unlike the OSGi service, it probes as soon as a device or driver arrives (there
 * is no framework start to wait for) and nothing configures it from framework properties: a test
 * sets test-driver-remove through {@link DriverCore#setTestDriverRemove} itself.
 *
 * <p>Closing it unregisters whatever buses are still registered, which unbinds their devices and
 * releases their devres, and stops the core's probe and uevent threads. Using {@link #core()}
 * afterwards fails.
 */
@ProviderType
public final class StandaloneDriverCore implements AutoCloseable {
    private final DriverCoreImpl core;

    private StandaloneDriverCore(DriverCoreImpl core) {
        this.core = core;
    }

    /** @return a new, running driver core with no bus */
    public static StandaloneDriverCore start() {
        return new StandaloneDriverCore(new DriverCoreImpl());
    }

    /** @return the core, to register buses with and to inspect */
    public DriverCore core() {
        return core;
    }

    /** Shuts the core down: buses unregister, devices unbind, threads stop. */
    @Override
    public void close() {
        core.shutdown();
    }
}
