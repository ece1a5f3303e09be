package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nova.driver.DriverCall;
import org.nova.driver.DriverCore;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

/**
 * The exit request on its own: the first wins, the status is a process's, a launcher main thread
 * takes it (and the launcher stops the framework), otherwise {@link Reboot} stops the framework
 * itself, and the message of a stop that did not finish names what still runs. The framework,
 * bundle context and driver core are stand-ins that record what was asked of them.
 */
class RebootTest {
    /** A framework that records its stops and stops at once. */
    private static final class FakeFramework {
        final AtomicInteger stops = new AtomicInteger();
        final CountDownLatch stopped = new CountDownLatch(1);
        final Framework framework = (Framework) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Framework.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "stop" -> {
                        stops.incrementAndGet();
                        stopped.countDown();
                        yield null;
                    }
                    case "getState" -> stopped.getCount() == 0 ? Bundle.RESOLVED : Bundle.ACTIVE;
                    case "waitForStop" -> stopped.await((Long) args[0], TimeUnit.MILLISECONDS)
                            ? new FrameworkEvent(FrameworkEvent.STOPPED, (Bundle) proxy, null)
                            : new FrameworkEvent(FrameworkEvent.WAIT_TIMEDOUT, (Bundle) proxy, null);
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private final FakeFramework fw = new FakeFramework();

    private Reboot reboot(Map<String, String> properties) {
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "getBundle" -> fw.framework;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        DriverCore core = (DriverCore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DriverCore.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "callsInProgress" -> List.of();
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return new Reboot(context, core);
    }

    @Test
    void theFirstRequestWinsAndWithoutALauncherTheFrameworkIsStoppedHere() throws Exception {
        Reboot r = reboot(Map.of());
        assertEquals(OptionalInt.empty(), r.exitRequested());
        assertTrue(r.requestExit(3, "exit 3"));
        assertTrue(fw.stopped.await(10, TimeUnit.SECONDS));
        assertFalse(r.requestExit(5, "exit 5"), "a later request is dropped");
        assertEquals(OptionalInt.of(3), r.exitRequested());
        assertEquals(1, fw.stops.get(), "one stop for one request");
    }

    @Test
    void aStatusOutsideWhatAProcessReportsIsRefused() {
        Reboot r = reboot(Map.of());
        assertThrows(IllegalArgumentException.class, () -> r.requestExit(256, "exit 256"));
        assertThrows(IllegalArgumentException.class, () -> r.requestExit(-1, "exit -1"));
        assertEquals(OptionalInt.empty(), r.exitRequested(), "nothing was requested");
        assertEquals(0, fw.stops.get());
    }

    @Test
    void theLaunchersMainThreadTakesTheStatusAndTheFrameworkIsLeftToTheLauncher() throws Exception {
        Reboot r = reboot(Map.of());
        r.attachMainThread();
        CompletableFuture<OptionalInt> main = CompletableFuture.supplyAsync(() -> {
            try {
                return r.awaitExit();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(r.requestExit(4, "exit 4"));
        assertEquals(OptionalInt.of(4), main.get(10, TimeUnit.SECONDS));
        assertEquals(0, fw.stops.get(), "the launcher stops the framework, not Reboot");
    }

    @Test
    void aRequestBeforeTheMainThreadWaitsIsTakenWhenItDoes() throws Exception {
        Reboot r = reboot(Map.of());
        r.attachMainThread();
        r.requestExit(7, "exit 7");
        assertEquals(OptionalInt.of(7), r.awaitExit());
    }

    @Test
    void aDetachedMainThreadIsReleasedWithoutAStatus() throws Exception {
        Reboot r = reboot(Map.of());
        r.attachMainThread();
        CompletableFuture<OptionalInt> main = CompletableFuture.supplyAsync(() -> {
            try {
                return r.awaitExit();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        r.detachMainThread();
        assertEquals(OptionalInt.empty(), main.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theMessageOfAStopThatDidNotFinishNamesWhatStillRuns() {
        Reboot r = reboot(Map.of(Reboot.STOP_LIMIT_PROPERTY, "7"));
        DriverCall hung = new DriverCall("pci", "0000:00:02.0", "hang_on_remove", DriverCall.Kind.REMOVE,
                Duration.ofMillis(12_345));
        assertEquals("nova: the framework did not stop within 7 s: still running: pci 0000:00:02.0: remove by"
                + " hang_on_remove, running for 12.3 s", r.notStopped(List.of(hung)));
        assertEquals("nova: the framework did not stop within 7 s: no driver callback is running (a bundle's stop"
                + " is blocked)", r.notStopped(List.of()));
    }

    @Test
    void aLimitThatIsNotANumberFallsBackToTheDefault() {
        Reboot r = reboot(Map.of(Reboot.STOP_LIMIT_PROPERTY, "soon"));
        assertTrue(r.notStopped(List.of()).contains("within " + Reboot.STOP_LIMIT_DEFAULT_S + " s"));
    }
}
