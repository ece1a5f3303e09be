package org.nova.runtime;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.BiConsumer;

/**
 * The server side of the telnet protocol a shell needs (RFC 854), no more: the server echoes
 * (ECHO, RFC 857) and suppresses go-ahead (SGA, RFC 858), and asks for the window size (NAWS,
 * RFC 1073) and terminal type (TTYPE, RFC 1091). The input side strips commands and option
 * negotiation out of the data, turns the NVT newline (CR LF, CR NUL) into CR and an escaped IAC
 * into the byte 255; the output side escapes 255. Whatever the client refuses or never answers,
 * the data still flows: a raw TCP client (netcat, a test) is a telnet client that negotiates nothing.
 *
 * <p>Not thread-safe: one reader thread reads {@link #input()}; writes to {@link #output()} are
 * serialized on the socket's stream by the caller's terminal.
 */
final class TelnetProtocol {
    /** Interpret As Command (RFC 854). */
    static final int IAC = 255;
    static final int DONT = 254;
    static final int DO = 253;
    static final int WONT = 252;
    static final int WILL = 251;
    /** Subnegotiation begin and end (RFC 854). */
    static final int SB = 250;
    static final int SE = 240;
    /** Options: echo (RFC 857), suppress go-ahead (RFC 858), terminal type (RFC 1091), window size (RFC 1073). */
    static final int ECHO = 1;
    static final int SGA = 3;
    static final int TTYPE = 24;
    static final int NAWS = 31;
    /** TTYPE subnegotiation codes (RFC 1091): IS carries the name, SEND asks for it. */
    static final int TTYPE_IS = 0;
    static final int TTYPE_SEND = 1;
    /** The longest subnegotiation kept; a longer one is dropped (a terminal name is at most 40 bytes, RFC 1091). */
    static final int MAX_SUBNEGOTIATION = 64;

    private final InputStream in;
    private final OutputStream out;
    private final BiConsumer<Integer, Integer> windowSize;
    private volatile String terminalType;
    private final Input input = new Input();
    private final OutputStream output;

    /**
     * @param windowSize called with (columns, rows) whenever the client reports its window
     */
    TelnetProtocol(InputStream in, OutputStream out, BiConsumer<Integer, Integer> windowSize) {
        this.in = in;
        this.out = out;
        this.windowSize = windowSize;
        this.output = new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                if ((b & 0xff) == IAC) {
                    out.write(IAC);
                }
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                for (int i = off; i < off + len; i++) {
                    write(b[i]);
                }
            }
        };
    }

    /** Sends the server's side of the negotiation: it echoes, no go-ahead, and asks for window size and type. */
    void negotiate() throws IOException {
        out.write(new byte[] {
                (byte) IAC, (byte) WILL, ECHO,
                (byte) IAC, (byte) WILL, SGA,
                (byte) IAC, (byte) DO, NAWS,
                (byte) IAC, (byte) DO, TTYPE });
        out.flush();
    }

    /** @return the terminal type the client named (lower case), or null if it named none yet */
    String terminalType() {
        return terminalType;
    }

    /** @return the data the client typed, commands and negotiation removed */
    InputStream input() {
        return input;
    }

    /** @return a stream to the client, 255 escaped */
    OutputStream output() {
        return output;
    }

    /**
     * Reads what the client sends for up to {@code millis} or until it has named its terminal
     * type, keeping the data bytes for {@link #input()}: a client that answers DO TTYPE does so at
     * once, one that does not is waited for no longer.
     *
     * @param socket the connection, whose read timeout is used and put back to none
     */
    void awaitTerminalType(Socket socket, long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (terminalType == null) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) left);
                int c;
                try {
                    c = input.next();
                } catch (SocketTimeoutException e) {
                    break;
                }
                if (c < 0) {
                    break;
                }
                input.pending.add(c);
            }
        } finally {
            socket.setSoTimeout(0);
        }
    }

    private final class Input extends InputStream {
        /** Data bytes read while negotiating, served first. */
        final ArrayDeque<Integer> pending = new ArrayDeque<>();
        /** Whether the last data byte was a CR, so that a following LF or NUL is dropped. */
        private boolean afterCr;

        @Override
        public int read() throws IOException {
            Integer p = pending.poll();
            return p != null ? p : next();
        }

        /** The next data byte from the socket. */
        int next() throws IOException {
            for (;;) {
                int c = in.read();
                if (c < 0) {
                    return -1;
                }
                if (c == IAC) {
                    int cmd = in.read();
                    if (cmd < 0) {
                        return -1;
                    }
                    if (cmd == IAC) {
                        afterCr = false;
                        return IAC;
                    }
                    command(cmd);
                    continue;
                }
                if (afterCr && (c == '\n' || c == 0)) {
                    afterCr = false;
                    continue;
                }
                afterCr = c == '\r';
                return c;
            }
        }

        /**
         * One byte at a time: the byte after one that is ready may be a command or a newline's
         * second half, and reading past it would block with data in hand.
         */
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int c = read();
            if (c < 0) {
                return -1;
            }
            b[off] = (byte) c;
            return 1;
        }

        @Override
        public int available() throws IOException {
            return pending.size() + in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private void command(int cmd) throws IOException {
        switch (cmd) {
            case WILL, WONT, DO, DONT -> option(cmd, in.read());
            case SB -> subnegotiation();
            default -> {
                // NOP, data mark, break, go-ahead...: nothing for a shell
            }
        }
    }

    private void option(int verb, int option) throws IOException {
        if (verb == WILL && option == TTYPE) {
            out.write(new byte[] { (byte) IAC, (byte) SB, TTYPE, TTYPE_SEND, (byte) IAC, (byte) SE });
            out.flush();
        }
        // every other answer is taken as given: the server's offers stand whatever the client says
    }

    private void subnegotiation() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                return;
            }
            if (c == IAC) {
                int next = in.read();
                if (next == SE || next < 0) {
                    break;
                }
                c = next; // IAC IAC inside a subnegotiation is 255
            }
            if (body.size() < MAX_SUBNEGOTIATION) {
                body.write(c);
            }
        }
        byte[] b = body.toByteArray();
        if (b.length == 5 && (b[0] & 0xff) == NAWS) {
            int columns = (b[1] & 0xff) << 8 | (b[2] & 0xff);
            int rows = (b[3] & 0xff) << 8 | (b[4] & 0xff);
            if (columns > 0 && rows > 0) {
                windowSize.accept(columns, rows);
            }
        } else if (b.length > 2 && (b[0] & 0xff) == TTYPE && b[1] == TTYPE_IS) {
            terminalType = new String(b, 2, b.length - 2, StandardCharsets.US_ASCII).toLowerCase();
        }
    }
}
