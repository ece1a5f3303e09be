package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.metatype.MetaTypeService;

/**
 * The conf/ file checks listen to every configuration update; a configuration deleted between
 * the event and the look at its properties (the settle barrier is updated and deleted at once)
 * is no file to judge, not an exception on Configuration Admin's event thread.
 */
class ConfFileChecksTest {
    private static <T> T proxy(Class<T> type, InvocationHandler h) {
        return type.cast(Proxy.newProxyInstance(ConfFileChecksTest.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    @Test
    void aConfigurationDeletedBeforeItIsReadIsSkipped() {
        Configuration deleted = proxy(Configuration.class, (p, m, a) -> {
            if (m.getName().equals("getProperties")) {
                throw new IllegalStateException("Configuration org.nova.settle.barrier deleted");
            }
            return null;
        });
        ConfigurationAdmin cm = proxy(ConfigurationAdmin.class,
                (p, m, a) -> m.getName().equals("listConfigurations") ? new Configuration[] {deleted} : null);
        ConfFileChecks checks = new ConfFileChecks(proxy(BundleContext.class, (p, m, a) -> null), cm,
                proxy(MetaTypeService.class, (p, m, a) -> null));
        @SuppressWarnings("unchecked")
        ServiceReference<ConfigurationAdmin> ref = proxy(ServiceReference.class, (p, m, a) -> null);
        ConfigurationEvent updated = new ConfigurationEvent(ref, ConfigurationEvent.CM_UPDATED, null,
                "org.nova.settle.barrier");
        assertDoesNotThrow(() -> checks.configurationEvent(updated));
        assertEquals("no configuration made from it (yet)", checks.state(new File("conf/any.cfg")));
    }
}
