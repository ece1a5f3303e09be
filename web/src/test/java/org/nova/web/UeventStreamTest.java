package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverCore;

/** The Server-Sent Events of the driver core's uevents. */
class UeventStreamTest {
    private static final Pattern EVENT = Pattern.compile("id: (\\d+)\nevent: uevent\ndata: (\\{.*\\})\n\n");
    private ToyBus toy;

    @BeforeEach
    void bus() {
        toy = new ToyBus();
        toy.driver("alpha", "widget");
    }

    @AfterEach
    void close() {
        toy.close();
    }

    private static List<String> events(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = EVENT.matcher(text);
        while (m.find()) {
            out.add(m.group(1) + " " + m.group(2));
        }
        return out;
    }

    /** A writer the test reads while the stream writes. */
    private static final class Shared extends Writer {
        private final StringBuilder sb = new StringBuilder();

        @Override
        public synchronized void write(char[] c, int off, int len) {
            sb.append(c, off, len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        synchronized String text() {
            return sb.toString();
        }
    }

    @Test
    void oneEventIsItsSeqnumTypeAndOneLineOfJson() {
        toy.add("widget0", "widget");
        DriverCore.UeventRecord bind = toy.awaitUevent("BIND", "widget0");
        String text = UeventStream.format(bind);
        assertTrue(text.startsWith("id: " + bind.seqnum() + "\nevent: uevent\ndata: {\"seq\":" + bind.seqnum()
                + ",\"action\":\"bind\",\"bus\":\"toy\",\"device\":\"widget0\",\"env\":{"), text);
        assertTrue(text.contains("\"DRIVER\":\"alpha\""), text);
        assertTrue(text.endsWith("}\n\n") && text.chars().filter(c -> c == '\n').count() == 4, text);
    }

    @Test
    void streamsWhatComesAfterTheGivenSeqnumUntilToldToStop() throws Exception {
        toy.add("old0", "widget");
        long after = toy.awaitUevent("BIND", "old0").seqnum();
        Shared out = new Shared();
        AtomicBoolean open = new AtomicBoolean(true);
        CompletableFuture<Long> last = CompletableFuture.supplyAsync(() -> {
            try {
                return UeventStream.run(toy.core(), after, new PrintWriter(out), open::get);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        toy.add("widget0", "widget");
        toy.bus.unbind("widget0");
        long newest = toy.awaitUevent("UNBIND", "widget0").seqnum();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!out.text().contains("id: " + newest + "\n") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        open.set(false);
        assertEquals(newest, last.get(10, TimeUnit.SECONDS));
        String text = out.text();
        assertTrue(text.startsWith("retry: " + UeventStream.RETRY.toMillis() + "\n\n"), text);
        List<String> events = events(text);
        assertEquals(List.of("add widget0", "bind widget0", "unbind widget0"),
                events.stream().map(e -> e.replaceAll(".*\"action\":\"(\\w+)\",\"bus\":\"toy\",\"device\":\"(\\w+)\".*", "$1 $2"))
                        .toList(), text);
        assertTrue(events.stream().noneMatch(e -> e.contains("old0")), "nothing at or before the SEQNUM given: " + text);
    }

    @Test
    void endsWhenTheClientIsGone() throws Exception {
        PrintWriter broken = new PrintWriter(new StringWriter()) {
            @Override
            public boolean checkError() {
                return true;
            }
        };
        assertEquals(7, UeventStream.run(toy.core(), 7, broken, () -> true), "returns at once, nothing written");
    }
}
