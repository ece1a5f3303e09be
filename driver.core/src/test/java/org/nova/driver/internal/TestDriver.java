package org.nova.driver.internal;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.nova.driver.Device;
import org.nova.driver.DriverDescriptor;
import org.nova.driver.ProbeType;

/**
 * A driver of the test bus: an id table ("vendor:device:sub", '*' for any field; specificity is
 * the number of fixed fields), a scriptable probe body, and counters. The remove body records
 * the call in the bus's log and runs an optional hook.
 */
public final class TestDriver {
    private static final AtomicLong SERVICE_IDS = new AtomicLong(1000);

    /** A probe body: return the driver data, or throw (ProbeDeferException, DriverException, anything). */
    @FunctionalInterface
    public interface Probe {
        Object run(Device device, TestDriver driver) throws Exception;
    }

    /** A remove hook. */
    @FunctionalInterface
    public interface Remove {
        void run(Device device, Object driverData);
    }

    public final String name;
    public final List<String> ids;
    private volatile Probe probe;
    private volatile Remove remove = (d, data) -> { };
    private volatile boolean deferMatch;
    private int ranking;
    private long serviceId = SERVICE_IDS.incrementAndGet();
    private ProbeType probeType = ProbeType.DEFAULT_STRATEGY;

    final AtomicInteger probeCalls = new AtomicInteger();
    final AtomicInteger removeCalls = new AtomicInteger();
    /** Successful probes minus removes: how many devices this driver believes it holds. */
    final AtomicInteger live = new AtomicInteger();
    /** Set by tests once the driver's registration was closed. */
    volatile boolean closed;

    private TestDriver(String name, List<String> ids) {
        this.name = name;
        this.ids = ids;
        this.probe = (d, drv) -> "data:" + name + "@" + d.name();
    }

    public static TestDriver of(String name, String... ids) {
        return new TestDriver(name, List.of(ids));
    }

    public TestDriver ranking(int r) {
        this.ranking = r;
        return this;
    }

    public TestDriver serviceId(long id) {
        this.serviceId = id;
        return this;
    }

    public TestDriver probeType(ProbeType t) {
        this.probeType = t;
        return this;
    }

    public TestDriver async() {
        return probeType(ProbeType.PREFER_ASYNCHRONOUS);
    }

    public TestDriver probe(Probe p) {
        this.probe = p;
        return this;
    }

    public TestDriver onRemove(Remove r) {
        this.remove = r;
        return this;
    }

    public TestDriver deferMatch(boolean on) {
        this.deferMatch = on;
        return this;
    }

    boolean deferMatch() {
        return deferMatch;
    }

    Probe probeBody() {
        return probe;
    }

    Remove removeBody() {
        return remove;
    }

    public int probeCalls() {
        return probeCalls.get();
    }

    public int removeCalls() {
        return removeCalls.get();
    }

    public int live() {
        return live.get();
    }

    public DriverDescriptor descriptor() {
        return new DriverDescriptor(name, this, "test.bundle." + name, ranking, serviceId, probeType);
    }

    /** @return the specificity of the best id matching {@code id}, or -1 for none. */
    int specificity(String id) {
        int best = -1;
        String[] dev = id.split(":");
        for (String entry : ids) {
            String[] e = entry.split(":");
            if (e.length != dev.length) {
                continue;
            }
            int spec = 0;
            boolean ok = true;
            for (int i = 0; i < e.length; i++) {
                if (e[i].equals("*")) {
                    continue;
                }
                if (!e[i].equals(dev[i])) {
                    ok = false;
                    break;
                }
                spec++;
            }
            if (ok) {
                best = Math.max(best, spec);
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "TestDriver[" + name + "]";
    }
}
