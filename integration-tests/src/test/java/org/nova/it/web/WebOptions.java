package org.nova.it.web;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.nova.it.NovaOptions;
import org.nova.it.NovaProcess;
import org.ops4j.pax.exam.Option;

/**
 * The web page's platform for Pax Exam, as the runtime has it: the Web Console on Felix's Jetty 12
 * with what they import, the web bundle, and the web framework properties of runtime/nova.bndrun
 * (read from the file, so the suite runs the runtime's defaults, not a copy of them) — except the
 * port, which a suite picks free so that a runtime running on this machine does not collide.
 */
public final class WebOptions {
    /** The platform's jars in target/bundles (artifactIds), servlet API first. */
    public static final List<String> BUNDLES = List.of("org.apache.felix.http.servlet-api", "commons-io",
            "commons-fileupload", "org.apache.felix.http.jetty12", "org.apache.felix.inventory", "encoder",
            "org.apache.felix.webconsole", "web");
    /** Jetty's host and port properties (Felix HTTP's JettyConfig). */
    public static final String HOST = "org.apache.felix.http.host", PORT = "org.osgi.service.http.port";
    /** The Web Console's framework property naming the security providers it waits for. */
    public static final String SECURITY_PROVIDERS = "felix.webconsole.security.providers";
    /** Felix HTTP's framework property that makes Jetty wait for its configuration (web creates it). */
    public static final String REQUIRE_CONFIG = "org.apache.felix.http.require.config";
    /** The web bundle's framework property that starts the HTTP server whatever the runtime's mode. */
    public static final String SERVER = "nova.web.server";
    /** The Web Console's root path (its default manager.root) and the device tree page's label. */
    public static final String CONSOLE = "/system/console", PAGE = CONSOLE + "/nova";

    private WebOptions() {
    }

    /** @return the runtime's framework properties, {@code -runproperties} of runtime/nova.bndrun */
    public static Map<String, String> runtimeProperties() {
        Path bndrun = NovaProcess.repo().resolve("runtime/nova.bndrun");
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(bndrun, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + bndrun, e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : p.getProperty("-runproperties", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /**
     * @param port the HTTP port
     * @return the web platform's bundles and the runtime's web properties with that port
     */
    public static Option web(int port) {
        Map<String, String> runtime = runtimeProperties();
        List<Option> o = new ArrayList<>();
        for (String key : List.of(HOST, REQUIRE_CONFIG, SECURITY_PROVIDERS)) {
            String value = runtime.get(key);
            if (value == null) {
                throw new IllegalStateException("runtime/nova.bndrun sets no " + key + " in -runproperties");
            }
            o.add(frameworkProperty(key).value(value));
        }
        o.add(frameworkProperty(PORT).value(Integer.toString(port)));
        for (String b : BUNDLES) {
            File f = NovaOptions.target().resolve("bundles").resolve(b + ".jar").toFile();
            if (!f.isFile()) {
                throw new IllegalStateException(f + " is missing: the pom's copy-dependencies should have put " + b + " there");
            }
            o.add(bundle(f.toURI().toString()).startLevel(NovaOptions.LEVEL_BUNDLES));
        }
        return composite(o.toArray(Option[]::new));
    }

    /** @return a TCP port free on the loopback interface now */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
