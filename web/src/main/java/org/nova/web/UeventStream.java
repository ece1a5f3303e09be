package org.nova.web;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

import org.nova.driver.DriverCore;

/**
 * The page's live uevent stream: the driver core's uevents ({@link DriverCore#recentUevents}, what
 * {@code drv:monitor} prints) as Server-Sent Events, the {@code text/event-stream} format of the
 * WHATWG HTML standard (section 9.2), which a browser's {@code EventSource} reads and reconnects
 * by itself.
 *
 * <p>Each uevent is one event of type {@value #EVENT}: its id is the SEQNUM (so a reconnecting
 * browser's {@code Last-Event-ID} says where to resume) and its data one line of JSON: seq,
 * action (the kernel's lower-case kobject action), bus, device and the environment. The stream
 * reads the core's record every {@link #POLL}; it ends when the client goes away, when its owner
 * says stop, or after {@link #LIFETIME} (the browser then reconnects after {@link #RETRY}), so no
 * request thread is held forever. The core keeps a few hundred uevents: a client slower than that
 * misses the oldest, and the page's tree, re-read on every event, is still right.
 */
final class UeventStream {
    /** The media type of the stream. */
    static final String CONTENT_TYPE = "text/event-stream";
    /** The SSE event type of a uevent: the page listens for it. */
    static final String EVENT = "uevent";
    /** How often the core's uevent record is read for new ones. */
    static final Duration POLL = Duration.ofMillis(100);
    /**
     * How long a quiet stream goes without a comment line: well below Jetty's idle timeout
     * (org.apache.felix.http.timeout, 60 s by default), which would otherwise close it.
     */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** How long one stream lasts before it ends and the browser reconnects. */
    static final Duration LIFETIME = Duration.ofMinutes(10);
    /** The reconnection delay the stream asks the browser for (the SSE "retry" field). */
    static final Duration RETRY = Duration.ofSeconds(1);

    private UeventStream() {
    }

    /**
     * Writes every uevent newer than {@code after} as it is posted, until the client is gone,
     * {@code open} turns false or {@link #LIFETIME} passes.
     *
     * @param after the SEQNUM last seen (0 for everything the core still holds)
     * @param out the response's writer, flushed after each event
     * @param open false once the stream must end (the page's plugin is going away)
     * @return the SEQNUM of the last event written, {@code after} if none
     * @throws InterruptedException if the request thread is interrupted while waiting
     */
    static long run(DriverCore core, long after, PrintWriter out, BooleanSupplier open) throws InterruptedException {
        long last = after;
        long start = System.nanoTime();
        long quietSince = start;
        out.print("retry: " + RETRY.toMillis() + "\n\n");
        out.flush();
        while (open.getAsBoolean() && !out.checkError() && System.nanoTime() - start < LIFETIME.toNanos()) {
            boolean wrote = false;
            for (DriverCore.UeventRecord e : core.recentUevents()) {
                if (e.seqnum() > last) {
                    out.print(format(e));
                    last = e.seqnum();
                    wrote = true;
                }
            }
            if (!wrote && System.nanoTime() - quietSince > HEARTBEAT.toNanos()) {
                out.print(": quiet\n\n");
                wrote = true;
            }
            if (wrote) {
                out.flush();
                quietSince = System.nanoTime();
            }
            Thread.sleep(POLL);
        }
        return last;
    }

    /** @return one uevent as an SSE event: id, event type and one line of JSON data */
    static String format(DriverCore.UeventRecord e) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("seq", e.seqnum());
        data.put("action", e.action().name().toLowerCase(Locale.ROOT));
        data.put("bus", e.bus());
        data.put("device", e.device());
        data.put("env", new TreeMap<>(e.env()));
        // Json escapes line breaks, so the data is one line as the format requires
        return "id: " + e.seqnum() + "\nevent: " + EVENT + "\ndata: " + Json.write(data) + "\n\n";
    }
}
