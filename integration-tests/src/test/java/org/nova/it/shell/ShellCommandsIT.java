package org.nova.it.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Descriptor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.shell.Usage;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Every Nova shell command as a person meets it, on the default simulated platform: each command
 * and parameter described for {@code help}, a usage line (EINVAL) for arguments no overload takes,
 * errors on one line with the errno first, DRM nodes by their /dev/dri path, card0 on the lowest
 * PCI address whatever order the GPUs bind in, vGPU type names with a blank typed quoted or dashed,
 * aligned tables, and the completion candidates the interactive shell offers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellCommandsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String GA102 = "0000:00:05.0";
    private static final String AD102 = "0000:00:06.0";
    private static final List<String> GPUS = List.of(GA102, AD102);
    private static final String VF1 = "0000:00:06.1";
    private static final String NOVA_CORE = "NovaCore";
    private static final String VGPU_DRIVER = "nvidia-vgpu-vfio";
    /** The configuration commands are the configuration's own (their descriptors come with their rework). */
    private static final String CONFIG_SCOPE = "cm";
    /** A failed command's one line: the errno name, then what and why, with no errno nested after it. */
    private static final Pattern ONE_LINE = Pattern.compile("E[A-Z]+: [^\\n]+");
    private static final Pattern NESTED_ERRNO = Pattern.compile(": E[A-Z]{2,}: ");

    @Inject
    private CommandProcessor processor;
    @Inject
    private DriverCore core;
    @Inject
    private DrmDevices drm;
    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    @Before
    @After
    public void gpusUp() {
        Await.until("both GPUs bound to NovaCore with a DRM device each", TIMEOUT, () -> {
            Bus pci = core.requireBus("pci");
            return GPUS.stream().allMatch(g -> pci.device(g).flatMap(Device::driver).map(NOVA_CORE::equals).orElse(false))
                    && drm.devices().stream().filter(d -> !d.isUnplugged()).count() == GPUS.size();
        }, () -> core.buses().stream().map(b -> b.name() + b.devices().stream()
                .map(d -> d.name() + "=" + d.driver().orElse("-")).toList()).toList());
        assertTrue("probes still pending", core.waitForDeviceProbe(TIMEOUT));
    }

    // ---------------------------------------------------------------- help and usage

    @Test
    public void everyCommandAndEveryParameterIsDescribed() throws Exception {
        Map<String, List<Method>> commands = novaCommands();
        assertTrue(commands.keySet().toString(), commands.keySet().containsAll(List.of("drv:bind", "pci:lspci",
                "nova:info", "nova:rpc-stats", "drm:gem", "vgpu:create", "samples:edu", "vfio:cfg", "shell:complete")));
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, List<Method>> c : commands.entrySet()) {
            if (c.getValue().isEmpty()) {
                missing.add(c.getKey() + ": no method");
            }
            for (Method m : c.getValue()) {
                if (Usage.description(m).isBlank()) {
                    missing.add(c.getKey() + " " + m + ": no @Descriptor");
                }
                for (Usage.Parameter p : Usage.parameters(m)) {
                    if (p.metavariables().contains("ARG") || p.description().isBlank()) {
                        missing.add(c.getKey() + " " + m + ": a parameter without 'METAVARIABLE: what it is'");
                    }
                }
            }
        }
        assertEquals("help shows what the @Descriptors say", List.of(), missing);
    }

    @Test
    public void argumentsNoOverloadTakesGetTheUsageLine() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, List<Method>> c : novaCommands().entrySet()) {
            int most = 0;
            boolean varargs = false;
            for (Method m : c.getValue()) {
                most = Math.max(most, Usage.parameters(m).size());
                varargs |= m.isVarArgs();
            }
            if (varargs) {
                continue;
            }
            String line = c.getKey() + " a".repeat(most + 1);
            String error = error(line);
            if (!error.startsWith("EINVAL: usage: " + c.getKey())) {
                wrong.add(line + " -> " + error);
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals("EINVAL: usage: drv:bind BUS DEVICE DRIVER (help drv:bind explains each)", error("drv:bind pci"));
        assertEquals("EINVAL: usage: drv:override BUS DEVICE [DRIVER] (help drv:override explains each)",
                error("drv:override pci"));
        assertTrue(error("drv:monitor soon"), error("drv:monitor soon").startsWith("EINVAL: usage: drv:monitor [SECONDS]"));
        assertEquals("EINVAL: usage: nova:rpc-stats [GPU]", error("nova:rpc-stats " + GA102 + " " + AD102));
        assertEquals("EINVAL: usage: nova:vm GPU [VA] (help nova:vm explains each)",
                error("nova:vm " + GA102 + " 0x0 0x1000"));
        assertEquals("EINVAL: usage: nova:channels GPU (help nova:channels explains each)",
                error("nova:channels " + GA102 + " 3"));
        assertTrue(run("nova:channels " + GA102), run("nova:channels " + GA102).contains("channel(s) open"));
    }

    // ---------------------------------------------------------------- errors

    @Test
    public void errorsAreOneLineWithTheErrnoFirst() throws Exception {
        assertEquals("ENODEV: '0000:00:99.0' is not a PCI address: device 0x99 is outside 0..0x1f",
                error("pci:sriov_numvfs 0000:00:99.0 2"));
        assertEquals("as drv:why and drv:devres", "ENODEV: no device 'nosuch' on any bus", error("drv:links nosuch"));
        assertEquals("ENODEV: no device 'nosuch' on any bus", error("drv:why nosuch"));
        assertEquals("ENODEV: no device 'nosuch' on any bus", error("drv:devres nosuch"));
        List<String> bad = new ArrayList<>();
        for (String line : List.of("pci:sriov_numvfs 0000:00:99.0 2", "pci:sriov_numvfs 00:03.0 2", "drv:links nosuch",
                "drv:bind pci nosuch x", "drv:bind nosuch x y", "drv:autoprobe nosuch on", "drm:gem /dev/dri/card9",
                "drm:gem card0/99", "nova:info 00:99.0", "nova:gsplog 0000:00:02.0", "vgpu:types 0000:00:02.0",
                "vgpu:create " + VF1 + " L40-99Q", "lspci -s 00:99.0", "lspci -x", "vfio:cfg 00:02.0 zz",
                "samples:edu 0000:00:02.0", "drv:monitor -1", "pci:new_id nosuch \"1234 5678\"")) {
            String e = error(line);
            if (!ONE_LINE.matcher(e).matches() || NESTED_ERRNO.matcher(e).find()) {
                bad.add(line + " -> " + e);
            }
        }
        assertEquals(List.of(), bad);
    }

    // ---------------------------------------------------------------- DRM

    @Test
    public void drmNodesByTheirDevicePath() throws Exception {
        assertEquals(run("drm:gem card1"), run("drm:gem /dev/dri/card1"));
        assertEquals(run("drm:gem renderD128"), run("drm:gem /dev/dri/renderD128"));
        assertEquals("ENODEV: no DRM device /dev/dri/card9", error("drm:gem /dev/dri/card9"));
    }

    @Test
    public void card0IsTheLowestPciAddressWhateverOrderTheGpusBindIn() throws Exception {
        assertEquals(List.of(GA102, AD102), gpusByMinor());
        // the higher address binds first, as when the simulator adds it first
        run("drv:unbind pci " + AD102);
        run("drv:unbind pci " + GA102);
        run("drv:bind pci " + AD102 + " " + NOVA_CORE);
        run("drv:settle");
        Await.until("nova-drm bound on " + AD102, TIMEOUT, () -> gpusByMinor().contains(AD102), this::gpusByMinor);
        assertEquals("card1 is kept for it: " + run("drm:list"), 1, minorOf(AD102));
        run("drv:bind pci " + GA102 + " " + NOVA_CORE);
        run("drv:settle");
        Await.until("nova-drm bound on both", TIMEOUT, () -> gpusByMinor().size() == 2, this::gpusByMinor);
        assertEquals(run("drm:list"), List.of(GA102, AD102), gpusByMinor());
        assertEquals(0, minorOf(GA102));
    }

    private List<String> gpusByMinor() {
        return drm.devices().stream().filter(d -> !d.isUnplugged())
                .sorted((a, b) -> Integer.compare(a.primaryMinor(), b.primaryMinor())).map(d -> d.vram().gpu()).toList();
    }

    private int minorOf(String gpu) {
        return drm.devices().stream().filter(d -> !d.isUnplugged() && d.vram().gpu().equals(gpu))
                .mapToInt(DrmDevice::primaryMinor).findFirst().orElse(-1);
    }

    // ---------------------------------------------------------------- vGPU

    @Test
    public void vgpuTypesAlignAndNamesWithABlankAreTyped() throws Exception {
        String types = run("vgpu:types " + AD102);
        assertColumnsAligned(types);
        assertTrue(types, types.contains("NVIDIA L40-1Q") && types.contains(" L40-1Q "));
        run("pci:sriov_numvfs " + AD102 + " 2");
        try {
            Await.until(VF1 + " bound to " + VGPU_DRIVER, TIMEOUT, () -> core.requireBus("pci").device(VF1)
                    .flatMap(Device::driver).map(VGPU_DRIVER::equals).orElse(false), () -> run("drv:devices pci"));
            for (String typed : List.of("\"NVIDIA L40-1Q\"", "'NVIDIA L40-1Q'", "NVIDIA-L40-1Q", "L40-1Q", "0x3b1")) {
                String out = run("vgpu:create " + VF1 + " " + typed);
                assertTrue(typed + ": " + out, out.contains("vGPU NVIDIA L40-1Q created"));
                assertColumnsAligned(run("vgpu:list"));
                run("vgpu:destroy " + VF1);
            }
            assertTrue(error("vgpu:create " + VF1 + " NVIDIA L40-1Q").startsWith("EINVAL: usage: vgpu:create VF TYPE"));
            assertEquals(List.of(VF1, "0000:00:06.2"), candidates("vgpu:create"));
            assertTrue(candidates("vgpu:create", VF1).toString(), candidates("vgpu:create", VF1).containsAll(
                    List.of("L40-1Q", "L40-1B")));
        } finally {
            run("pci:sriov_numvfs " + AD102 + " 0");
        }
    }

    /** Every row's cells start where the header's do. */
    private static void assertColumnsAligned(String table) {
        List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
        String header = lines.get(0);
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < header.length(); i++) {
            if (header.charAt(i) != ' ' && (i == 0 || header.charAt(i - 1) == ' ' && header.charAt(i - 2) == ' ')) {
                starts.add(i);
            }
        }
        for (String l : lines.subList(1, lines.size())) {
            for (int s : starts.subList(1, starts.size())) {
                assertTrue(table, l.length() > s && l.charAt(s) != ' ' && l.charAt(s - 1) == ' ');
            }
        }
    }

    // ---------------------------------------------------------------- completion

    @Test
    public void fbRegionsAndTheGspLogBuffers() throws Exception {
        // the regions GSP-RM reported: a header and four regions, the first usable, WPR2 protected
        List<String> regions = run("nova:fbregions " + GA102).lines().toList();
        assertEquals(regions.toString(), 5, regions.size());
        assertTrue(regions.get(0), regions.get(0).contains("USABLE"));
        assertTrue(regions.get(1), regions.get(1).trim().endsWith("yes"));
        assertEquals(regions.toString(), 1, regions.stream().skip(1).filter(l -> l.trim().endsWith("yes")).count());
        for (String b : List.of("LOGINIT", "LOGINTR", "LOGRM")) {
            String log = run("nova:gsplog " + GA102 + " " + b);
            assertTrue(log, log.startsWith(b + ": ") && log.contains(" entries written"));
            java.nio.file.Path f = java.nio.file.Files.createTempFile("nova-" + b, ".bin");
            try {
                String out = run("nova:gsplogdump " + GA102 + " " + b.toLowerCase(java.util.Locale.ROOT) + " " + f);
                assertTrue(out, out.contains(b + ", 65536 bytes"));
                byte[] bytes = java.nio.file.Files.readAllBytes(f);
                assertEquals(65536, bytes.length);
                assertTrue("the put pointer counts the entries GSP-RM wrote",
                        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0) > 0);
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        }
        String e = error("nova:gsplog " + GA102 + " LOGFOO");
        assertTrue(e, e.startsWith("EINVAL: no GSP log buffer LOGFOO"));
        e = error("nova:fbregions 0000:00:99.0");
        assertTrue(e, e.startsWith("ENODEV: "));
    }

    @Test
    public void completionOffersWhatEachParameterNames() throws Exception {
        assertTrue(candidates("drv:bind").containsAll(List.of("pci", "auxiliary")));
        assertEquals("the devices of the bus typed before", core.requireBus("pci").devices().stream().map(Device::name)
                .sorted().toList(), candidates("drv:bind", "pci"));
        assertTrue(candidates("drv:bind", "pci", GA102).contains(NOVA_CORE));
        assertFalse("a PCI driver is no auxiliary driver", candidates("drv:bind", "auxiliary", "x").contains(NOVA_CORE));
        assertEquals(GPUS, candidates("nova:info"));
        assertEquals(GPUS, candidates("nova:rpc-stats"));
        assertEquals(GPUS, candidates("nova:vm"));
        assertEquals(GPUS, candidates("nova:channels"));
        assertTrue(candidates("drm:gem").containsAll(List.of("card0", "card1", "renderD128", "renderD129")));
        assertTrue(candidates("vgpu:types").containsAll(GPUS));
        assertTrue(run("shell:names BUNDLE").contains("driver.core"));
        assertEquals("no candidates for a number", List.of(), candidates("drv:monitor"));
        assertTrue("drv:unbind's DRIVER is a driver of the bus", candidates("drv:unbind", "pci", GA102)
                .contains(NOVA_CORE));
        assertEquals("no candidates past the last parameter", List.of(),
                candidates("drv:unbind", "pci", GA102, NOVA_CORE));
    }

    private List<String> candidates(String... before) throws Exception {
        String out = run("shell:complete " + String.join(" ", before));
        return out.isBlank() ? List.of() : out.lines().toList();
    }

    // ---------------------------------------------------------------- helpers

    /** @return every command of the Nova bundles, by "scope:function", with its methods as the shell sees them */
    private Map<String, List<Method>> novaCommands() throws Exception {
        Map<String, List<Method>> out = new TreeMap<>();
        for (ServiceReference<?> ref : context.getServiceReferences((String) null, "(osgi.command.scope=*)")) {
            if (!NovaOptions.NOVA_BUNDLES.contains(ref.getBundle().getSymbolicName())
                    || CONFIG_SCOPE.equals(ref.getProperty("osgi.command.scope"))) {
                continue;
            }
            Object service = context.getService(ref);
            try {
                String scope = (String) ref.getProperty("osgi.command.scope");
                Object f = ref.getProperty("osgi.command.function");
                for (String function : f instanceof String[] a ? a : new String[] { (String) f }) {
                    List<Method> ms = new ArrayList<>(Usage.overloads(service.getClass(), function));
                    if (ms.isEmpty()) {
                        for (Method m : service.getClass().getMethods()) {
                            if (m.getName().equals(Usage.GOGO_MAIN) && m.getAnnotation(Descriptor.class) != null) {
                                ms.add(m);
                            }
                        }
                    }
                    out.put(scope + ":" + function, ms);
                }
            } finally {
                context.ungetService(ref);
            }
        }
        return out;
    }

    private String run(String line) {
        try {
            return Gogo.run(processor, line);
        } catch (Exception e) {
            throw new AssertionError(line + " failed: " + e, e);
        }
    }

    /** @return the line a person sees for a command that must fail: what Gogo's shell prints, toString() */
    private String error(String line) {
        try {
            Object r = Gogo.run(processor, line);
            fail(line + " should fail but returned " + r);
            return null;
        } catch (Exception e) {
            assertNotNull(e.toString());
            return e.toString();
        }
    }
}
