package org.nova.web;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The few calls of the OSGi and servlet interfaces the web bundle's components make, answered from
 * maps: a framework's properties, Configuration Admin's store, a request and the response it got.
 * Any other call fails the test, so a stub never answers something made up.
 */
final class Stubs {
    private Stubs() {
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler h) {
        return (T) Proxy.newProxyInstance(Stubs.class.getClassLoader(), new Class<?>[] { type }, h);
    }

    private static UnsupportedOperationException unexpected(Class<?> type, String method) {
        return new UnsupportedOperationException(type.getSimpleName() + "." + method + " is not stubbed");
    }

    /** @return a bundle context whose getProperty answers from {@code properties} */
    static BundleContext context(Map<String, String> properties) {
        return proxy(BundleContext.class, (p, m, a) -> switch (m.getName()) {
            case "getProperty" -> properties.get((String) a[0]);
            default -> throw unexpected(BundleContext.class, m.getName());
        });
    }

    /** Configuration Admin over a map of PID to properties; every update is kept there. */
    static final class ConfigStore {
        final Map<String, Dictionary<String, Object>> byPid = new HashMap<>();
        int updates;

        ConfigurationAdmin admin() {
            return proxy(ConfigurationAdmin.class, (p, m, a) -> switch (m.getName()) {
                case "listConfigurations" -> {
                    String filter = (String) a[0];
                    String pid = filter.substring(filter.indexOf('=') + 1, filter.length() - 1);
                    yield byPid.containsKey(pid) ? new Configuration[] { configuration(pid) } : null;
                }
                case "getConfiguration" -> configuration((String) a[0]);
                default -> throw unexpected(ConfigurationAdmin.class, m.getName());
            });
        }

        private Configuration configuration(String pid) {
            return proxy(Configuration.class, (p, m, a) -> switch (m.getName()) {
                case "getPid" -> pid;
                case "getProperties" -> copy(byPid.get(pid));
                case "update" -> {
                    @SuppressWarnings("unchecked")
                    Dictionary<String, Object> d = (Dictionary<String, Object>) a[0];
                    byPid.put(pid, d);
                    updates++;
                    yield null;
                }
                default -> throw unexpected(Configuration.class, m.getName());
            });
        }
    }

    /** @return a copy of {@code d}, as Configuration.getProperties returns one; null for null */
    static Dictionary<String, Object> copy(Dictionary<String, Object> d) {
        if (d == null) {
            return null;
        }
        Dictionary<String, Object> out = new Hashtable<>();
        for (Enumeration<String> e = d.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            out.put(k, d.get(k));
        }
        return out;
    }

    /** @return a request of {@code uri} from 127.0.0.1 with that Authorization header (null for none) */
    static HttpServletRequest request(String method, String uri, String authorization) {
        return proxy(HttpServletRequest.class, (p, m, a) -> switch (m.getName()) {
            case "getHeader" -> "Authorization".equals(a[0]) ? authorization : null;
            case "getMethod" -> method;
            case "getRequestURI" -> uri;
            case "getRemoteAddr" -> "127.0.0.1";
            default -> throw unexpected(HttpServletRequest.class, m.getName());
        });
    }

    /** What a response was told: its status and headers. */
    static final class Answer {
        int status;
        final Map<String, String> headers = new HashMap<>();
        boolean flushed;

        HttpServletResponse response() {
            return proxy(HttpServletResponse.class, (p, m, a) -> switch (m.getName()) {
                case "setStatus" -> {
                    status = (Integer) a[0];
                    yield null;
                }
                case "setHeader" -> {
                    headers.put((String) a[0], (String) a[1]);
                    yield null;
                }
                case "setContentLength" -> null;
                case "flushBuffer" -> {
                    flushed = true;
                    yield null;
                }
                default -> throw unexpected(HttpServletResponse.class, m.getName());
            });
        }
    }
}
