package org.nova.it.drm;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.GemObject;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Await;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A GPU pulled (simulated surprise removal: the function vanishes before the driver hears of it)
 * while nova-drm files hold GPU VA spaces with VRAM and system-memory mappings and a sparse range,
 * and a CPU mapping of a system-memory object: nova-drm unplugs, nova.core force-closes the spaces
 * and frees the system memory (its VRAM page tables with every other byte back in VRAM), the DMA buffer's CPU view dies, and the
 * files' later ioctls fail with ENODEV.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GpuSurpriseRemovalDrmIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String SLOT = "00:08.0";
    private static final String GPU = "0000:00:08.0";
    private static final long M2 = 1L << 21;

    @Inject
    private DriverCore core;

    @Inject
    private DrmDevices nova;

    @Inject
    private ConfigurationAdmin cm;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    private DrmDevice device() {
        return nova.devices().stream().filter(d -> !d.isUnplugged() && d.vram().gpu().equals(GPU)).findFirst()
                .orElse(null);
    }

    private String state() {
        return core.requireBus(PciBus.NAME).devices().stream()
                .map(d -> d.name() + "=" + d.driver().orElse("-")).toList() + " drm=" + nova.devices();
    }

    @Test
    public void aGpuPulledWithLiveVaSpacesAndSystemMemoryObjectsReleasesEverything() throws Exception {
        org.osgi.service.cm.Configuration c = cm.createFactoryConfiguration("org.nova.hw.sim.device", "?");
        c.update(new Hashtable<>(Map.of("bridge", "sim0", "slot", SLOT, "model", "nvidia-gpu", "chip", "ga102",
                "removal", "surprise")));
        Await.until(GPU + " bound to NovaCore with a DRM device", TIMEOUT, () -> device() != null, this::state);
        // test_remove (CI's second run) probes, removes and probes again: the device found first
        // may be the removed one, so wait for every probe to finish and look again
        assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
        DrmDevice dev = device();
        VramManager vram = dev.vram();
        GpuSysmem sysmem = dev.sysmem();
        assertNotNull("nova.core hands nova-drm GPU system memory", sysmem);
        long vramAvailable = vram.available();

        DrmFile a = dev.open(DrmFile.Node.RENDER);
        DrmFile b = dev.open(DrmFile.Node.RENDER);
        MemorySegment cpu = null;
        for (DrmFile f : List.of(a, b)) {
            NovaDrm.vmInit(f, 0, 0);
            int hv = NovaDrm.gemCreate(f, 4 * M2);
            int hs = NovaDrm.gemCreate(f, M2, NovaDrm.NOVA_GEM_DOMAIN_GART);
            assertEquals(GemObject.Placement.SYSMEM, dev.lookup(f, hs).placement());
            NovaDrm.vmBindOrThrow(f, List.of(NovaDrm.VmBindOp.map(hv, 8 * M2, 0, 4 * M2),
                    NovaDrm.VmBindOp.map(hs, 32 * M2, 0, M2), NovaDrm.VmBindOp.sparse(64 * M2, 8 * M2),
                    NovaDrm.VmBindOp.map(hv, 66 * M2, 0, M2)));
            cpu = f.mmap(f.mmapOffset(hs), M2);
            cpu.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x5eedL);
        }
        assertEquals(2 * M2, sysmem.allocated());
        assertTrue(vram.available() < vramAvailable);

        c.delete();
        Await.until(GPU + " removed", TIMEOUT,
                () -> core.requireBus(PciBus.NAME).device(GPU).map(Device::driver).isEmpty(), this::state);

        assertTrue(dev.isUnplugged());
        assertTrue(sysmem.isRevoked());
        assertEquals(0, sysmem.allocated());
        assertEquals(List.of(), sysmem.buffers());
        // the files' page tables and objects, and nova.core's own VRAM: all back
        assertEquals(vram.usageByOwner().toString(), Map.of(), vram.usageByOwner());
        assertEquals(vram.total(), vram.available());
        MemorySegment dead = cpu;
        assertThrows(IllegalStateException.class, () -> dead.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        for (DrmFile f : List.of(a, b)) {
            assertEquals(-DrmErrno.ENODEV.value(), NovaDrm.vmBind(f, List.of(NovaDrm.VmBindOp.unmap(8 * M2, M2))));
            DrmException e = assertThrows(DrmException.class, () -> NovaDrm.gemCreate(f, M2));
            assertEquals(DrmErrno.ENODEV, e.errno());
            f.close();
        }
        assertFalse(nova.devices().contains(dev));
    }
}
