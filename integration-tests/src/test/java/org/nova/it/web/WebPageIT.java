package org.nova.it.web;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestName;
import org.junit.runner.RunWith;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * The device tree page in a real headless browser (Debian's chromium through Selenium) against the
 * whole runtime on Felix — the simulated platform, every Nova bundle, the Web Console on Jetty —
 * with the runtime's web defaults (runtime/nova.bndrun): the page shows what the shell's
 * {@code drv:devices} shows; a device unbound from the page is unbound for the shell; a bind typed
 * in the shell reaches the open page only through its uevent stream (the page has no timer); an
 * action the driver core refuses shows the core's own error, as {@code drv:bind} does.
 *
 * <p>The device moved about is QEMU's edu at 00:03.0, bound to the edu sample; each test leaves it
 * bound with no driver_override.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class WebPageIT {
    private static final String BUS = "pci";
    private static final String EDU = "0000:00:03.0";
    private static final String EDU_DRIVER = "edu_sample";
    /** A PCI driver that does not match the edu device (pci-testdev's sample). */
    private static final String OTHER_DRIVER = "rust_driver_pci";
    /** How long the runtime may take to come up with its simulated GPUs on a loaded machine. */
    private static final Duration START = Duration.ofSeconds(120);

    @Inject
    private BundleContext context;
    @Inject
    private DriverCore core;
    @Inject
    private CommandProcessor processor;
    @Rule
    public final TestName name = new TestName();

    private Browser browser;
    private String page;
    private String authorization;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all(), WebOptions.web(WebOptions.freePort()),
                // Selenium is no bundle: the framework hands its package to the loader of Felix
                frameworkProperty("org.osgi.framework.bundle.parent").value("framework"),
                frameworkProperty("org.osgi.framework.bootdelegation").value("org.openqa.selenium,org.openqa.selenium.*") };
    }

    @Before
    public void openThePage() throws Exception {
        Await.until("edu is bound to " + EDU_DRIVER, START, () -> edu().flatMap(Device::driver).filter(EDU_DRIVER::equals)
                .isPresent() && core.waitForDeviceProbe(Duration.ofSeconds(1)), this::eduState);
        page = "http://127.0.0.1:" + context.getProperty(WebOptions.PORT) + WebOptions.PAGE;
        authorization = Browser.basic("admin", generatedPassword());
        awaitServed(authorization);
        browser = Browser.start(Path.of(System.getProperty("user.dir"), "target", "web-it", name.getMethodName()),
                authorization);
        browser.driver().get(page);
        browser.await("the page drew the tree and its uevent stream is live", d -> redraws(d) > 0
                && "live".equals(d.findElement(By.id("nova-live")).getText()));
    }

    @After
    public void restoreEdu() throws Exception {
        if (browser != null) {
            browser.close();
        }
        Bus pci = core.requireBus(BUS);
        pci.setDriverOverride(EDU, "");
        if (edu().flatMap(Device::driver).isEmpty()) {
            pci.bind(EDU, EDU_DRIVER);
        }
        assertTrue(core.waitForDeviceProbe(Duration.ofSeconds(30)));
    }

    @Test
    public void thePageShowsWhatTheShellShows() throws Exception {
        List<String> shell = Gogo.run(processor, "drv:devices").lines().toList();
        assertEquals(List.of("BUS", "DEVICE", "DRIVER", "STATE", "PARENT", "DEVRES"), words(shell.get(0)));
        assertTrue("the shell lists the simulated platform: " + shell, shell.size() > 5);
        WebDriver d = browser.driver();
        for (String line : shell.subList(1, shell.size())) {
            List<String> w = words(line);
            assertEquals(line, w, Arrays.asList(w.get(0), w.get(1), cell(d, w.get(0), w.get(1), "driver"),
                    cell(d, w.get(0), w.get(1), "state"), cell(d, w.get(0), w.get(1), "parent"),
                    cell(d, w.get(0), w.get(1), "devres")));
        }
        assertEquals("one page row per device of the shell", shell.size() - 1,
                d.findElements(By.cssSelector("tr.device")).size());
        for (String gpu : List.of("0000:00:05.0", "0000:00:06.0")) {
            assertFalse("the GPU table lists " + gpu,
                    d.findElements(By.cssSelector("tr.gpu[data-device='" + gpu + "']")).isEmpty());
        }
        assertEquals("nova-drm's two cards", 2, d.findElements(By.cssSelector("tr.drm")).size());
        assertFalse("the uevent list holds the start's history", d.findElements(By.cssSelector("li.uevent")).isEmpty());
    }

    @Test
    public void anUnbindFromThePageIsWhatTheShellSees() throws Exception {
        long before = newestUevent(browser.driver());
        row(browser.driver()).findElement(By.cssSelector("button.unbind")).click();
        browser.await("the page reports the unbind", d -> message(d).equals(EDU + " unbound from " + EDU_DRIVER));
        assertEquals(List.of(BUS, EDU, "-", "unbound", "-", "0"), shellRow());
        browser.await("the page shows edu unbound", d -> "unbound".equals(cell(d, BUS, EDU, "state")));
        assertEquals("-", cell(browser.driver(), BUS, EDU, "driver"));
        browser.await("the page lists the UNBIND uevent", d -> uevent(d, "unbind", before).isPresent());
    }

    @Test
    public void aBindInTheShellReachesThePageThroughTheUeventStream() throws Exception {
        long before = newestUevent(browser.driver());
        Gogo.run(processor, "drv:unbind " + BUS + " " + EDU);
        browser.await("the open page shows the unbind made in the shell", d -> "unbound".equals(cell(d, BUS, EDU, "state")));
        int redraws = redraws(browser.driver());
        Gogo.run(processor, "drv:bind " + BUS + " " + EDU + " " + EDU_DRIVER);
        browser.await("the open page shows the bind made in the shell", d -> EDU_DRIVER.equals(cell(d, BUS, EDU, "driver"))
                && "bound".equals(cell(d, BUS, EDU, "state")));
        assertTrue("the page drew the tree again", redraws(browser.driver()) > redraws);
        WebElement bind = browser.await("the page lists the BIND uevent", d -> uevent(d, "bind", before).orElse(null));
        assertTrue(bind.getText(), bind.getText().matches("KERNEL\\[\\d+\\] bind /devices/" + EDU + " \\(pci\\) driver "
                + EDU_DRIVER));
        assertEquals(List.of(BUS, EDU, EDU_DRIVER, "bound"), shellRow().subList(0, 4));
    }

    @Test
    public void aRefusedActionShowsTheCoresErrorAsTheShellDoes() throws Exception {
        Gogo.run(processor, "drv:unbind " + BUS + " " + EDU);
        browser.await("edu shows unbound", d -> "unbound".equals(cell(d, BUS, EDU, "state")));
        DriverException core = expectFailure(() -> this.core.requireBus(BUS).bind(EDU, OTHER_DRIVER));
        DriverException shell = expectFailure(() -> Gogo.run(processor, "drv:bind " + BUS + " " + EDU + " " + OTHER_DRIVER));
        assertEquals(core.errno(), shell.errno());
        assertTrue(shell.getMessage(), shell.getMessage().contains(core.getMessage().substring(core.errno().name().length() + 2)));

        new Select(row(browser.driver()).findElement(By.cssSelector("select.driver-choice"))).selectByValue(OTHER_DRIVER);
        row(browser.driver()).findElement(By.cssSelector("button.bind")).click();
        String shown = browser.await("the page shows the refusal", d -> {
            String m = message(d);
            return m.isEmpty() ? null : m;
        });
        assertEquals(core.getMessage(), shown);
        assertEquals("nova-error", browser.driver().findElement(By.id("nova-message")).getAttribute("class"));
        assertEquals("nothing bound", Optional.empty(), edu().flatMap(Device::driver));
    }

    @Test
    public void driverOverrideFromThePageIsTheShells() throws Exception {
        WebElement input = row(browser.driver()).findElement(By.cssSelector("input.override-value"));
        input.sendKeys(OTHER_DRIVER);
        row(browser.driver()).findElement(By.cssSelector("button.override")).click();
        browser.await("the page reports driver_override",
                d -> message(d).equals(EDU + " driver_override " + OTHER_DRIVER));
        assertEquals(OTHER_DRIVER + "\n", Gogo.run(processor, "drv:override " + BUS + " " + EDU));
        browser.await("the page shows the override", d -> OTHER_DRIVER.equals(cell(d, BUS, EDU, "override")));
        assertEquals("setting driver_override does not reprobe", EDU_DRIVER, cell(browser.driver(), BUS, EDU, "driver"));
        // cleared from the page: an empty value, as `drv:override pci DEV ""`
        row(browser.driver()).findElement(By.cssSelector("button.override")).click();
        browser.await("the page reports the override cleared", d -> message(d).equals(EDU + " driver_override (cleared)"));
        assertEquals("(null)\n", Gogo.run(processor, "drv:override " + BUS + " " + EDU));
    }

    @Test
    public void anActionWithoutThePagesHeaderIsRefused() throws Exception {
        HttpRequest unbind = HttpRequest.newBuilder(URI.create(page + "/unbind")).header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("bus=" + BUS + "&device=" + EDU)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(unbind, HttpResponse.BodyHandlers.ofString());
        assertEquals("a cross-site form cannot send the header, so it cannot unbind", 403, r.statusCode());
        assertEquals(Optional.of(EDU_DRIVER), edu().flatMap(Device::driver));
        HttpResponse<String> ok = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(page + "/unbind"))
                .header("Authorization", authorization).header("X-Requested-With", "nova")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("bus=" + BUS + "&device=" + EDU)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(ok.body(), 200, ok.statusCode());
        assertEquals("{\"ok\":true,\"message\":\"" + EDU + " unbound from " + EDU_DRIVER + "\"}", ok.body());
        assertEquals(Optional.empty(), edu().flatMap(Device::driver));
    }

    private Optional<Device> edu() {
        return core.bus(BUS).flatMap(b -> b.device(EDU));
    }

    private String eduState() {
        return edu().map(d -> d.driver().orElse("unbound")).orElse("absent") + ", buses " + core.buses().stream()
                .map(Bus::name).toList();
    }

    /** @return the password web:info shows: the one the web bundle generated, the runtime having set none */
    private String generatedPassword() throws Exception {
        String info = Gogo.run(processor, "web:info");
        for (String line : info.lines().toList()) {
            List<String> w = words(line);
            if (w.size() >= 2 && w.get(0).equals("password")) {
                assertTrue(info, line.endsWith("(generated at start)"));
                return w.get(1);
            }
        }
        fail("web:info names no password: " + info);
        return null;
    }

    /** Waits until the console serves the page: its security provider and the plugin are registered. */
    private void awaitServed(String authorization) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create(page + "/tree.json")).header("Authorization", authorization).build();
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                seen.add(Integer.toString(r.statusCode()));
            } catch (IOException e) {
                seen.add(e.toString());
            }
            Thread.sleep(200);
        }
        fail(page + " not served within " + START.toSeconds() + " s; answers: " + seen.subList(Math.max(0, seen.size() - 5),
                seen.size()));
    }

    /** @return the shell's row of edu in drv:devices */
    private List<String> shellRow() throws Exception {
        for (String line : Gogo.run(processor, "drv:devices " + BUS).lines().toList()) {
            List<String> w = words(line);
            if (w.size() > 1 && w.get(1).equals(EDU)) {
                return w;
            }
        }
        fail("drv:devices lists no " + EDU);
        return null;
    }

    private static List<String> words(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }

    private static WebElement row(WebDriver d) {
        return d.findElement(By.cssSelector("tr.device[data-bus='" + BUS + "'][data-device='" + EDU + "']"));
    }

    /** @return the text of one cell of a device's row, or null while the page redraws or lacks it */
    private static String cell(WebDriver d, String bus, String device, String column) {
        try {
            return d.findElement(By.cssSelector("tr.device[data-bus='" + bus + "'][data-device='" + device + "'] td."
                    + column)).getText();
        } catch (NoSuchElementException | StaleElementReferenceException e) {
            return null;
        }
    }

    private static String message(WebDriver d) {
        try {
            return d.findElement(By.id("nova-message")).getText();
        } catch (StaleElementReferenceException e) {
            return "";
        }
    }

    private static int redraws(WebDriver d) {
        String n = d.findElement(By.id("nova")).getAttribute("data-redraws");
        return n == null ? 0 : Integer.parseInt(n);
    }

    /** @return the SEQNUM of the newest uevent the page lists */
    private static long newestUevent(WebDriver d) {
        List<WebElement> all = d.findElements(By.cssSelector("li.uevent"));
        return all.isEmpty() ? 0 : Long.parseLong(all.get(0).getAttribute("data-seq"));
    }

    /** @return the page's entry of edu's uevent {@code action} newer than {@code after}, if listed */
    private static Optional<WebElement> uevent(WebDriver d, String action, long after) {
        Map<Long, WebElement> bySeq = new LinkedHashMap<>();
        try {
            for (WebElement li : d.findElements(By.cssSelector("li.uevent[data-action='" + action + "'][data-device='"
                    + EDU + "']"))) {
                bySeq.put(Long.parseLong(li.getAttribute("data-seq")), li);
            }
        } catch (StaleElementReferenceException e) {
            return Optional.empty();
        }
        return bySeq.entrySet().stream().filter(e -> e.getKey() > after).map(Map.Entry::getValue).findFirst();
    }

    private interface Action {
        void run() throws Exception;
    }

    /** @return the DriverException {@code action} fails with, unwrapped from the shell's exceptions */
    private static DriverException expectFailure(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof DriverException d) {
                    return d;
                }
            }
            throw new AssertionError("failed with " + e + ", not a DriverException", e);
        }
        fail("should have failed");
        return null;
    }
}
