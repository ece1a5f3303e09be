package org.nova.it.shell;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A telnet client as netcat is one: it answers no option, strips the server's commands and
 * negotiation (RFC 854: IAC verb option, IAC SB ... IAC SE) out of what it shows, and sends lines
 * ending in the NVT newline CR LF. What the server shows is kept without ANSI control sequences,
 * so a test waits for text to appear, as {@link Terminal} does.
 */
final class TelnetClient implements AutoCloseable {
    private static final int IAC = 255;
    private static final int SB = 250;
    private static final int SE = 240;
    private static final int WILL = 251;
    private static final int DONT = 254;

    private final Socket socket;
    private final OutputStream out;
    private final Screen screen;

    TelnetClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        out = socket.getOutputStream();
        screen = new Screen("telnet session on port " + socket.getLocalPort());
        Thread reader = new Thread(this::copy, "telnet-client-" + socket.getLocalPort());
        reader.setDaemon(true);
        reader.start();
    }

    private void copy() {
        try {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int state = 0; // 0 data, 1 after IAC, 2 after a verb, 3 in SB, 4 IAC in SB
            for (int n; (n = in.read(buf)) > 0;) {
                for (int i = 0; i < n; i++) {
                    int b = buf[i] & 0xff;
                    switch (state) {
                        case 0 -> {
                            if (b == IAC) {
                                state = 1;
                            } else {
                                data.write(b);
                            }
                        }
                        case 1 -> state = b == IAC ? append(data, b) : b == SB ? 3 : b >= WILL && b <= DONT ? 2 : 0;
                        case 2 -> state = 0;
                        case 3 -> state = b == IAC ? 4 : 3;
                        default -> state = b == SE ? 0 : 3;
                    }
                }
                screen.append(data.toString(StandardCharsets.UTF_8));
                data.reset();
            }
        } catch (IOException e) {
            // the connection closed
        }
        screen.end();
    }

    private static int append(ByteArrayOutputStream data, int b) {
        data.write(b);
        return 0;
    }

    /** Sends a line, CR LF ended. */
    TelnetClient line(String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    /** @return a position in what was shown, now: what appears after it is new */
    int mark() {
        return screen.mark();
    }

    /** @return everything shown so far, without control sequences */
    String shown() {
        return screen.shown();
    }

    /** Waits until text matching {@code regex} appears after {@code from}; @return what was shown since */
    String await(int from, String regex, long seconds) throws InterruptedException {
        return screen.await(from, regex, seconds);
    }

    /** @return whether the server closed the connection within the time */
    boolean awaitClosed(long seconds) throws InterruptedException {
        return screen.awaitEnd(seconds);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
