package org.nova.driver.internal;

import static org.nova.driver.internal.Proxies.none;
import static org.nova.driver.internal.Proxies.proxy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.driver.SettleReport;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;

/**
 * The settle condition and start levels: a persistently started bundle whose level is above the
 * beginning start level is left down by configuration ({@code ./nova -c} leaves the Web Console
 * and Jetty at level 20 while the framework rises to 19), so it is neither waited for nor reported;
 * one at a level the framework has reached that is not active is reported as not satisfied.
 */
class SettleStartLevelTest {
    /** The beginning start level of the framework in these tests. */
    private static final int BEGINNING = 19;

    /** A resolved bundle, persistently started at {@code level}. */
    private static Bundle resolved(long id, String name, int level) {
        BundleStartLevel bsl = proxy(BundleStartLevel.class, (p, m, a) -> switch (m.getName()) {
            case "getStartLevel" -> level;
            case "isPersistentlyStarted" -> true;
            default -> none(m.getReturnType());
        });
        return proxy(Bundle.class, (p, m, a) -> switch (m.getName()) {
            case "getBundleId" -> id;
            case "getSymbolicName" -> name;
            case "getVersion" -> Version.emptyVersion;
            case "getState" -> Bundle.RESOLVED;
            case "getHeaders" -> new Hashtable<String, String>();
            case "adapt" -> a[0] == BundleStartLevel.class ? bsl : null;
            default -> none(m.getReturnType());
        });
    }

    private static SettleReport settle(Bundle... bundles) {
        FrameworkStartLevel level = proxy(FrameworkStartLevel.class,
                (p, m, a) -> m.getName().equals("getStartLevel") ? BEGINNING : none(m.getReturnType()));
        Bundle system = proxy(Bundle.class, (p, m, a) -> switch (m.getName()) {
            case "getBundleId" -> Constants.SYSTEM_BUNDLE_ID;
            case "getState" -> Bundle.ACTIVE;
            case "adapt" -> a[0] == FrameworkStartLevel.class ? level : null;
            default -> none(m.getReturnType());
        });
        Bundle[] all = new Bundle[bundles.length + 1];
        all[0] = system;
        System.arraycopy(bundles, 0, all, 1, bundles.length);
        BundleContext context = proxy(BundleContext.class, (p, m, a) -> switch (m.getName()) {
            case "getBundle" -> system;
            case "getBundles" -> all;
            case "getProperty" -> Constants.FRAMEWORK_BEGINNING_STARTLEVEL.equals(a[0]) ? String.valueOf(BEGINNING) : null;
            case "registerService" -> proxy(ServiceRegistration.class, (p2, m2, a2) -> none(m2.getReturnType()));
            default -> none(m.getReturnType());
        });
        Settle settle = new Settle(context, new DriverCoreImpl(), () -> null, () -> null);
        try {
            return settle.await(Duration.ofSeconds(20), false);
        } finally {
            settle.close();
        }
    }

    @Test
    void aBundleAboveTheBeginningLevelIsLeftDownByConfiguration() {
        SettleReport r = settle(resolved(25, "org.apache.felix.webconsole", BEGINNING + 1));
        assertTrue(r.settled(), () -> "not settled: " + r.pending());
        assertEquals(List.of(), r.notSatisfied());
    }

    @Test
    void aBundleAtAReachedLevelThatIsNotActiveIsReported() {
        SettleReport r = settle(resolved(7, "some.driver", 10), resolved(25, "org.apache.felix.webconsole", BEGINNING + 1));
        assertTrue(r.settled(), () -> "not settled: " + r.pending());
        assertEquals(List.of("bundle some.driver 0.0.0 is RESOLVED: it did not start"), r.notSatisfied());
    }
}
