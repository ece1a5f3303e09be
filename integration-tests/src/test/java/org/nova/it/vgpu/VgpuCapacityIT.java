package org.nova.it.vgpu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Issue 14 item 11 on the default simulated platform: for every GPU offering vGPUs (the AD102 at
 * 00:06.0; the GA102's firmware offers none) and every type, what {@code vgpu:types} prints as
 * AVAILABLE is what {@code vgpu:create} delivers: exactly that many creates succeed, then the
 * column says 0 and the next create is refused; types of one placement size mix; a destroyed
 * vGPU's placement serves the next create.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VgpuCapacityIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String PF = "0000:00:06.0";
    /** TotalVFs of the simulated AD102: every VF enabled, so VFs are not what runs out first. */
    private static final int VFS = 4;

    @Inject
    private BundleContext context;

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Inject
    private NovaGpus gpus;

    @Inject
    private CommandProcessor processor;

    private ServiceTracker<VgpuManager, VgpuManager> tracker;
    private VgpuManager vgpus;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Before
    public void vfsEnabled() throws Exception {
        tracker = new ServiceTracker<>(context, FrameworkUtil.createFilter(
                "(" + Constants.OBJECTCLASS + "=" + VgpuManager.class.getName() + ")"), null);
        tracker.open();
        vgpus = tracker.waitForService(TIMEOUT.toMillis());
        assertNotNull(vgpus);
        settle();
        pci.sriovNumvfs(PF, Integer.toString(VFS));
        settle();
    }

    @After
    public void vfsDisabled() {
        try {
            for (VgpuInfo i : vgpus.list()) {
                vgpus.destroy(i.vf());
            }
            pci.sriovNumvfs(PF, "0");
            settle();
        } finally {
            tracker.close();
        }
    }

    private static String vf(int i) {
        return "0000:00:06." + (i + 1);
    }

    private void settle() {
        assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
    }

    /** @return short name → AVAILABLE, as vgpu:types prints them */
    private Map<String, Integer> available() throws Exception {
        String out = Gogo.run(processor, "vgpu:types " + PF);
        List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(out, lines.get(0).trim().endsWith("AVAILABLE"));
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] w = l.trim().split("\\s+");
            // ID, NAME (two words: "NVIDIA L40-1Q"), SHORT, ...; AVAILABLE last
            m.put(w[3], Integer.parseInt(w[w.length - 1]));
        }
        assertTrue(out, !m.isEmpty());
        return m;
    }

    private VgpuType type(String shortName) {
        return vgpus.types(PF).stream().filter(t -> t.shortName().equals(shortName)).findFirst().orElseThrow();
    }

    private void create(String vf, String shortName) throws Exception {
        String out = Gogo.run(processor, "vgpu:create " + vf + " " + shortName);
        assertTrue(out, out.contains("created"));
    }

    /** A create refused with {@code errno}, leaving the VRAM charges as they were. */
    private void refused(Errno errno, String vf, String shortName) throws Exception {
        VramManager vram = context.getService(context.getServiceReferences(VramManager.class,
                "(" + VramManager.GPU_PROPERTY + "=" + PF + ")").iterator().next());
        Map<String, Long> before = vram.usageByOwner();
        try {
            vgpus.create(vf, type(shortName).name());
            fail(shortName + " on " + vf + " should be refused with " + errno);
        } catch (DriverException e) {
            assertEquals(e.getMessage(), errno, e.errno());
        }
        assertEquals("nothing allocated", before, vram.usageByOwner());
    }

    @Test
    public void everyTypeCreatesExactlyWhatVgpuTypesCallsAvailable() throws Exception {
        List<String> vgpuGpus = new ArrayList<>();
        for (var g : gpus.gpus()) {
            if (gpus.vgpuSupported(g.device())) {
                vgpuGpus.add(g.device());
            }
        }
        assertEquals("the default platform's vGPU-capable GPUs", List.of(PF), vgpuGpus);
        Map<String, Integer> first = available();
        for (String t : first.keySet()) {
            int n = first.get(t);
            assertTrue(t + ": " + first, n > 0);
            for (int i = 0; i < n; i++) {
                create(vf(i), t);
                assertEquals(t + " after " + (i + 1) + " creates", n - i - 1, (int) available().get(t));
            }
            if (n < VFS) {
                refused(Errno.ENOSPC, vf(n), t);
            }
            for (int i = 0; i < n; i++) {
                Gogo.run(processor, "vgpu:destroy " + vf(i));
            }
            assertEquals("all back after " + t, first, available());
        }
    }

    @Test
    public void typesOfOnePlacementSizeMixAndAFreedPlacementIsReused() throws Exception {
        create(vf(0), "L40-1Q");
        create(vf(1), "L40-1B");
        Map<String, Integer> a = available();
        assertEquals(a.toString(), 2, (int) a.get("L40-1Q"));
        assertEquals(a.toString(), 2, (int) a.get("L40-1B"));
        assertEquals(a.toString(), 0, (int) a.get("L40-2Q"));
        refused(Errno.ENODEV, vf(2), "L40-2Q");
        long fb = vgpus.device(vf(0)).orElseThrow().info().fbOffset();
        Gogo.run(processor, "vgpu:destroy " + vf(0));
        create(vf(2), "L40-1B");
        assertEquals("the freed placement", fb, vgpus.device(vf(2)).orElseThrow().info().fbOffset());
    }
}
