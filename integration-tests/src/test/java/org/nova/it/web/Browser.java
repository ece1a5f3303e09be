package org.nova.it.web;

import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless browser for the web page's tests: Debian's chromium driven by Debian's
 * chromedriver through Selenium's Java client, never a downloaded build (Selenium gets both paths,
 * so its Selenium Manager has nothing to fetch). Missing either fails the test — it never skips.
 *
 * <p>The tests run inside Felix (Pax Exam), where Selenium is no bundle: the suite's framework
 * delegates {@code org.openqa.selenium} to the class loader that loaded Felix (failsafe's class
 * path), and Selenium, which finds its HTTP client and JSON codecs with ServiceLoader, runs with
 * that loader as the thread's context class loader.
 */
final class Browser implements AutoCloseable {
    /** Debian's chromium and chromedriver (packages chromium, chromium-driver; .ci/run installs them). */
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /**
     * Headless, and quiet on a closed network: no sandbox (root in CI), no GPU, no QUIC, no first
     * run, no background, component-update or sync traffic (machines/java-maven.md).
     */
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync");
    /** How long a wait for the page may take: a cold chromium on a loaded 2-core machine is slow. */
    static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Selenium looks for a DevTools binding of chromium's version at every start and warns that it
     * has none: the tests use CDP only through chromedriver's own endpoint, which needs none.
     * Held here, as java.util.logging keeps loggers only weakly.
     */
    private static final Logger CDP_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_FINDER.setLevel(Level.SEVERE);
    }

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final ClassLoader previous;

    private Browser(ChromeDriverService service, ChromeDriver driver, ClassLoader previous) {
        this.service = service;
        this.driver = driver;
        this.previous = previous;
    }

    /**
     * Starts chromium with a fresh profile under {@code work}.
     *
     * @param authorization the value of the Authorization header every request sends, or null
     */
    static Browser start(Path work, String authorization) {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                fail(p + " is missing: the web page's browser test needs Debian's chromium and chromium-driver"
                        + " (apt-get install chromium chromium-driver; .ci/run installs them)");
            }
        }
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(ChromeDriver.class.getClassLoader());
        try {
            Files.createDirectories(work);
            Path profile = Files.createTempDirectory(work, "chromium-profile-");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .withLogFile(work.resolve("chromedriver.log").toFile())
                    .build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments(FLAGS);
            options.addArguments("--user-data-dir=" + profile);
            ChromeDriver driver = new ChromeDriver(service, options);
            if (authorization != null) {
                // every request of the page (document, script, fetch, EventSource) carries it
                driver.executeCdpCommand("Network.enable", Map.of());
                driver.executeCdpCommand("Network.setExtraHTTPHeaders",
                        Map.of("headers", Map.of("Authorization", authorization)));
            }
            return new Browser(service, driver, previous);
        } catch (IOException e) {
            Thread.currentThread().setContextClassLoader(previous);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            Thread.currentThread().setContextClassLoader(previous);
            throw e;
        }
    }

    /** @return the value of a Basic Authorization header */
    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    WebDriver driver() {
        return driver;
    }

    /** Waits until {@code condition} returns something other than null or false, and returns it. */
    <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT).withMessage(what).until(condition::apply);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            Thread.currentThread().setContextClassLoader(previous);
        }
    }
}
