package org.nova.driver.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/** Stand-ins for framework interfaces in the settle tests: a proxy answers what a test names, {@link #none} the rest. */
final class Proxies {
    private Proxies() {
    }

    /** @return a {@code type} whose calls {@code h} answers */
    static <T> T proxy(Class<T> type, InvocationHandler h) {
        return type.cast(Proxy.newProxyInstance(Proxies.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    /** @return the answer of a call a test does not care about: false, 0, or null */
    static Object none(Class<?> r) {
        if (r == boolean.class) {
            return false;
        }
        if (r == int.class) {
            return 0;
        }
        if (r == long.class) {
            return 0L;
        }
        return null;
    }
}
