package org.nova.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Descriptor;
import org.jline.terminal.Attributes;
import org.jline.terminal.Attributes.ControlChar;
import org.jline.terminal.Attributes.InputFlag;
import org.jline.terminal.Attributes.LocalFlag;
import org.jline.terminal.Attributes.OutputFlag;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code shell:telnetd [-i ADDRESS] [-p PORT] start|stop|status}: more shells on this machine
 * while the runtime runs, each a login of its own. Each connection runs a {@link ShellLoop} on a
 * thread of its own: its own Gogo session, variables, line reader and command history (in memory:
 * the console alone owns the history file), the runtime's profile, and failures told through
 * {@link CommandErrors}. Ctrl-D, {@code exit} or a closed connection ends that session only; the
 * console, the other sessions and the runtime go on. A session that fails is logged and closed
 * with the same effect.
 *
 * <p>There is no login, so the server listens on a loopback address only (default
 * {@value #DEFAULT_ADDRESS}, port {@value #DEFAULT_PORT}, Gogo's old telnetd's); another address
 * is refused with EPERM. The protocol is {@link TelnetProtocol}'s; each connection's terminal is a
 * JLine terminal on the socket with a cooked tty's settings. Enabled by {@link GogoJlineShells}
 * while Gogo JLine runs. Immediate, so that the server
 * outlives the command that started it. Owns the listening socket, the connections and their
 * sessions: stopping the server or this component (the runtime bundle, Gogo JLine) closes them all
 * and returns at once.
 */
@Component(service = TelnetShells.class, immediate = true, enabled = false, property = {
        "osgi.command.scope=" + TelnetShells.SCOPE, "osgi.command.function=telnetd", "osgi.command.function=sessions" })
public final class TelnetShells {
    private static final Logger LOG = LoggerFactory.getLogger(TelnetShells.class);
    /** The command scope. */
    static final String SCOPE = "shell";
    /** The default port (Gogo's and JLine's telnetd's). */
    static final int DEFAULT_PORT = 2019;
    /** The default address, a loopback one. */
    static final String DEFAULT_ADDRESS = "127.0.0.1";
    /** How long a new connection is given to name its terminal type before the shell starts without it. */
    static final long TERMINAL_TYPE_WAIT_MS = 500;
    /** The terminal type of a client that names none: what a telnet client usually is. */
    static final String DEFAULT_TERMINAL_TYPE = "ansi";
    /** The window of a client that reports none (a VT100's). */
    static final Size DEFAULT_SIZE = new Size(80, 24);
    /** The usage line. */
    static final String USAGE = "usage: shell:telnetd [-i ADDRESS] [-p PORT] start|stop|status";

    private final Shell shell;
    private final CommandProcessor processor;
    /** The connections open now, by number. */
    private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
    private final AtomicInteger opened = new AtomicInteger();
    /** The listening socket, null while the server does not run; guarded by this. */
    private ServerSocket server;

    /** One connection: its socket, and its shell once it runs. */
    private static final class Connection {
        final int number;
        final Socket socket;
        /** The connection's shell, once it runs (written by its thread, read by a stop). */
        volatile ShellLoop loop;

        Connection(int number, Socket socket) {
            this.number = number;
            this.socket = socket;
        }
    }

    @Activate
    public TelnetShells(@Reference(service = Shell.class) Shell shell, @Reference CommandProcessor processor) {
        this.shell = shell;
        this.processor = processor;
    }

    /** A terminal's settings after {@code stty sane}: what a login's line discipline starts with. */
    static Attributes cooked() {
        Attributes a = new Attributes();
        a.setInputFlags(EnumSet.of(InputFlag.ICRNL, InputFlag.IXON));
        a.setOutputFlags(EnumSet.of(OutputFlag.OPOST, OutputFlag.ONLCR));
        a.setLocalFlags(EnumSet.of(LocalFlag.ISIG, LocalFlag.ICANON, LocalFlag.ECHO, LocalFlag.ECHOE, LocalFlag.ECHOK,
                LocalFlag.IEXTEN));
        a.setControlChar(ControlChar.VINTR, 3);   // ^C
        a.setControlChar(ControlChar.VQUIT, 28);  // ^\
        a.setControlChar(ControlChar.VERASE, 127);
        a.setControlChar(ControlChar.VKILL, 21);  // ^U
        a.setControlChar(ControlChar.VEOF, 4);    // ^D
        a.setControlChar(ControlChar.VSUSP, 26);  // ^Z
        a.setControlChar(ControlChar.VWERASE, 23);
        a.setControlChar(ControlChar.VLNEXT, 22);
        a.setControlChar(ControlChar.VMIN, 1);
        a.setControlChar(ControlChar.VTIME, 0);
        return a;
    }

    /**
     * shell:telnetd ARGS — starts, stops or shows the telnet server.
     *
     * @return what the server does now
     * @throws DriverException EINVAL for arguments it does not take or an address that does not
     *     resolve; EPERM for an address that is not a loopback one; EBUSY to start a server that
     *     runs or when the port is taken; ENOENT to stop one that does not run
     */
    @Descriptor("more shell sessions over telnet on this machine: telnetd [-i ADDRESS] [-p PORT] start|stop|status (loopback addresses only; default 127.0.0.1:2019)")
    public String telnetd(@Descriptor("ARGS: [-i ADDRESS] [-p PORT] start|stop|status") String... argv) throws IOException {
        String address = DEFAULT_ADDRESS;
        int port = DEFAULT_PORT;
        String action = null;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if ((a.equals("-i") || a.equals("-p")) && i + 1 < argv.length) {
                String v = argv[++i];
                if (a.equals("-i")) {
                    address = v;
                } else {
                    port = port(v);
                }
            } else if ((a.equals("start") || a.equals("stop") || a.equals("status")) && action == null) {
                action = a;
            } else {
                throw new DriverException(Errno.EINVAL, "telnetd: unexpected '" + a + "'; " + USAGE);
            }
        }
        if (action == null) {
            throw new DriverException(Errno.EINVAL, "telnetd: start, stop or status?; " + USAGE);
        }
        return switch (action) {
            case "start" -> start(loopback(address), port);
            case "stop" -> stop();
            default -> status();
        };
    }

    /** shell:sessions — the telnet sessions open now, by number. */
    @Descriptor("the telnet sessions open now, by number")
    public List<Integer> sessions() {
        return connections.keySet().stream().sorted().toList();
    }

    private static int port(String v) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // told below
        }
        throw new DriverException(Errno.EINVAL, "telnetd: port '" + v + "' is not 0..65535");
    }

    private static InetAddress loopback(String address) {
        InetAddress a;
        try {
            a = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new DriverException(Errno.EINVAL, "telnetd: no such address '" + address + "'");
        }
        if (!a.isLoopbackAddress()) {
            throw new DriverException(Errno.EPERM, "telnetd: refusing to listen on " + address
                    + ": its shells have no login, so only a loopback address (127.0.0.1, ::1) is allowed");
        }
        return a;
    }

    private synchronized String start(InetAddress address, int port) throws IOException {
        if (server != null) {
            throw new DriverException(Errno.EBUSY, "telnetd: already running on " + where(server) + " (telnetd stop first)");
        }
        ServerSocket s = new ServerSocket();
        try {
            s.bind(new InetSocketAddress(address, port));
        } catch (IOException e) {
            s.close();
            throw new DriverException(Errno.EBUSY, "telnetd: cannot listen on " + address.getHostAddress() + ":"
                    + port + ": " + e.getMessage());
        }
        server = s;
        Thread accept = new Thread(() -> accept(s), "nova-telnetd");
        accept.setDaemon(true);
        accept.start();
        LOG.info("telnetd listening on {}", where(s));
        return status();
    }

    private synchronized String stop() {
        if (server == null) {
            throw new DriverException(Errno.ENOENT, "telnetd: not running");
        }
        int closed = close();
        return "telnetd stopped; " + closed + " session(s) closed";
    }

    private synchronized String status() {
        return server == null ? "telnetd is not running"
                : "telnetd is running on " + where(server) + ", " + connections.size() + " session(s) open";
    }

    private static String where(ServerSocket s) {
        return s.getInetAddress().getHostAddress() + ":" + s.getLocalPort();
    }

    /** Closes the listening socket and every connection (their sessions end); caller holds this. */
    private int close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("telnetd socket: {}", e.toString());
        }
        server = null;
        int n = 0;
        for (Connection c : connections.values()) {
            n++;
            end(c);
        }
        return n;
    }

    private static void end(Connection c) {
        ShellLoop loop = c.loop;
        if (loop != null) {
            loop.end();
        }
        try {
            c.socket.close(); // the reader sees end of input; the session closes
        } catch (IOException e) {
            LOG.debug("telnet session {}: {}", c.number, e.toString());
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warn("telnetd stops accepting: {}", e.toString());
                }
                return;
            }
            Connection c = new Connection(opened.incrementAndGet(), socket);
            connections.put(c.number, c);
            Thread t = new Thread(() -> session(c), "nova-telnet-" + c.number);
            t.setDaemon(true);
            t.start();
        }
    }

    /** One connection's shell, on its own thread; returns when the session ends, and closes the connection. */
    private void session(Connection c) {
        LOG.info("telnet session {} opened from {} ({} open)", c.number, c.socket.getRemoteSocketAddress(),
                connections.size());
        String how = "closed";
        try (Socket socket = c.socket) {
            Terminal[] terminal = new Terminal[1];
            Size[] size = { DEFAULT_SIZE }; // what the client last reported, before or after its terminal exists
            TelnetProtocol telnet = new TelnetProtocol(socket.getInputStream(), socket.getOutputStream(),
                    (columns, rows) -> {
                        size[0] = new Size(columns, rows);
                        Terminal t = terminal[0];
                        if (t != null) {
                            t.setSize(size[0]);
                            t.raise(Terminal.Signal.WINCH);
                        }
                    });
            telnet.negotiate();
            telnet.awaitTerminalType(socket, TERMINAL_TYPE_WAIT_MS);
            String type = telnet.terminalType();
            try (Terminal t = TerminalBuilder.builder()
                    .name("telnet-" + c.number)
                    .type(type != null ? type : DEFAULT_TERMINAL_TYPE)
                    .streams(telnet.input(), telnet.output())
                    .system(false)
                    .attributes(cooked())
                    .size(size[0])
                    .build()) {
                terminal[0] = t;
                ShellLoop loop = new ShellLoop(shell, processor, t, null, false);
                c.loop = loop;
                how = loop.run().name().toLowerCase();
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            how = "failed: " + e;
            LOG.warn("telnet session {} failed and is closed: {}", c.number, e.toString(), e);
        } finally {
            connections.remove(c.number);
        }
        LOG.info("telnet session {} ended ({})", c.number, how);
    }

    @Deactivate
    synchronized void deactivate() {
        if (server != null) {
            close();
        }
    }
}
