package org.nova.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.condition.Condition;

/** The answer service: what it registers, how it changes, when it goes. */
class ConfigStatusTest {
    /** One registration of the fake framework: its class, object and latest properties. */
    static final class Registered {
        final Object clazz;
        final Object service;
        Dictionary<String, ?> properties;
        boolean unregistered;
        int updates;

        Registered(Object clazz, Object service, Dictionary<String, ?> properties) {
            this.clazz = clazz;
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registered> registry = new ArrayList<>();

    @SuppressWarnings("unchecked")
    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (!method.getName().equals("registerService")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                Registered r = new Registered(args[0], args[1], (Dictionary<String, ?>) args[2]);
                registry.add(r);
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class},
                        (p, m, a) -> {
                            switch (m.getName()) {
                                case "unregister" -> {
                                    if (r.unregistered) {
                                        throw new IllegalStateException("already unregistered");
                                    }
                                    r.unregistered = true;
                                }
                                case "setProperties" -> {
                                    r.properties = (Dictionary<String, ?>) a[0];
                                    r.updates++;
                                }
                                default -> throw new UnsupportedOperationException(m.getName());
                            }
                            return null;
                        });
            });

    private static final Map<String, Object> CONFIG = Map.of("service.pid", "org.nova.x~a", "service.factoryPid",
            "org.nova.x", "component.name", "org.nova.X", "component.id", 7L, ConfigStatus.ANSWERS, true, "slot",
            "00:03.0", "osgi.ds.satisfying.condition.target", "(osgi.condition.id=true)");

    @Test
    void theFirstAnswerRegistersAConditionNamingThePidTheOwnerAndTheConfiguration() {
        ConfigStatus s = new ConfigStatus(context, ConfigStatus.pidOf(CONFIG, "org.nova.x"));
        assertTrue(registry.isEmpty(), "nothing before the first answer");
        assertNull(s.state());
        s.applied(CONFIG);
        assertEquals(1, registry.size());
        Registered r = registry.get(0);
        assertEquals(Condition.class, r.clazz);
        assertSame(Condition.INSTANCE, r.service);
        assertEquals(ConfigStatus.CONDITION_ID, r.properties.get(Condition.CONDITION_ID));
        assertEquals("org.nova.x~a", r.properties.get(ConfigStatus.PID));
        assertEquals("org.nova.x", r.properties.get(ConfigStatus.FACTORY_PID));
        assertEquals("org.nova.X", r.properties.get(ConfigStatus.OWNER));
        assertEquals(ConfigStatus.APPLIED, r.properties.get(ConfigStatus.STATE));
        assertNull(r.properties.get(ConfigStatus.ERRNO));
        assertEquals(Map.of("service.pid", "org.nova.x~a", "service.factoryPid", "org.nova.x", "slot", "00:03.0"),
                r.properties.get(ConfigStatus.PROPERTIES), "the configuration, without the properties DS adds");
        assertEquals(ConfigStatus.APPLIED, s.state());
        assertNull(s.refusal());
    }

    @Test
    void laterAnswersUpdateTheSameServiceAndARefusalCarriesItsErrnoOnce() {
        ConfigStatus s = new ConfigStatus(context, "org.nova.x~a");
        s.applied(CONFIG);
        s.refused(CONFIG, "EINVAL", "EINVAL: slot 'zz' is not a PCI address");
        assertEquals(1, registry.size());
        Registered r = registry.get(0);
        assertEquals(1, r.updates);
        assertEquals(ConfigStatus.REFUSED, r.properties.get(ConfigStatus.STATE));
        assertEquals("EINVAL", r.properties.get(ConfigStatus.ERRNO));
        assertEquals("slot 'zz' is not a PCI address", r.properties.get(ConfigStatus.REASON));
        assertEquals("EINVAL: slot 'zz' is not a PCI address", s.refusal());
        s.applied(CONFIG);
        assertNull(r.properties.get(ConfigStatus.ERRNO), "an applied answer carries no errno");
        assertNull(r.properties.get(ConfigStatus.REASON));
    }

    @Test
    void withoutAConfigurationTheOwnerAnswersForItsOwnPid() {
        Map<String, Object> defaults = Map.of("component.name", "org.nova.V", "component.id", 3L);
        ConfigStatus s = new ConfigStatus(context, ConfigStatus.pidOf(defaults, "org.nova.v"));
        assertEquals("org.nova.v", s.pid());
        s.applied(defaults);
        Registered r = registry.get(0);
        assertEquals("org.nova.v", r.properties.get(ConfigStatus.PID));
        assertFalse(r.properties.get(ConfigStatus.PROPERTIES) instanceof Map<?, ?> m && m.containsKey("service.pid"),
                "no service.pid: the defaults");
        assertNull(r.properties.get(ConfigStatus.FACTORY_PID));
    }

    @Test
    void closeWithdrawsTheAnswerAndLaterAnswersAreIgnored() {
        ConfigStatus s = new ConfigStatus(context, "org.nova.x~a");
        s.close();
        assertTrue(registry.isEmpty(), "closing before any answer registers nothing");
        s = new ConfigStatus(context, "org.nova.x~a");
        s.applied(CONFIG);
        s.close();
        assertTrue(registry.get(0).unregistered);
        s.applied(CONFIG);
        s.close();
        assertEquals(1, registry.size(), "nothing registered after close");
    }
}
