package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.RepeatedTest;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverException;
import org.nova.driver.DriverInfo;
import org.nova.driver.DriverRegistration;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;

/**
 * Many threads adding and removing devices, registering and unregistering drivers, binding,
 * unbinding, overriding and linking at once. Afterwards: nothing bound to an unregistered driver,
 * no probe ran after its driver's close() returned, and no devres left.
 */
class ConcurrencySmokeTest extends CoreTestBase {
    private static final int THREADS = 8;
    private static final int OPS = 600;
    private static final String[] IDS = {"acme:widget:1", "acme:widget:2", "acme:gizmo:1", "other:x:1"};
    private static final String[] TABLES = {"acme:*:*", "acme:widget:*", "acme:widget:1", "other:*:*"};

    private final Map<String, DriverRegistration> regs = new ConcurrentHashMap<>();
    private final List<TestDriver> allDrivers = new CopyOnWriteArrayList<>();
    private final List<DeviceLink> links = new CopyOnWriteArrayList<>();

    private TestDriver newDriver(Random r, String name) {
        int behaviour = r.nextInt(10);
        TestDriver t = TestDriver.of(name, TABLES[r.nextInt(TABLES.length)]).ranking(r.nextInt(3))
                .probeType(r.nextBoolean() ? ProbeType.PREFER_ASYNCHRONOUS : ProbeType.DEFAULT_STRATEGY)
                .probe((dev, drv) -> {
                    dev.devres().add("buf", () -> { });
                    dev.devres().addAction("irq", () -> { });
                    if (behaviour == 0) {
                        throw new ProbeDeferException("flaky");
                    }
                    if (behaviour == 1) {
                        throw new DriverException(Errno.ENODEV, "not mine");
                    }
                    if (behaviour == 2) {
                        throw new IllegalStateException("broken");
                    }
                    if (behaviour == 3) {
                        Thread.sleep(1);
                    }
                    return name;
                });
        allDrivers.add(t);
        return t;
    }

    private void step(Random r) {
        String dev = "dev" + r.nextInt(12);
        String drv = "drv" + r.nextInt(5);
        try {
            switch (r.nextInt(12)) {
                case 0 -> add(dev, IDS[r.nextInt(IDS.length)]);
                case 1 -> {
                    Optional<Device> parent = bus.device("dev" + r.nextInt(12));
                    if (parent.isPresent()) {
                        add(dev, parent.get(), IDS[r.nextInt(IDS.length)]);
                    }
                }
                case 2 -> bus.device(dev).ifPresent(bus::removeDevice);
                case 3 -> {
                    TestDriver t = newDriver(r, drv);
                    DriverRegistration reg = register(t);
                    if (regs.putIfAbsent(drv, reg) != null) {
                        fail("registered a duplicate driver name " + drv);
                    }
                }
                case 4 -> {
                    DriverRegistration reg = regs.remove(drv);
                    if (reg != null) {
                        close(reg);
                    }
                }
                case 5 -> bus.bind(dev, drv);
                case 6 -> bus.unbind(dev);
                case 7 -> bus.setDriverOverride(dev, r.nextInt(3) == 0 ? drv : "");
                case 8 -> bus.probe(dev);
                case 9 -> core.triggerDeferredProbe();
                case 10 -> {
                    Optional<Device> a = bus.device(dev);
                    Optional<Device> b = bus.device("dev" + r.nextInt(12));
                    if (a.isPresent() && b.isPresent()) {
                        links.add(core.addLink(a.get(), b.get(),
                                r.nextBoolean() ? Set.of() : Set.of(LinkFlag.AUTOREMOVE_CONSUMER)));
                    }
                }
                default -> {
                    if (!links.isEmpty()) {
                        links.get(r.nextInt(links.size())).close();
                    }
                    bus.why(dev);
                }
            }
        } catch (DriverException e) {
            // expected: EEXIST, EBUSY, ENODEV, ENOENT, EAGAIN, EINVAL, EIO ...
        }
    }

    @RepeatedTest(10)
    void manyThreadsLeaveAConsistentCoreAndNoDevres() throws Exception {
        long seed = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            Random r = new Random(seed + i);
            fs.add(pool.submit(() -> {
                for (int n = 0; n < OPS; n++) {
                    step(r);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get(120, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("stuck (seed " + seed + "):\n" + threadDump());
            }
        }
        pool.shutdown();
        assertTrue(core.waitForDeviceProbe(SETTLE), "probes pending (seed " + seed + "):\n" + threadDump());

        Set<String> registered = new HashSet<>();
        for (DriverInfo i : bus.drivers()) {
            registered.add(i.name());
            for (String d : i.devices()) {
                assertEquals(Optional.of(i.name()), bus.device(d).orElseThrow().driver(), "seed " + seed);
            }
        }
        assertEquals(regs.keySet(), registered, "seed " + seed);
        for (Device d : bus.devices()) {
            d.driver().ifPresent(n -> {
                assertTrue(registered.contains(n), d.name() + " bound to unregistered " + n + " (seed " + seed + ")");
                assertTrue(bus.driver(n).orElseThrow().devices().contains(d.name()));
            });
        }
        for (String label : core.devres().liveByDriver().keySet()) {
            assertTrue(registered.contains(label), "devres left for unregistered driver " + label + " (seed " + seed + ")");
        }
        for (TestDriver t : allDrivers) {
            if (t.closed) {
                assertEquals(0, t.live(), t.name + " still holds devices after close (seed " + seed + ")");
            }
        }
        // every driver goes: nothing may be left bound or allocated
        for (String name : List.copyOf(regs.keySet())) {
            close(regs.remove(name));
        }
        assertTrue(core.waitForDeviceProbe(SETTLE));
        for (Device d : bus.devices()) {
            assertEquals(Optional.empty(), d.driver(), d.name() + " (seed " + seed + ")");
            assertEquals(0, d.devres().liveCount(), d.name() + " (seed " + seed + ")");
        }
        assertEquals(0, core.devres().liveTotal(), core.devres() + " (seed " + seed + ")");
        for (TestDriver t : allDrivers) {
            assertEquals(0, t.live(), t.name + " (seed " + seed + ")");
        }
        for (Device d : bus.devices()) {
            bus.removeDevice(d);
        }
        assertEquals(0, core.devres().liveTotal());
        assertEquals(List.of(), type.violations, "seed " + seed);
    }

    private static String threadDump() {
        StringBuilder sb = new StringBuilder();
        long[] dead = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        sb.append("deadlocked: ").append(dead == null ? "none" : dead.length).append('\n');
        for (ThreadInfo ti : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append(ti);
        }
        return sb.toString();
    }
}
