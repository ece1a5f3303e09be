package org.nova.web;

import java.util.ArrayList;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code web} shell scope: where the device tree page is and how to log in. The shell's user
 * owns the runtime, so {@code web:info} shows a password this bundle generated in clear; a
 * configured one is never shown.
 */
@Component(service = WebCommands.class, property = {
        "osgi.command.scope=web",
        "osgi.command.function=info" })
public final class WebCommands {
    /** The OSGi Servlet Whiteboard's runtime service (whiteboard spec 2.0, Jakarta servlets). */
    static final String HTTP_SERVICE_RUNTIME = "org.osgi.service.servlet.runtime.HttpServiceRuntime";
    /** Its property with the server's URLs (HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT). */
    static final String ENDPOINT = "osgi.http.endpoint";

    private final BundleContext context;
    private final ConsoleSecurity security;
    private final WebServer server;

    @Activate
    public WebCommands(BundleContext context, @Reference ConsoleSecurity security, @Reference WebServer server) {
        this.context = context;
        this.security = security;
        this.server = server;
    }

    /** web:info — the HTTP server's state, the page's address, the console's user and, if generated here, its password. */
    public String info() throws InvalidSyntaxException {
        ConsoleSecurity.Credentials c = security.credentials();
        List<String> pages = new ArrayList<>();
        ServiceReference<?>[] refs = context.getServiceReferences(HTTP_SERVICE_RUNTIME, null);
        for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
            for (String endpoint : endpoints(r.getProperty(ENDPOINT))) {
                pages.add(endpoint.replaceAll("/+$", "") + c.managerRoot() + "/" + DeviceTreePlugin.LABEL);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("server    ").append(server.state()).append('\n');
        if (pages.isEmpty()) {
            sb.append("page      (no HTTP server is running)\n");
        }
        for (String p : pages) {
            sb.append("page      ").append(p).append('\n');
        }
        sb.append("user      ").append(c.user()).append('\n');
        sb.append("password  ").append(c.generated() != null ? c.generated() + " (" + c.source() + ")"
                : "(" + c.source() + ")").append('\n');
        return sb.toString();
    }

    private static List<String> endpoints(Object property) {
        return switch (property) {
            case String s -> List.of(s);
            case String[] a -> List.of(a);
            case null, default -> List.of();
        };
    }
}
