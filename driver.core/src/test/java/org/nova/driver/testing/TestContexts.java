package org.nova.driver.testing;

import java.lang.reflect.Proxy;
import org.osgi.framework.BundleContext;

/** Bundle contexts for components tested outside a framework. Shared with the buses' unit tests through driver.core's test jar. */
public final class TestContexts {
    private TestContexts() {
    }

    /** A BundleContext whose every method returns null/false/0: enough for DriverTracker to open and find nothing. */
    public static BundleContext nullContext() {
        return (BundleContext) Proxy.newProxyInstance(TestContexts.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> {
                    Class<?> r = m.getReturnType();
                    if (r == boolean.class) {
                        return false;
                    }
                    if (r == int.class || r == long.class) {
                        return 0;
                    }
                    return null;
                });
    }
}
