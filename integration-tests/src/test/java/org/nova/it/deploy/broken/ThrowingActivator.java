package org.nova.it.deploy.broken;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A bundle whose activator throws: the deploy folder's "start failed" case. */
public final class ThrowingActivator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("this activator always fails");
    }

    @Override
    public void stop(BundleContext context) {
        // never started
    }
}
