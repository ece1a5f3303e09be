package org.nova.it.faults;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.devres.FailNth;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * A fault at every step of every probe on the default simulated platform: for each bound device
 * (the samples, nova-core on both GPUs, nova-drm on their auxiliary devices, vgpu.vfio on the
 * AD102's virtual functions), fail-nth is armed with k = 1, 2, 3, ... and the device bound to its
 * driver again, until a bind succeeds with the countdown unspent (every fault point of the probe
 * has then failed once). After each failed bind: the device holds no devres and is unbound, and
 * the next bind reaches its next fault point — a device wedged by a failed probe (a GPU needing a
 * reset) fails before it and the test names it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FaultInjectionIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The AD102 with SR-IOV (hw.sim SimDefaultPlatform) and how many VFs the test enables. */
    private static final String VGPU_PF = "0000:00:06.0";
    private static final String VFS = "2";
    private static final String NOVA_CORE = "NovaCore";
    /** More fault points than any probe has: reaching it means a countdown that never ends. */
    private static final int MAX_POINTS = 500;

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Test
    public void everyFaultPointOfEveryProbeFailsCleanly() throws Exception {
        settle();
        pci.sriovNumvfs(VGPU_PF, VFS);
        settle();
        // children before parents and VFs before their PF: a parent's rebind recreates its
        // children (named again) and unbinding the PF disables its VFs
        List<Device> bound = new ArrayList<>();
        for (Bus b : core.buses()) {
            b.devices().stream().filter(Device::isBound).forEach(bound::add);
        }
        bound.sort(Comparator.comparingInt(FaultInjectionIT::depth).reversed()
                .thenComparing(d -> d.driver().orElse("").equals(NOVA_CORE)));
        Map<String, Integer> pointsByDriver = new LinkedHashMap<>();
        for (Device d : bound) {
            Optional<Device> now = d.bus().device(d.name());
            if (now.isEmpty() || !now.get().isBound()) {
                continue; // a child its parent's run recreated under another name
            }
            String driver = now.get().driver().orElseThrow();
            int points = failEveryPoint(now.get().bus(), d.name(), driver);
            pointsByDriver.merge(driver, points, Integer::sum);
        }
        pci.sriovNumvfs(VGPU_PF, "0");
        settle();
        System.out.println("FAULTS injected per driver (the k-th fault point of each probe, every k): "
                + pointsByDriver + "; devres left by failed probes: 0");
        assertTrue(pointsByDriver.toString(), pointsByDriver.keySet().containsAll(List.of(NOVA_CORE,
                "Nova.nova-drm", "nvidia-vgpu-vfio", "edu_sample", "rust_driver_pci", "rust_driver_auxiliary",
                "rust_driver_auxiliary.aux_driver")));
        for (Bus b : core.buses()) {
            for (Device d : b.devices()) {
                assertTrue(d.name() + " unbound with devres " + d.devres().entries(), d.isBound() || d.devres().isEmpty());
                assertEquals(d.name() + " has fail-nth armed", 0, d.devres().failNth().remaining());
            }
        }
    }

    /** @return how many fault points the device's probe has; each failed once, leaving nothing */
    private int failEveryPoint(Bus bus, String name, String driver) throws Exception {
        bus.unbind(name);
        settle();
        List<String> points = new ArrayList<>();
        for (int k = 1; k <= MAX_POINTS; k++) {
            Device d = bus.device(name).orElseThrow(() -> new AssertionError(name + " left the bus"));
            FailNth fail = d.devres().failNth();
            fail.set(k);
            DriverException error = null;
            try {
                bus.bind(name, driver);
            } catch (DriverException e) {
                error = e;
            }
            int left = fail.remaining();
            String point = fail.injected();
            fail.set(0);
            points.add(k + ": " + point + (error == null ? " (tolerated)" : " -> " + error.errno()));
            if (left > 0) {
                // the countdown outlived the probe: every point before it has failed once
                if (error != null) {
                    throw new AssertionError(name + " (" + driver + ") failed a bind with no fault injected, after"
                            + " failing points " + points + ": the last failure left it unusable: " + error);
                }
                assertTrue(name + " bound", d.isBound());
                settle();
                return k - 1;
            }
            if (error == null) {
                // the driver tolerated this failure (an optional resource): still bound, a clean unbind
                bus.unbind(name);
            }
            settle();
            assertTrue(name + " unbound after the fault at point " + k + " (" + point + ")", !d.isBound());
            assertEquals(name + " (" + driver + ") holds devres after the fault at point " + k + " (" + point
                    + "): " + d.devres().entries(), 0, d.devres().liveCount());
        }
        fail(name + " (" + driver + "): more than " + MAX_POINTS + " fault points in one probe");
        return -1;
    }

    private void settle() {
        assertTrue("settled", core.settle(TIMEOUT).settled());
    }

    private static int depth(Device d) {
        int n = 0;
        for (Optional<Device> p = d.parent(); p.isPresent(); p = p.get().parent()) {
            n++;
        }
        return n;
    }
}
