package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;

import jakarta.servlet.http.HttpServletResponse;

/** The console's credentials and the refusals, with Configuration Admin and requests stubbed. */
class ConsoleSecurityTest {
    private final Stubs.ConfigStore store = new Stubs.ConfigStore();

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the user authenticate returns, or null after checking the refusal's 401 and challenge */
    private static Object login(ConsoleSecurity s, String authorization) {
        Stubs.Answer a = new Stubs.Answer();
        Object user = s.authenticate(Stubs.request("GET", "/system/console/nova", authorization), a.response());
        if (user == null) {
            assertEquals(HttpServletResponse.SC_UNAUTHORIZED, a.status);
            assertEquals("Basic realm=\"OSGi Management Console\", charset=\"UTF-8\"", a.headers.get("WWW-Authenticate"));
            assertTrue(a.flushed);
        } else {
            assertEquals(0, a.status, "an admitted request is left to the console");
        }
        return user;
    }

    private void configure(Map<String, Object> props) {
        store.byPid.put(ConsoleSecurity.CONSOLE_PID, new Hashtable<>(props));
    }

    @Test
    void withNoPasswordOneIsGeneratedStoredHashedAndOnlyItLetsIn() {
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        String generated = s.credentials().generated();
        assertNotNull(generated);
        assertEquals("admin", s.credentials().user());
        Dictionary<String, Object> stored = store.byPid.get(ConsoleSecurity.CONSOLE_PID);
        assertEquals("admin", stored.get(ConsoleSecurity.USERNAME));
        String hash = (String) stored.get(ConsoleSecurity.PASSWORD);
        assertTrue(hash.startsWith("{sha-256}") && !hash.contains(generated), "stored hashed, never in clear: " + hash);
        assertTrue(ConsolePassword.matches(hash, generated));

        assertEquals("admin", login(s, basic("admin:" + generated)));
        assertNull(login(s, basic("admin:admin")), "never the console's old default");
        assertNull(login(s, null));
        assertNull(login(s, basic("root:" + generated)));
    }

    @Test
    void theStoredGeneratedPasswordKeepsItsClearTextWhenItsEventArrives() {
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        String generated = s.credentials().generated();
        s.configurationEvent(event(ConsoleSecurity.CONSOLE_PID));
        assertEquals(generated, s.credentials().generated(), "web:info still shows it");
        assertEquals(1, store.updates, "generated once");
    }

    @Test
    void aConfiguredPasswordIsUsedAsIs() {
        configure(Map.of(ConsoleSecurity.USERNAME, "me", ConsoleSecurity.PASSWORD, "s3cret"));
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        assertNull(s.credentials().generated());
        assertEquals(0, store.updates);
        assertEquals("me", login(s, basic("me:s3cret")));
        assertNull(login(s, basic("admin:s3cret")));
        assertEquals("configuration " + ConsoleSecurity.CONSOLE_PID, s.credentials().source());
    }

    @Test
    void theWellKnownDefaultIsReplacedEvenWhenConfigured() {
        configure(Map.of(ConsoleSecurity.PASSWORD, ConsolePassword.DEFAULT_HASH, "manager.root", "/console"));
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        assertNotNull(s.credentials().generated());
        assertNull(login(s, basic("admin:admin")));
        assertEquals("/console", store.byPid.get(ConsoleSecurity.CONSOLE_PID).get("manager.root"),
                "the console's other settings stay");
        assertEquals("/console", s.credentials().managerRoot());
    }

    @Test
    void theConsolesFrameworkPropertiesComeNext() {
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of(ConsoleSecurity.FW_USERNAME, "fw",
                ConsoleSecurity.FW_PASSWORD, "pw")), store.admin());
        assertNull(s.credentials().generated());
        assertEquals("fw", login(s, basic("fw:pw")));
        assertEquals("framework property " + ConsoleSecurity.FW_PASSWORD, s.credentials().source());
        configure(Map.of(ConsoleSecurity.PASSWORD, "cm"));
        s.configurationEvent(event(ConsoleSecurity.CONSOLE_PID));
        assertEquals("fw", login(s, basic("fw:cm")), "the configuration wins over the framework property");
        assertNull(login(s, basic("fw:pw")));
    }

    @Test
    void aChangedConfigurationTakesEffectOnItsEventOnly() {
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        String generated = s.credentials().generated();
        configure(Map.of(ConsoleSecurity.PASSWORD, "next"));
        s.configurationEvent(event("org.apache.felix.http"));
        assertEquals("admin", login(s, basic("admin:" + generated)), "another PID's event changes nothing");
        s.configurationEvent(event(ConsoleSecurity.CONSOLE_PID));
        assertEquals("admin", login(s, basic("admin:next")));
        assertNull(login(s, basic("admin:" + generated)));
        assertNull(s.credentials().generated());
    }

    @Test
    void malformedCredentialsAreRefused() {
        configure(Map.of(ConsoleSecurity.PASSWORD, "pw"));
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        assertNull(login(s, "Bearer abc"));
        assertNull(login(s, "Basic !!!not-base64"));
        assertNull(login(s, basic("no-colon")));
        assertEquals("admin", login(s, "basic " + Base64.getEncoder().encodeToString("admin:pw".getBytes(StandardCharsets.UTF_8))),
                "the scheme is case-insensitive (RFC 7617)");
    }

    @Test
    void anUnusablePasswordRefusesEverything() {
        configure(Map.of(ConsoleSecurity.PASSWORD, "{nosuch}AAAA"));
        ConsoleSecurity s = new ConsoleSecurity(Stubs.context(Map.of()), store.admin());
        assertNull(s.credentials().generated(), "a broken setting is reported, not silently replaced");
        assertNull(login(s, basic("admin:AAAA")));
        assertNotEquals(0, s.credentials().password().length());
    }

    @SuppressWarnings("unchecked")
    private static ConfigurationEvent event(String pid) {
        ServiceReference<ConfigurationAdmin> ref = (ServiceReference<ConfigurationAdmin>) Proxy.newProxyInstance(
                ConsoleSecurityTest.class.getClassLoader(), new Class<?>[] { ServiceReference.class }, (p, m, a) -> {
                    throw new UnsupportedOperationException(m.getName());
                });
        return new ConfigurationEvent(ref, ConfigurationEvent.CM_UPDATED, null, pid);
    }
}
