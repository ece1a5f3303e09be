package org.nova.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.jline.builtins.telnet.Telnet;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code telnetd [-i ADDRESS] [-p PORT] start|stop|status}: more shells on this machine, each a
 * login of its own — as each getty or sshd login gets its own tty and session (setsid,
 * kernel/sys.c) rather than a share of another's. JLine's telnet server accepts the connections;
 * every connection runs Gogo's JLine shell ({@code gosh --login --noshutdown}, with
 * runtime/etc/gosh_profile) in a {@link CommandSession} of its own, on the connection's thread,
 * outside any job: its variables, its line reader and command history are its own, and a line
 * typed in it is a job of that session alone (see {@link FinishedJobs} for what a shell inside a
 * job would keep). Ctrl-D or a closed connection ends that session only; Gogo's --login would stop
 * the framework when its shell ends, which --noshutdown prevents. A session that fails is logged
 * and closed; the others, the console and the framework go on. {@code exit} still stops the
 * whole runtime, from any session.
 *
 * <p>There is no login: the server listens on a loopback address only (default 127.0.0.1, port
 * {@value #DEFAULT_PORT}); any other address is refused with EPERM. Stopping the runtime bundle
 * stops the server and closes its connections.
 */
@Component(service = TelnetShells.class, property = {
        "osgi.command.scope=" + ExitCommand.SCOPE, "osgi.command.function=telnetd" })
public final class TelnetShells {
    private static final Logger LOG = LoggerFactory.getLogger(TelnetShells.class);
    /** JLine Telnet's default port (its usage line). */
    static final int DEFAULT_PORT = 2019;
    /** The shell's options for a connection: the profile runs, and its end leaves the framework running. */
    static final String[] GOSH_ARGS = { "--login", "--noshutdown" };

    private final CommandProcessor processor;
    /**
     * Gogo JLine's shell; null while that bundle is not active (it starts after this one, and
     * declares no service capability to resolve against): the component is then activated again
     * with it.
     */
    private final Shell shell;
    private final Terminal template;
    private final Telnet telnet;
    /** Whether the server was started and not stopped since; guarded by this. */
    private boolean listening;

    @Activate
    public TelnetShells(@Reference CommandProcessor processor,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY) Shell shell)
            throws IOException {
        this.processor = processor;
        this.shell = shell;
        // JLine copies this terminal's attributes into each connection's terminal; a connection's
        // line reader puts its own into raw mode while it reads
        this.template = new DumbTerminal(InputStream.nullInputStream(), OutputStream.nullOutputStream());
        this.telnet = new Telnet(template, this::session);
    }

    /**
     * One connection's shell: returns when the shell ends (Ctrl-D, the connection closed, the
     * runtime stopping). Runs on the connection's own thread.
     */
    void session(Terminal terminal, Map<String, String> environment) {
        CommandSession session = processor.createSession(terminal.input(), terminal.output(), terminal.output());
        session.put(Shell.VAR_TERMINAL, terminal);
        try {
            shell.gosh(session, GOSH_ARGS.clone());
        } catch (Exception | LinkageError e) {
            LOG.warn("telnet session ended by {}", e.toString(), e);
        } finally {
            session.close();
        }
    }

    /**
     * telnetd ARGS — JLine's telnet server, on a loopback address only.
     *
     * @throws DriverException EPERM if an address other than a loopback one is asked for; EINVAL
     *     for an address that does not resolve; ENOSYS without Gogo's JLine shell
     */
    @Descriptor("more shell sessions over telnet on this machine: telnetd [-i ADDRESS] [-p PORT] start|stop|status (loopback addresses only; default 127.0.0.1:2019)")
    public void telnetd(@Descriptor("ARGS: [-i ADDRESS] [-p PORT] start|stop|status") String... argv) throws Exception {
        for (int i = 0; i < argv.length; i++) {
            String address = null;
            if ((argv[i].equals("-i") || argv[i].equals("--ip")) && i + 1 < argv.length) {
                address = argv[++i];
            } else if (argv[i].startsWith("--ip=")) {
                address = argv[i].substring("--ip=".length());
            }
            if (address != null) {
                requireLoopback(address);
            }
        }
        if (shell == null) {
            throw new DriverException(Errno.ENOSYS, "telnetd: Gogo's JLine shell (org.apache.felix.gogo.jline) is not active");
        }
        synchronized (this) {
            telnet.telnetd(argv);
            for (String a : argv) {
                if (a.equals("start")) {
                    listening = true;
                } else if (a.equals("stop")) {
                    listening = false;
                }
            }
        }
    }

    private static void requireLoopback(String address) {
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
    }

    @Deactivate
    synchronized void deactivate() {
        if (listening) {
            try {
                telnet.telnetd(new String[] { "stop" });
            } catch (Exception e) {
                LOG.warn("telnetd did not stop: {}", e.toString());
            }
            listening = false;
        }
        try {
            template.close();
        } catch (IOException e) {
            // nothing held
        }
    }
}
