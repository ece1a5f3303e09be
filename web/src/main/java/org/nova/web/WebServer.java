package org.nova.web;

import java.io.IOException;
import java.util.Hashtable;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the page's HTTP server runs: with the interactive runtime yes, with a batch command line
 * ({@code ./nova -c}, the framework property {@value #BATCH_COMMAND}) no — nobody opens a browser
 * on a run that prints and exits, and Jetty's start is most of what the web bundles cost. The
 * framework property {@value #SERVER} ({@code true} or {@code false}) decides instead when set.
 *
 * <p>The runtime starts Felix's Jetty with {@value #REQUIRE_CONFIG}{@code =true}: it listens only
 * once its configuration {@value #HTTP_PID} exists. This component creates that configuration,
 * empty, so host and port still come from the framework properties
 * ({@code org.apache.felix.http.host}, {@code org.osgi.service.http.port}); a configuration someone
 * made already is left alone, and Jetty starts or not by it.
 */
@Component(immediate = true, service = WebServer.class)
public final class WebServer {
    /** Felix HTTP's configuration PID (JettyService.PID). */
    static final String HTTP_PID = "org.apache.felix.http";
    /** Felix HTTP's framework property that makes Jetty wait for {@value #HTTP_PID} (JettyConfig). */
    static final String REQUIRE_CONFIG = "org.apache.felix.http.require.config";
    /** This bundle's framework property: start the server (true) or not (false) whatever the mode. */
    static final String SERVER = "nova.web.server";
    /** The runtime's framework property holding {@code ./nova -c}'s command line (the runtime's BatchRunner). */
    static final String BATCH_COMMAND = "nova.command";

    private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);

    /** Why the server runs or not, for {@code web:info}. */
    private final String state;

    @Activate
    public WebServer(BundleContext context, @Reference ConfigurationAdmin cm) {
        String server = context.getProperty(SERVER);
        String why = reason(server, context.getProperty(BATCH_COMMAND));
        if (!starts(server, context.getProperty(BATCH_COMMAND))) {
            state = "not started (" + why + "; -D" + SERVER + "=true starts it)";
            return;
        }
        String s;
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + HTTP_PID + ")");
            if (found == null) {
                cm.getConfiguration(HTTP_PID, ConsoleSecurity.ANY_LOCATION).update(new Hashtable<>());
                s = "started (" + why + ")";
            } else {
                s = "configured by " + HTTP_PID;
            }
        } catch (IOException | InvalidSyntaxException e) {
            LOG.error("web: cannot create the configuration {} that starts the HTTP server: {}", HTTP_PID, e.toString());
            s = "not started (" + e + ")";
        }
        state = s;
    }

    /**
     * @param server the framework property {@value #SERVER}, or null
     * @param command the framework property {@value #BATCH_COMMAND}, or null
     * @return whether the server starts: as {@value #SERVER} says, else unless there is a command line
     */
    static boolean starts(String server, String command) {
        return server != null ? Boolean.parseBoolean(server) : command == null || command.isBlank();
    }

    /** @return what {@link #starts} decided by, in words */
    static String reason(String server, String command) {
        return server != null ? SERVER + "=" + server : starts(null, command) ? "interactive runtime" : "batch command line";
    }

    /** @return whether and why the server was started, in words */
    String state() {
        return state;
    }
}
