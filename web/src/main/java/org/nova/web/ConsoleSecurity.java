package org.nova.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Hashtable;

import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Who may use the Web Console: the console's own admin user and password, checked on every
 * request (HTTP Basic), and every refusal logged as a WARN line naming the method, the path and
 * the remote address.
 *
 * <p>The credentials are the console's own: the {@code username} and {@code password} of its
 * configuration {@value #CONSOLE_PID} in Configuration Admin, else its framework properties
 * {@value #FW_USERNAME} and {@value #FW_PASSWORD} — the console's precedence. Where the console
 * would fall back to admin/admin, this provider generates a password instead, stores it hashed in
 * that configuration and keeps the clear text for {@code web:info}; a configured password that is
 * the well-known "admin" is replaced the same way. The runtime makes the console require this
 * provider (framework property {@code felix.webconsole.security.providers=}{@value #PROVIDER_ID}),
 * which also turns off the console's built-in check: until this provider runs, the console serves
 * nothing.
 *
 * <p>This component owns the credentials in force; changes to the configuration reach it as
 * configuration events and take effect at once.
 */
@Component(immediate = true, service = { SecurityProvider.class, ConfigurationListener.class, ConsoleSecurity.class },
        property = SecurityProvider.PROPERTY_ID + "=" + ConsoleSecurity.PROVIDER_ID)
public final class ConsoleSecurity implements SecurityProvider, ConfigurationListener {
    /** This provider's id, which the runtime's framework property makes the console require. */
    static final String PROVIDER_ID = "nova";
    /** The Web Console's configuration PID (its OsgiManager's class name). */
    static final String CONSOLE_PID = "org.apache.felix.webconsole.internal.servlet.OsgiManager";
    /** Configuration Admin's multi-location: every bundle may receive the configuration (the console and DS alike). */
    static final String ANY_LOCATION = "?";
    /** Selects the console's configuration whatever location it is bound to. */
    private static final String PID_FILTER = "(" + Constants.SERVICE_PID + "=" + CONSOLE_PID + ")";
    /** The console's configuration properties this provider reads. */
    static final String USERNAME = "username", PASSWORD = "password", REALM = "realm", MANAGER_ROOT = "manager.root";
    /** The console's framework properties for the same, used when the configuration has none. */
    static final String FW_USERNAME = "felix.webconsole.username", FW_PASSWORD = "felix.webconsole.password",
            FW_REALM = "felix.webconsole.realm", FW_MANAGER_ROOT = "felix.webconsole.manager.root";
    /** The console's defaults for the realm and its root path (OsgiManager, Web Console 5.0). */
    static final String DEFAULT_REALM = "OSGi Management Console", DEFAULT_MANAGER_ROOT = "/system/console";
    /** RFC 7617: the header a client sends its credentials in, the challenge's header, the scheme. */
    static final String AUTHORIZATION = "Authorization", WWW_AUTHENTICATE = "WWW-Authenticate", BASIC = "Basic";

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleSecurity.class);

    /**
     * The credentials in force.
     *
     * @param user the console's user name
     * @param password the password as stored (plain or in {@link ConsolePassword}'s hashed form)
     * @param generated its clear text when this provider generated it, else null
     * @param source where the password comes from, for {@code web:info}
     * @param realm the Basic realm the challenge names
     * @param managerRoot the console's root path ("/system/console")
     */
    record Credentials(String user, String password, String generated, String source, String realm,
            String managerRoot) {
    }

    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final SecureRandom random = new SecureRandom();
    private volatile Credentials credentials;

    @Activate
    public ConsoleSecurity(BundleContext context, @Reference ConfigurationAdmin cm) {
        this.context = context;
        this.cm = cm;
        reload();
    }

    /** @return the credentials in force */
    Credentials credentials() {
        return credentials;
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (CONSOLE_PID.equals(event.getPid())) {
            reload();
        }
    }

    /**
     * Reads the console's credentials; generates and stores a password where there is none or
     * only the well-known one.
     */
    private synchronized void reload() {
        Dictionary<String, Object> props = consoleProperties();
        String user = property(props, USERNAME, FW_USERNAME, ConsolePassword.WELL_KNOWN);
        String password = property(props, PASSWORD, FW_PASSWORD, null);
        String source = props.get(PASSWORD) != null ? "configuration " + CONSOLE_PID : "framework property " + FW_PASSWORD;
        String realm = property(props, REALM, FW_REALM, DEFAULT_REALM);
        String root = property(props, MANAGER_ROOT, FW_MANAGER_ROOT, DEFAULT_MANAGER_ROOT);
        Credentials was = credentials;
        if (was != null && was.generated() != null && was.password().equals(password)) {
            credentials = new Credentials(user, password, was.generated(), was.source(), realm, root);
            return;
        }
        if (password != null && !usable(password)) {
            credentials = new Credentials(user, password, null, source, realm, root);
            return;
        }
        if (password == null || ConsolePassword.isWellKnown(password)) {
            String clear = ConsolePassword.generate(random);
            String stored = ConsolePassword.hash(clear, random);
            credentials = new Credentials(user, stored, clear, "generated at start", realm, root);
            store(props, user, stored);
            LOG.info("web console: {}; generated a password for user '{}' (web:info shows it)",
                    password == null ? "no password configured" : "the well-known default password is refused", user);
            return;
        }
        credentials = new Credentials(user, password, null, source, realm, root);
    }

    /** @return whether the stored password can be checked; logs why not */
    private static boolean usable(String password) {
        try {
            ConsolePassword.isWellKnown(password);
            return true;
        } catch (IllegalStateException e) {
            LOG.error("web console: every request is refused until {} {} is fixed: {}", CONSOLE_PID, PASSWORD,
                    e.getMessage());
            return false;
        }
    }

    @Override
    public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
        Credentials c = credentials;
        String header = request.getHeader(AUTHORIZATION);
        String reason;
        if (header == null) {
            reason = "no credentials";
        } else if (!header.regionMatches(true, 0, BASIC + " ", 0, BASIC.length() + 1)) {
            reason = "not " + BASIC + " authentication";
        } else {
            String userPass;
            try {
                userPass = new String(Base64.getDecoder().decode(header.substring(BASIC.length() + 1).trim()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                userPass = null;
            }
            int colon = userPass == null ? -1 : userPass.indexOf(':');
            if (colon < 0) {
                reason = "malformed " + BASIC + " credentials";
            } else {
                String user = userPass.substring(0, colon);
                boolean userOk = MessageDigest.isEqual(user.getBytes(StandardCharsets.UTF_8),
                        c.user().getBytes(StandardCharsets.UTF_8));
                boolean passwordOk;
                try {
                    passwordOk = ConsolePassword.matches(c.password(), userPass.substring(colon + 1));
                } catch (IllegalStateException e) {
                    passwordOk = false;
                }
                if (passwordOk && userOk) {
                    return user;
                }
                reason = "wrong user or password";
            }
        }
        LOG.warn("web console: refused {} {} from {}: {}", request.getMethod(), request.getRequestURI(),
                request.getRemoteAddr(), reason);
        response.setHeader(WWW_AUTHENTICATE, BASIC + " realm=\"" + c.realm() + "\", charset=\"UTF-8\"");
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setContentLength(0);
        try {
            response.flushBuffer();
        } catch (IOException e) {
            LOG.debug("web console: the refusal could not be sent to {}", request.getRemoteAddr(), e);
        }
        return null;
    }

    /** Every authenticated user is the console's one administrator. */
    @Override
    public boolean authorize(Object user, String role) {
        return true;
    }

    /** Basic authentication keeps no state on the server: the console's own logout asks the browser to forget. */
    @Override
    public void logout(HttpServletRequest request, HttpServletResponse response) {
    }

    private Dictionary<String, Object> consoleProperties() {
        try {
            // listed rather than fetched: the configuration may be bound to the console's location
            Configuration[] found = cm.listConfigurations(PID_FILTER);
            return found == null || found[0].getProperties() == null ? new Hashtable<>() : found[0].getProperties();
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("web console: cannot read configuration {}: {}", CONSOLE_PID, e.toString());
            return new Hashtable<>();
        }
    }

    private String property(Dictionary<String, Object> props, String key, String frameworkKey, String fallback) {
        Object v = props.get(key);
        if (v != null && !v.toString().isEmpty()) {
            return v.toString();
        }
        String fw = context.getProperty(frameworkKey);
        return fw == null || fw.isEmpty() ? fallback : fw;
    }

    private void store(Dictionary<String, Object> props, String user, String stored) {
        Dictionary<String, Object> updated = new Hashtable<>();
        for (var keys = props.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            updated.put(k, props.get(k));
        }
        updated.put(USERNAME, user);
        updated.put(PASSWORD, stored);
        try {
            Configuration[] found = cm.listConfigurations(PID_FILTER);
            Configuration c = found == null ? cm.getConfiguration(CONSOLE_PID, ANY_LOCATION) : found[0];
            c.update(updated);
        } catch (IOException | InvalidSyntaxException e) {
            LOG.warn("web console: cannot store the generated password in {} ({}); it holds until the runtime stops",
                    CONSOLE_PID, e.toString());
        }
    }
}
