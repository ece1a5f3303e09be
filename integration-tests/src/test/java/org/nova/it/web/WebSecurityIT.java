package org.nova.it.web;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.nova.it.NovaProcess;
import org.junit.experimental.categories.Category;
import org.nova.it.SeparateProcess;

/**
 * The web page's defaults as a user gets them: the exported runtime (runtime/target/nova.jar, what
 * {@code ./nova} starts, with no password configured) in a process of its own, with only the HTTP
 * port chosen by the test, and the server asked for (a batch command line starts none). The Web Console refuses a request without credentials and one with the
 * console's old default admin/admin, and logs a WARN line naming the request and the remote
 * address for each. The server listens on the loopback interface only: the kernel's socket table
 * lists it bound to a loopback address, and a connection to each of this machine's other addresses
 * is refused. (WebPageIT logs in with the password the runtime generated.) And {@code ./nova -c}
 * starts no server at all: a batch run pays nothing for Jetty.
 */
@Category(SeparateProcess.class)
public class WebSecurityIT {
    /** How long the runtime may take to start and print web:info on a loaded machine. */
    private static final Duration START = Duration.ofSeconds(240);
    /** How long a log line may lag behind the answer it explains. */
    private static final Duration LOG_LAG = Duration.ofSeconds(10);
    /** The kernel's TCP socket tables (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c): IPv4, and IPv6 with v4-mapped addresses. */
    private static final List<Path> TCP_TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** TCP_LISTEN in the tables' "st" column (include/net/tcp_states.h). */
    private static final int TCP_LISTEN = 0x0A;

    private static Process runtime;
    private static Path log;
    private static int port;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeClass
    public static void startTheRuntime() throws Exception {
        Path launcher = NovaProcess.repo().resolve("runtime/target/nova.jar");
        assertTrue(launcher + " is missing: build the runtime first (mvn install -pl runtime -am)",
                Files.isRegularFile(launcher));
        Path work = NovaProcess.repo().resolve("integration-tests/target/web-security");
        Files.createDirectories(work);
        log = work.resolve("nova.log");
        port = WebOptions.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + NovaProcess.repo().resolve("runtime/etc/logback.xml"),
                "-Dorg.osgi.framework.storage=" + work.resolve("felix-cache"),
                "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-D" + WebOptions.PORT + "=" + port,
                // a batch command line starts no HTTP server unless asked to
                "-D" + WebOptions.SERVER + "=true",
                "-Dnova.command=drv:monitor 600", NovaProcess.deployFolders(work)));
        cmd.addAll(NovaProcess.batchShell());
        cmd.addAll(List.of("-jar", launcher.toString()));
        runtime = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        awaitChallenge();
    }

    /**
     * Waits until the console answers with its challenge: Jetty listens, and the console runs with
     * its security provider (before that, the port refuses connections, then answers 404).
     */
    private static void awaitChallenge() throws Exception {
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline && runtime.isAlive()) {
            try {
                int status = get(WebOptions.CONSOLE + "/", null).statusCode();
                if (status == 401) {
                    return;
                }
                seen.add(Integer.toString(status));
            } catch (IOException e) {
                seen.add(e.getClass().getSimpleName());
            }
            Thread.sleep(200);
        }
        fail("the console did not ask for credentials within " + START.toSeconds() + " s (answers "
                + seen.subList(Math.max(0, seen.size() - 5), seen.size()) + "):\n"
                + Files.readString(log, StandardCharsets.ISO_8859_1));
    }

    @AfterClass
    public static void stopTheRuntime() throws InterruptedException {
        if (runtime != null) {
            runtime.destroy();
            if (!runtime.waitFor(60, TimeUnit.SECONDS)) {
                runtime.destroyForcibly();
            }
        }
    }

    @Test
    public void aRequestWithoutCredentialsIsRefusedAndLogged() throws Exception {
        HttpResponse<String> r = get(WebOptions.PAGE, null);
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().toString(), r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
        awaitWarn("refused GET " + WebOptions.PAGE + " from 127.0.0.1: no credentials");
    }

    @Test
    public void theConsolesOldDefaultAdminAdminIsRefusedAndLogged() throws Exception {
        assertEquals(401, get(WebOptions.PAGE + "/tree.json", "admin:admin").statusCode());
        awaitWarn("refused GET " + WebOptions.PAGE + "/tree.json from 127.0.0.1: wrong user or password");
    }

    @Test
    public void aBatchCommandLineStartsNoServer() throws Exception {
        int other = WebOptions.freePort();
        // drv:monitor first: until issue 13's start condition lands, the batch runner may run a
        // command before the last bundles (web among them) have started
        List<String> out = NovaProcess.runBatch("nova.jar", NovaProcess.repo().resolve("integration-tests/target/web-batch"),
                "drv:monitor 5; web:info", WebOptions.PORT + "=" + other);
        String all = String.join("\n", out);
        assertTrue(all, out.contains("server    not started (batch command line; -D" + WebOptions.SERVER
                + "=true starts it)"));
        assertTrue("no HTTP runtime service, so no endpoint: " + all, out.contains("page      (no HTTP server is running)"));
    }

    @Test
    public void theServerListensOnTheLoopbackInterfaceOnly() throws Exception {
        List<InetAddress> listening = listeners(port);
        assertFalse("the kernel lists no socket listening on port " + port, listening.isEmpty());
        for (InetAddress a : listening) {
            assertTrue("port " + port + " listens on " + a.getHostAddress() + ", not a loopback address",
                    a.isLoopbackAddress());
        }
        for (InetAddress a : otherAddresses()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, port), 5000);
                fail("the page's server answers on " + a.getHostAddress() + ":" + port);
            } catch (ConnectException expected) {
                // refused: nothing listens there
            }
        }
    }

    private static String base() {
        return "http://127.0.0.1:" + port;
    }

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String path, String userPassword) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path));
        if (userPassword != null) {
            b.header("Authorization", basic(userPassword));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitWarn(String message) throws Exception {
        awaitLine("a WARN line '" + message + "'", LOG_LAG, l -> l.contains("WARN") && l.contains(message) ? l : null);
    }

    private interface LineMatch {
        String match(String line);
    }

    /** Waits until the runtime's output has a line {@code match} accepts; fails if it exits or time runs out. */
    private static String awaitLine(String what, Duration timeout, LineMatch match) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String l : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                String m = match.match(l.trim());
                if (m != null) {
                    return m;
                }
            }
            if (!runtime.isAlive() || System.nanoTime() > deadline) {
                fail("no " + what + " in the runtime's output within " + timeout.toSeconds() + " s"
                        + (runtime.isAlive() ? "" : " (it exited with " + runtime.exitValue() + ")") + ":\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
            Thread.sleep(100);
        }
    }

    /**
     * @return the local addresses of the sockets the kernel lists as listening on {@code port}; the
     *     tables print each 32-bit word of an address in the host's byte order
     */
    private static List<InetAddress> listeners(int port) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (Path table : TCP_TABLES) {
            if (!Files.isReadable(table)) {
                continue;
            }
            List<String> lines = Files.readAllLines(table);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) != port || Integer.parseInt(f[3], 16) != TCP_LISTEN) {
                    continue;
                }
                ByteBuffer bytes = ByteBuffer.allocate(local[0].length() / 2);
                for (int i = 0; i < local[0].length(); i += 8) {
                    int word = (int) Long.parseLong(local[0].substring(i, i + 8), 16);
                    bytes.putInt(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Integer.reverseBytes(word) : word);
                }
                out.add(InetAddress.getByAddress(bytes.array()));
            }
        }
        if (out.isEmpty() && TCP_TABLES.stream().noneMatch(Files::isReadable)) {
            fail("this machine has no " + TCP_TABLES + " to read the listening sockets from");
        }
        return out;
    }

    /** @return this machine's addresses other than loopback and IPv6 link-local (those need a scope) */
    private static List<InetAddress> otherAddresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (!a.isLoopbackAddress() && !(a instanceof Inet6Address && a.isLinkLocalAddress())) {
                    out.add(a);
                }
            }
        }
        return out;
    }
}
