package org.nova.it.gpu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Bus;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.hw.HostBridge;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.regs.Pfb;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Issue 14 item 4 in the framework: on the default simulated platform the GA102 at 00:05.0 is
 * unbound, the firmware loader pointed at a copy of its firmware whose booter_load is signed for
 * an older fuse version, and a bind fails with EINVAL naming the file and why, while the GPU shows
 * no trace of a boot (no WPR2, the GSP not running); pointed back at the good firmware, the next
 * bind boots the GSP without any reset.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BadFirmwareIT {
    /** GPU boot (GSP RPCs on the simulator's thread) and probing; running out is a hang. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String GPU = "0000:00:05.0";
    private static final Chipset CHIP = Chipset.GA102;
    private static final String NOVA_CORE = "NovaCore";
    private static final String BRIDGE = "sim0";
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Inject
    private DriverCore core;

    @Inject
    private NovaGpus gpus;

    @Inject
    private FirmwareLoader firmware;

    @Inject
    private ConfigurationAdmin cm;

    @Inject
    private CommandProcessor processor;

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    private boolean gspStarted() {
        return gpus.gpu(GPU).map(g -> g.state() == GpuInfo.BootState.GSP_STARTED).orElse(false);
    }

    /** @return the folder of the loader's search path holding the GPU's booter_load */
    private Path firmwareInUse() {
        for (Path dir : firmware.searchPath()) {
            try (Stream<Path> s = Files.list(dir.resolve("nvidia/" + CHIP.firmwareName() + "/gsp"))) {
                if (s.anyMatch(p -> p.getFileName().toString().startsWith(FirmwareNames.BOOTER_LOAD + "-"))) {
                    return dir;
                }
            } catch (IOException absent) {
                // not in this folder
            }
        }
        throw new AssertionError("no " + CHIP.firmwareName() + " firmware on the loader's path " + firmware.searchPath());
    }

    /** A copy of the firmware in use whose booter_load is signed for the fuse version below the fused one. */
    private static Path badCopy(Path good) throws IOException {
        Path bad = Files.createTempDirectory("nova-bad-booter");
        Path gsp = good.resolve("nvidia/" + CHIP.firmwareName() + "/gsp");
        Path to = Files.createDirectories(bad.resolve("nvidia/" + CHIP.firmwareName() + "/gsp"));
        try (Stream<Path> s = Files.list(gsp)) {
            for (Path f : s.toList()) {
                byte[] b = Files.readAllBytes(f);
                if (f.getFileName().toString().startsWith(FirmwareNames.BOOTER_LOAD + "-")) {
                    MemorySegment seg = MemorySegment.ofArray(b);
                    BooterFirmware fw = BooterFirmware.parse(f.toString(), seg);
                    seg.set(U32, fw.hs().metaDataOffset(), (int) fw.params().fuseVersion() - 1);
                }
                Files.write(to.resolve(f.getFileName()), b);
            }
        }
        return bad;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** @return the GPU's WPR2 upper bound, read from BAR0 through the backend (0: no WPR2) */
    private long wpr2() throws Exception {
        Collection<ServiceReference<HostBridge>> refs = context.getServiceReferences(HostBridge.class,
                "(" + HostBridge.PROP_BRIDGE + "=" + BRIDGE + ")");
        assertEquals(1, refs.size());
        ServiceReference<HostBridge> ref = refs.iterator().next();
        try {
            PciFunction f = context.getService(ref).function(PciAddress.parse(GPU)).orElseThrow();
            try (Mmio bar0 = f.map(0)) {
                return Pfb.wpr2HigherBound(bar0.read32(Pfb.PRI_MMU_WPR2_ADDR_HI.address()));
            }
        } finally {
            context.ungetService(ref);
        }
    }

    private void setLoaderPath(String path) throws Exception {
        Gogo.run(processor, "cm:set " + FirmwareLoader.PID + " path=" + path);
    }

    @Test
    public void aBadBooterLeavesTheGpuUntouchedAndGoodFirmwareThenProbesWithoutReset() throws Exception {
        Bus pci = core.requireBus("pci");
        Await.until(GPU + " bound to " + NOVA_CORE + " with the GSP started", TIMEOUT,
                () -> NOVA_CORE.equals(pci.device(GPU).flatMap(d -> d.driver()).orElse("")) && gspStarted(),
                () -> gpus.gpu(GPU));
        Path good = firmwareInUse();
        Path bad = badCopy(good);
        pci.unbind(GPU);
        assertEquals("booter_unload tore WPR2 down at unbind", 0, wpr2());
        org.osgi.service.cm.Configuration c = cm.getConfiguration(FirmwareLoader.PID, "?");
        Dictionary<String, Object> before = c.getProperties();
        try {
            setLoaderPath(bad.toString());
            DriverException e = assertThrows(DriverException.class, () -> pci.bind(GPU, NOVA_CORE));
            assertEquals(e.getMessage(), Errno.EINVAL, e.errno());
            String file = FirmwareNames.BOOTER_LOAD + "-";
            assertTrue(e.getMessage(), e.getMessage().contains(file) && e.getMessage().contains("HsSignatureParams")
                    && e.getMessage().contains("no signature for fuse version"));
            assertFalse("the refused GPU is unbound", pci.device(GPU).flatMap(d -> d.driver()).isPresent());
            assertEquals("no WPR2 after the refused probe: FWSEC-FRTS never ran", 0, wpr2());
        } finally {
            if (before == null) {
                c.delete();
            } else {
                c.update(before);
            }
            Gogo.run(processor, "cm:settle");
            delete(bad);
        }
        // the good firmware, no reset in between
        assertTrue(firmware.searchPath().toString(), firmware.searchPath().contains(good));
        pci.bind(GPU, NOVA_CORE);
        Await.until(GPU + " GSP started again", TIMEOUT, this::gspStarted, () -> gpus.gpu(GPU));
        assertTrue("WPR2 exists while the GSP runs", wpr2() != 0);
    }
}
