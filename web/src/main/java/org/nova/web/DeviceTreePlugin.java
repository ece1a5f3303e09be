package org.nova.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.felix.webconsole.servlet.ServletConstants;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.drm.DrmDevices;
import org.nova.gpu.NovaGpus;
import org.nova.vgpu.VgpuManager;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The Web Console page of the device tree, at {@code <console root>/}{@value #LABEL}: buses →
 * devices → drivers with state, driver_override and live devres, the GPUs, DRM devices and vGPUs,
 * the uevents as they happen, and bind / unbind / driver_override on each device.
 *
 * <p>A plain servlet registered with the console's plugin properties: the console frames the
 * page's HTML with its header and menu, and hands everything else under the label to this servlet
 * undecorated — {@value #TREE} (the {@link DeviceTree} snapshot as JSON), {@value #EVENTS} (the
 * {@link UeventStream}), the page's script and style under {@code res/} (served by the console
 * from this bundle), and POSTs to {@code bind}, {@code unbind} and {@code override}
 * ({@link DeviceActions}), which answer JSON: {@code ok} and the shell's message, or the errno
 * and the driver core's message with a 4xx/5xx status. The console's security provider
 * ({@link ConsoleSecurity}) has let every request in before it gets here.
 *
 * <p>A POST must carry the header {@value #REQUEST_HEADER}: the page's script sends it, a form on
 * another site cannot (a cross-site request with a custom header needs a CORS preflight, which
 * nothing here grants), so a browser holding the console's credentials cannot be made to unbind
 * a device by another page. A POST without it is refused (403) and logged.
 */
@Component(service = Servlet.class, property = {
        ServletConstants.PLUGIN_LABEL + "=" + DeviceTreePlugin.LABEL,
        ServletConstants.PLUGIN_TITLE + "=" + DeviceTreePlugin.TITLE,
        ServletConstants.PLUGIN_CATEGORY + "=" + DeviceTreePlugin.CATEGORY })
public final class DeviceTreePlugin extends HttpServlet {
    /** The page's path segment under the console's root. */
    static final String LABEL = "nova";
    /** The page's name in the console's menu, and the menu's category. */
    static final String TITLE = "Device tree", CATEGORY = "Nova";
    /** The snapshot, the uevent stream and the page's own files, relative to the page. */
    static final String TREE = "/tree.json", EVENTS = "/events.stream", RES = "/res/";
    /** The header the page's script sends with every action, and its value. */
    static final String REQUEST_HEADER = "X-Requested-With", REQUEST_HEADER_VALUE = "nova";
    /** The SSE request header of a reconnecting browser, and the query parameter a first connection uses instead. */
    static final String LAST_EVENT_ID = "Last-Event-ID", AFTER = "after";

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DeviceTreePlugin.class);
    private static final String JSON = "application/json";
    /** Every answer but the page's files is live: never from a cache. */
    private static final String CACHE_CONTROL = "Cache-Control", NO_STORE = "no-store";

    private final transient DriverCore core;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile NovaGpus gpus;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile DrmDevices drm;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile VgpuManager vgpus;
    /** False once the component is deactivated or the console destroys the servlet: open uevent streams end. */
    private transient volatile boolean open = true;

    @Activate
    public DeviceTreePlugin(@Reference DriverCore core) {
        this.core = core;
    }

    @Deactivate
    void deactivate() {
        open = false;
    }

    /** The console lets go of the page (it stops, or the plugin goes): open uevent streams end. */
    @Override
    public void destroy() {
        open = false;
        super.destroy();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String sub = subPath(req);
        switch (sub) {
            case "", "/" -> page(req, resp);
            case TREE -> json(resp, HttpServletResponse.SC_OK, DeviceTree.snapshot(core, gpus, drm, vgpus));
            case EVENTS -> events(req, resp);
            default -> resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no " + sub + " on the device tree page");
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!REQUEST_HEADER_VALUE.equals(req.getHeader(REQUEST_HEADER))) {
            LOG.warn("web console: refused {} {} from {}: no {} header (actions come from the page's script)",
                    req.getMethod(), req.getRequestURI(), req.getRemoteAddr(), REQUEST_HEADER);
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "actions need the header " + REQUEST_HEADER);
            return;
        }
        String action = subPath(req).replaceFirst("^/", "");
        Map<String, Object> answer = new LinkedHashMap<>();
        try {
            String message = DeviceActions.perform(core, action, req.getParameter(DeviceActions.BUS),
                    req.getParameter(DeviceActions.DEVICE), req.getParameter(DeviceActions.DRIVER));
            answer.put("ok", true);
            answer.put("message", message);
            json(resp, HttpServletResponse.SC_OK, answer);
        } catch (DriverException e) {
            answer.put("ok", false);
            answer.put("errno", e.errno().name());
            answer.put("message", e.getMessage());
            json(resp, DeviceActions.httpStatus(e.errno()), answer);
        }
    }

    /** The page itself: a frame the script fills from the snapshot and the stream. */
    private static void page(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String root = html(pluginRoot(req));
        PrintWriter w = resp.getWriter();
        w.println("<link rel='stylesheet' href='" + root + RES + "devices.css'>");
        w.println("<div id='nova' data-root='" + root + "'>");
        w.println("  <p class='nova-bar'><span id='nova-live'>connecting</span> <span id='nova-devres'></span>"
                + " <span id='nova-message'></span></p>");
        w.println("  <div id='nova-buses'></div>");
        w.println("  <div id='nova-gpus'></div>");
        w.println("  <h3>uevents</h3><ol id='nova-uevents' reversed></ol>");
        w.println("</div>");
        w.println("<script src='" + root + RES + "devices.js'></script>");
    }

    private void events(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String from = req.getHeader(LAST_EVENT_ID) != null ? req.getHeader(LAST_EVENT_ID) : req.getParameter(AFTER);
        long after;
        try {
            after = from == null || from.isEmpty() ? 0 : Long.parseLong(from);
        } catch (NumberFormatException e) {
            resp.sendError(HttpServletResponse.SC_BAD_REQUEST, "not a SEQNUM: " + from);
            return;
        }
        resp.setContentType(UeventStream.CONTENT_TYPE);
        resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
        resp.setHeader(CACHE_CONTROL, NO_STORE);
        try {
            UeventStream.run(core, after, resp.getWriter(), () -> open);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType(JSON);
        resp.setCharacterEncoding(StandardCharsets.UTF_8.name());
        resp.setHeader(CACHE_CONTROL, NO_STORE);
        resp.getWriter().write(Json.write(body));
    }

    /** @return the console's path of this page ("/system/console/nova"), as the console set it on the request */
    private static String pluginRoot(HttpServletRequest req) {
        Object root = req.getAttribute(ServletConstants.ATTR_PLUGIN_ROOT);
        return root == null ? "" : root.toString();
    }

    /** @return the request's path below the page ("" for the page, "/tree.json", "/bind") */
    private static String subPath(HttpServletRequest req) {
        String root = pluginRoot(req);
        String uri = req.getRequestURI();
        return !root.isEmpty() && uri.startsWith(root) ? uri.substring(root.length()) : "";
    }

    /** @return {@code s} safe inside an HTML attribute quoted with ' */
    private static String html(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
                .replace("\"", "&quot;");
    }
}
