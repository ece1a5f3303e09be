package org.nova.it.vgpu;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspCommands;
import org.nova.gpu.RpcStats;
import org.nova.gpu.vram.BuddyStats;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.nova.it.Uevents;
import org.nova.nvidia.regs.VirtualFunction;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The vGPU stack's lifecycle on the default simulated platform: the AD102 at 00:06.0 is bound to
 * NovaCore, its firmware reports vGPU support, SR-IOV offers 4 VFs (00:06.1 to 00:06.4) which
 * vgpu.vfio's "nvidia-vgpu-vfio" binds, and vGPUs of NVIDIA's L40 types run on them.
 *
 * <ul>
 * <li>Stopping the vgpu.vfio bundle with vGPUs running unbinds its VFs, tears every vGPU down in
 * the firmware and gives every byte of framebuffer back to nova.core's VRAM manager (and its
 * devres, device links and firmware channel); started again, it binds the VFs and creates vGPUs.
 * <li>Unbinding the GPU (the PF) from NovaCore unbinds its VFs first (their vGPUs destroyed), then
 * disables SR-IOV (the VFs leave the bus) and only then unbinds the PF; it binds again and
 * enables VFs again.
 * <li>sriov_numvfs follows drivers/pci/iov.c sriov_numvfs_store: EBUSY for a new non-zero count
 * while VFs are enabled, 0 then N works, ERANGE above TotalVFs, EINVAL for what kstrtou16 rejects
 * as malformed, ERANGE for what it rejects as out of range.
 * </ul>
 *
 * <p>Each test puts the platform back as it found it (in {@code finally}); {@link #platformAsFound}
 * checks that. Waiting is the driver core's {@code waitForDeviceProbe}, service trackers and a
 * condition on the uevents, never a sleep.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VgpuIT {
    /** GPU boot (GSP RPCs on the simulator's thread), probing, firmware calls; running out is a hang. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The default platform's bridge, vGPU-capable AD102 and its VFs (hw.sim SimDefaultPlatform). */
    private static final String SIM0 = "sim0";
    private static final String PF = "0000:00:06.0";
    private static final String GA102 = "0000:00:05.0";
    private static final List<String> VFS = List.of("0000:00:06.1", "0000:00:06.2", "0000:00:06.3", "0000:00:06.4");
    private static final String VF1 = VFS.get(0);
    private static final String VF2 = VFS.get(1);
    /** TotalVFs of the simulated AD102 (SimVgpuManager.TOTAL_VFS). */
    private static final int TOTAL_VFS = 4;
    private static final String NOVA_CORE = "NovaCore";
    private static final String NOVA_DRM = "Nova.nova-drm";
    private static final String AUXILIARY = "auxiliary";
    /** vgpu.vfio's PCI driver (VgpuVfioDriver.NAME), its bundle and its client name on nova.core's command service. */
    private static final String VGPU_DRIVER = "nvidia-vgpu-vfio";
    private static final String VGPU_BUNDLE = "vgpu.vfio";
    private static final String GSP_CLIENT = "vgpu.vfio";
    /** The type the tests run: 1 GiB of framebuffer, at most 4 instances. */
    private static final String TYPE = "NVIDIA L40-1Q";
    private static final long TYPE_FB = 1L << 30;
    /** A BAR1 offset written through one vGPU's aperture. */
    private static final long BAR1_OFFSET = 0x2000;
    private static final long PATTERN = 0x5647_5055_1122_3344L;

    @Inject
    private BundleContext context;

    @Inject
    private DriverCore core;

    @Inject
    private PciBus pci;

    @Inject
    private GspCommands gsp;

    @Inject
    private CommandProcessor processor;

    /** Service trackers by filter: each follows its service across restarts; closed after the test. */
    private final Map<String, ServiceTracker<?, ?>> trackers = new HashMap<>();
    /** What putting the platform back could not do. */
    private final List<String> restoreErrors = new ArrayList<>();
    private Uevents uevents;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.all() };
    }

    /** The GPU probed by NovaCore, vgpu.vfio running, probing over; the baseline holds. */
    @Before
    public void platformUp() {
        vram(); // registered by NovaCore's probe of the PF
        vgpus(); // vgpu.vfio's component is active
        settle();
        assertBaseline("before the test");
        uevents = new Uevents(context);
    }

    /** The test left the platform as it found it. */
    @After
    public void platformAsFound() {
        try {
            if (uevents != null) {
                uevents.close();
            }
            assertEquals("putting the platform back failed", List.of(), restoreErrors);
            assertBaseline("after the test");
        } finally {
            trackers.values().forEach(ServiceTracker::close);
            trackers.clear();
        }
    }

    // ---------------------------------------------------------------- 1. the bundle stops

    /**
     * Two vGPUs on two VFs; stopping vgpu.vfio unbinds both VFs (they stay on the bus, SR-IOV
     * stays enabled), the firmware holds no vGPU any more, the VRAM manager is back to its state
     * before the vGPUs (free bytes, owners and the buddy allocator's blocks), and the driver's
     * devres, device links and firmware channel are gone. Started again, the bundle binds the VFs
     * and a vGPU can be created through its shell command.
     */
    @Test
    public void stoppingTheVgpuBundleReleasesEveryVgpuAndAllItsMemory() throws Exception {
        Bundle bundle = bundle(VGPU_BUNDLE);
        try {
            enableVfs(2);
            VramManager vram = vram();
            long available = vram.available();
            BuddyStats stats = vram.stats();
            Map<String, Long> usage = vram.usageByOwner();
            int pfDevres = core.devres().liveForDevice(PF);
            assertEquals("no vGPU firmware state yet", List.of(), firmwareGfids());

            VgpuManager vgpus = vgpus();
            VgpuType type = vgpus.types(PF).stream().filter(t -> t.name().equals(TYPE)).findFirst()
                    .orElseThrow(() -> new AssertionError(TYPE + " is not offered: " + vgpus.types(PF)));
            assertEquals(TYPE_FB, type.fbSize());
            VfioDevice d1 = vgpus.create(VF1, TYPE);
            VfioDevice d2 = vgpus.create(VF2, "L40-1Q");
            assertVgpus(vgpus, List.of(VF1, VF2));
            assertEquals("GFIDs the firmware booted", List.of(1, 2), firmwareGfids());
            assertEquals(2 * TYPE_FB, d1.info().fbSize() + d2.info().fbSize());
            assertVgpuCharges(vram, usage, List.of(VF1, VF2));
            assertTrue("VRAM taken by two vGPUs: " + vram.usageByOwner(), available - vram.available() >= 2 * TYPE_FB);
            d1.write(VfioDevice.BAR1_REGION_INDEX, BAR1_OFFSET, 8, PATTERN);
            assertEquals(PATTERN, d1.read(VfioDevice.BAR1_REGION_INDEX, BAR1_OFFSET, 8));
            assertEquals("vGPUs do not share framebuffer", 0, d2.read(VfioDevice.BAR1_REGION_INDEX, BAR1_OFFSET, 8));
            assertTrue("the driver holds devres " + core.devres().liveByDriver(),
                    core.devres().liveForDriver(VGPU_DRIVER) > 0);
            assertTrue("vgpu.vfio has a channel open " + gsp.stats(PF),
                    gsp.stats(PF).stream().anyMatch(s -> s.client().equals(GSP_CLIENT) && s.open()));
            assertEquals("device links from the GPU to its VFs", List.of(VF1, VF2), linkedVfs());
            Device vf1 = pciBus().device(VF1).orElseThrow();
            Device vf2 = pciBus().device(VF2).orElseThrow();
            long mark = uevents.mark();

            bundle.stop();
            settle();

            // the VFs: unbound from nvidia-vgpu-vfio, still on the bus (SR-IOV untouched), bound to nothing
            for (Device vf : List.of(vf1, vf2)) {
                assertFalse(vf.name() + " was removed", vf.isDead());
                assertSame(vf, pciBus().device(vf.name()).orElse(null));
                assertEquals(vf.name() + " is unbound", Optional.empty(), vf.driver());
                uevents.await(PciBus.NAME, vf.name(), "UNBIND", VGPU_DRIVER, mark);
            }
            assertEquals(2, pciDevice(PF).numVfs());
            assertTrue("nvidia-vgpu-vfio left the bus", pciBus().driver(VGPU_DRIVER).isEmpty());
            assertEquals("no VgpuManager service", 0, context.getServiceReferences(VgpuManager.class, null).size());
            // the vGPUs: their devices dead, the firmware holds none
            for (VfioDevice d : List.of(d1, d2)) {
                assertTrue(d + " is closed", d.isClosed());
                fails(Errno.ENODEV, d + " BAR1 read", () -> d.read(VfioDevice.BAR1_REGION_INDEX, BAR1_OFFSET, 8));
            }
            assertEquals("GFIDs the firmware still holds", List.of(), firmwareGfids());
            // the memory: every byte back, the buddy blocks merged back as they were
            assertEquals("VRAM usage " + vram.usageByOwner(), available, vram.available());
            assertEquals(usage, vram.usageByOwner());
            assertEquals(stats, vram.stats());
            // the driver's other resources
            assertEquals("devres of " + VGPU_DRIVER + " " + core.devres().liveByDriver(), 0,
                    core.devres().liveForDriver(VGPU_DRIVER));
            assertEquals("devres of bundle " + VGPU_BUNDLE + " " + core.devres().liveByBundle(), 0,
                    core.devres().liveForBundle(VGPU_BUNDLE));
            assertEquals(0, core.devres().liveForDevice(VF1));
            assertEquals(0, core.devres().liveForDevice(VF2));
            assertEquals("the GPU's own devres", pfDevres, core.devres().liveForDevice(PF));
            assertEquals("device links from the GPU to its VFs", List.of(), linkedVfs());
            List<RpcStats> channels = gsp.stats(PF).stream().filter(s -> s.client().equals(GSP_CLIENT)).toList();
            assertFalse("vgpu.vfio never had a channel? " + gsp.stats(PF), channels.isEmpty());
            assertTrue("vgpu.vfio's firmware channels are closed: " + channels,
                    channels.stream().noneMatch(RpcStats::open));

            // started again: it binds the VFs and creates vGPUs (here through its shell command)
            bundle.start();
            VgpuManager again = vgpus();
            assertNotSame(vgpus, again);
            settle();
            assertEquals(VGPU_DRIVER, driverOf(VF1));
            assertEquals(VGPU_DRIVER, driverOf(VF2));
            String out = shell("vgpu:create " + VF1 + " L40-1Q");
            assertTrue(out, out.contains(VF1) && out.contains(TYPE) && out.contains("created"));
            VfioDevice d = again.device(VF1).orElseThrow(() -> new AssertionError("no vGPU on " + VF1));
            assertEquals(List.of(1), firmwareGfids());
            assertVgpuCharges(vram, usage, List.of(VF1));
            assertEquals("a new vGPU starts with a cleared framebuffer", 0,
                    d.read(VfioDevice.BAR1_REGION_INDEX, BAR1_OFFSET, 8));
            assertTrue(shell("vgpu:list").contains(VF1));
            again.destroy(VF1);
            assertTrue(d.isClosed());
            assertEquals(List.of(), firmwareGfids());
            assertEquals(available, vram.available());
        } finally {
            restore();
        }
    }

    // ---------------------------------------------------------------- the vGPU's interrupt

    /**
     * A VMM listening on the vGPU's MSI gets the interrupt the VF raises: the guest's write to
     * the VF's interrupt tree (LEAF_TRIGGER, dev_vm.h) goes through the VFIO-style device into
     * the simulated VF, whose MSI reaches vgpu.vfio's handler and the VMM's. Not enabled at the
     * leaf or the subtree, the vector stays pending and silent; clearing it (write 1) ends it.
     */
    @Test
    public void theVfsInterruptReachesTheVmm() throws Exception {
        try {
            enableVfs(1);
            VfioDevice d = vgpus().create(VF1, TYPE);
            java.util.concurrent.BlockingQueue<Integer> msis = new java.util.concurrent.LinkedBlockingQueue<>();
            d.setIrqHandler(VfioDevice.MSI_IRQ_INDEX, msis::add);
            int vector = 33;
            int leaf = VirtualFunction.leafOf(vector);
            int bit = 1 << VirtualFunction.leafBitOf(vector);
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), 4, vector);
            assertEquals(bit, d.read(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF.address(leaf), 4));
            assertEquals("not enabled: silent", null, msis.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS));
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF_EN_SET.address(leaf), 4, bit);
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_TOP_EN_SET.address(), 4,
                    1 << VirtualFunction.subtreeOf(leaf));
            assertEquals("the enable uncovered the pending vector", Integer.valueOf(0),
                    msis.poll(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF.address(leaf), 4, bit);
            assertEquals(0, d.read(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_TOP.address(), 4));
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), 4, vector);
            assertEquals(Integer.valueOf(0), msis.poll(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            // the VMM stops listening: the vector is pending again, nobody is told
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF.address(leaf), 4, bit);
            d.setIrqHandler(VfioDevice.MSI_IRQ_INDEX, null);
            d.write(VfioDevice.BAR0_REGION_INDEX, VirtualFunction.CPU_INTR_LEAF_TRIGGER.address(), 4, vector);
            assertEquals(null, msis.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS));
            vgpus().destroy(VF1);
        } finally {
            restore();
        }
    }

    // ---------------------------------------------------------------- 2. the PF unbinds

    /**
     * Two vGPUs; unbinding the GPU from NovaCore unbinds both VFs from nvidia-vgpu-vfio (their
     * vGPUs destroyed, all their VRAM charges returned to the GPU's now revoked VRAM manager), then
     * disables SR-IOV (the VFs are removed from the bus), then unbinds the PF: in that order by the
     * uevents' SEQNUMs. While unbound, sriov_numvfs is the kernel's ENOENT. Bound again, the GPU
     * enables VFs and runs a vGPU again.
     *
     * <p>The firmware holding no vGPU afterwards proves little here: the PF's unbind resets the
     * GPU, which clears the simulated GSP-RM's vGPUs whether or not the driver shut them down.
     * That the VF unbind sends shutdown and cleanup is proven by
     * {@link #stoppingTheVgpuBundleReleasesEveryVgpuAndAllItsMemory}, where the GPU stays up.
     */
    @Test
    public void unbindingTheGpuUnbindsItsVfsFirstThenDisablesSriov() throws Exception {
        Bus bus = pciBus();
        try {
            enableVfs(2);
            VramManager vram = vram();
            VgpuManager vgpus = vgpus();
            VfioDevice d1 = vgpus.create(VF1, TYPE);
            VfioDevice d2 = vgpus.create(VF2, TYPE);
            assertEquals(List.of(1, 2), firmwareGfids());
            assertVgpuCharges(vram, Map.of(), List.of(VF1, VF2));
            Device pf = bus.device(PF).orElseThrow();
            List<Device> vfs = List.of(bus.device(VF1).orElseThrow(), bus.device(VF2).orElseThrow());
            for (Device vf : vfs) {
                assertSame(vf.name() + "'s parent", pf, vf.parent().orElse(null));
            }
            long mark = uevents.mark();

            bus.unbind(PF);
            settle();

            // the order: every VF unbound, then every VF removed, then the PF unbound
            Uevents.U pfUnbind = uevents.await(PciBus.NAME, PF, "UNBIND", NOVA_CORE, mark);
            List<Uevents.U> vfUnbinds = new ArrayList<>();
            List<Uevents.U> vfRemoves = new ArrayList<>();
            for (Device vf : vfs) {
                vfUnbinds.add(uevents.await(PciBus.NAME, vf.name(), "UNBIND", VGPU_DRIVER, mark));
                vfRemoves.add(uevents.await(PciBus.NAME, vf.name(), "REMOVE", null, mark));
            }
            String seen = uevents.since(mark).toString();
            long lastVfUnbind = vfUnbinds.stream().mapToLong(Uevents.U::seqnum).max().orElseThrow();
            long firstVfRemove = vfRemoves.stream().mapToLong(Uevents.U::seqnum).min().orElseThrow();
            long lastVfRemove = vfRemoves.stream().mapToLong(Uevents.U::seqnum).max().orElseThrow();
            assertTrue("the VFs unbind before SR-IOV is disabled: " + seen, lastVfUnbind < firstVfRemove);
            assertTrue("SR-IOV is disabled before the PF unbinds: " + seen, lastVfRemove < pfUnbind.seqnum());
            for (Device vf : vfs) {
                assertEquals("one unbind and one removal of " + vf.name() + ", no other binding: " + seen,
                        List.of("UNBIND " + VGPU_DRIVER, "REMOVE"), uevents.actions(vf.name(), mark));
            }

            // the state: the PF unbound with SR-IOV disabled, its VFs gone, their vGPUs destroyed
            assertEquals(Optional.empty(), pf.driver());
            assertFalse(pf.isDead());
            PciDevice pfPci = pciDevice(PF);
            assertEquals(0, pfPci.numVfs());
            assertEquals(List.of(), pfPci.virtfns());
            for (Device vf : vfs) {
                assertTrue(vf.name() + " is dead", vf.isDead());
                assertTrue(bus.device(vf.name()).isEmpty());
                assertTrue(pci.device(vf.name()).isEmpty());
            }
            assertTrue(d1.isClosed());
            assertTrue(d2.isClosed());
            assertEquals(List.of(), vgpus.list());
            assertEquals(List.of(), firmwareGfids()); // also cleared by the GPU's reset, see above
            assertTrue("the VRAM manager of the unbound GPU is revoked", vram.isRevoked());
            assertEquals("framebuffer still charged to the unbound GPU's VRAM", Map.of(), vram.usageByOwner());
            assertEquals(vram.total(), vram.available());
            assertEquals("no VramManager of " + PF, 0, vramRegistrations());
            fails(Errno.ENODEV, "vGPU types of an unbound GPU", () -> vgpus.types(PF));
            assertEquals(0, core.devres().liveForDriver(VGPU_DRIVER));
            assertEquals(GA102 + " is untouched", NOVA_CORE, driverOf(GA102));
            // sriov_numvfs without a driver: ENOENT; the count it has is no change; above TotalVFs ERANGE
            fails(Errno.ENOENT, "sriov_numvfs 2 of an unbound PF", () -> pci.sriovNumvfs(PF, "2"));
            pci.sriovNumvfs(PF, "0");
            fails(Errno.ERANGE, "sriov_numvfs 5 of an unbound PF", () -> pci.sriovNumvfs(PF, "5"));
            assertEquals(0, pfPci.numVfs());

            // bound again: a new VRAM manager, SR-IOV still off until asked, then VFs and a vGPU again
            bus.bind(PF, NOVA_CORE);
            settle();
            assertEquals(NOVA_CORE, driverOf(PF));
            VramManager fresh = vram();
            assertNotSame(vram, fresh);
            assertEquals(fresh.total(), fresh.available());
            assertEquals(0, pciDevice(PF).numVfs());
            assertTrue(bus.device(VF1).isEmpty());
            enableVfs(2);
            VfioDevice d = vgpus().create(VF2, TYPE);
            assertEquals(2, d.info().gfid());
            assertEquals(List.of(2), firmwareGfids());
            assertVgpuCharges(fresh, Map.of(), List.of(VF2));
            vgpus().destroy(VF2);
            assertEquals(List.of(), firmwareGfids());
            assertEquals(fresh.total(), fresh.available());
        } finally {
            restore();
        }
    }

    // ---------------------------------------------------------------- 3. sriov_numvfs

    /**
     * sriov_numvfs_store's rules on the bound GPU: above TotalVFs ERANGE; malformed input EINVAL;
     * a new non-zero count while VFs are enabled EBUSY (nothing changes: the same VF devices stay
     * bound); the current count succeeds without change; 0 disables (a running vGPU goes with its
     * VF) and then any count up to TotalVFs enables, in C notation with a trailing newline.
     */
    @Test
    public void sriovNumvfsFollowsTheKernelsRules() throws Exception {
        PciDevice pf = pciDevice(PF);
        assertEquals(TOTAL_VFS, pf.sriovTotalVfs());
        try {
            // disabled: out of range and malformed writes fail and change nothing
            fails(Errno.ERANGE, "sriov_numvfs 5", () -> pci.sriovNumvfs(PF, "5"));
            for (String bad : List.of("abc", "-1", "", "2 ", "2\n\n", "0x", "1.0")) {
                fails(Errno.EINVAL, "sriov_numvfs '" + bad + "'", () -> pci.sriovNumvfs(PF, bad));
            }
            assertEquals(0, pf.numVfs());
            pci.sriovNumvfs(PF, "0"); // the current count: nothing to do
            assertEquals(0, pf.numVfs());

            // through the shell, as an administrator would
            long before = uevents.mark();
            String out = shell("pci:sriov_numvfs " + PF + " 2");
            assertTrue(out, out.contains("sriov_numvfs 2"));
            settle();
            assertVfsBound(2, before);
            List<Device> vfs = List.of(pciBus().device(VF1).orElseThrow(), pciBus().device(VF2).orElseThrow());

            // enabled: another non-zero count is EBUSY, whatever it is; out of range still ERANGE first
            for (String n : List.of("1", "3", "4", "0x4", "03")) {
                fails(Errno.EBUSY, "sriov_numvfs " + n + " with 2 VFs enabled", () -> pci.sriovNumvfs(PF, n));
            }
            fails(Errno.ERANGE, "sriov_numvfs 5 with 2 VFs enabled", () -> pci.sriovNumvfs(PF, "5"));
            fails(Errno.ERANGE, "sriov_numvfs 65535 with 2 VFs enabled", () -> pci.sriovNumvfs(PF, "65535"));
            fails(Errno.EINVAL, "sriov_numvfs 'two' with 2 VFs enabled", () -> pci.sriovNumvfs(PF, "two"));
            pci.sriovNumvfs(PF, "2\n"); // the current count: no change
            settle();
            assertEquals(2, pf.numVfs());
            for (Device vf : vfs) {
                assertFalse(vf.name() + " was re-created", vf.isDead());
                assertSame(vf, pciBus().device(vf.name()).orElse(null));
                assertEquals(Optional.of(VGPU_DRIVER), vf.driver());
            }
            assertTrue(pciBus().device(VFS.get(2)).isEmpty());

            // 0 with a vGPU running: the VFs go and the vGPU with them
            VramManager vram = vram();
            VfioDevice d = vgpus().create(VF1, TYPE);
            assertEquals(List.of(1), firmwareGfids());
            assertVgpuCharges(vram, Map.of(), List.of(VF1));
            pci.sriovNumvfs(PF, "0");
            settle();
            assertEquals(0, pf.numVfs());
            for (Device vf : vfs) {
                assertTrue(vf.name() + " is removed", vf.isDead());
            }
            assertTrue(d.isClosed());
            assertEquals(List.of(), vgpus().list());
            assertEquals(List.of(), firmwareGfids());
            assertEquals(vram.total(), vram.available());

            // 0 then N: any count up to TotalVFs, in C notation
            before = uevents.mark();
            pci.sriovNumvfs(PF, "0x3");
            settle();
            assertVfsBound(3, before);
            pci.sriovNumvfs(PF, "0");
            settle();
            assertEquals(0, pf.numVfs());
            before = uevents.mark();
            pci.sriovNumvfs(PF, TOTAL_VFS + "\n");
            settle();
            assertVfsBound(TOTAL_VFS, before);
            pci.sriovNumvfs(PF, "0");
            settle();
            assertEquals(0, pf.numVfs());
            for (String vf : VFS) {
                assertTrue(vf + " is gone", pciBus().device(vf).isEmpty());
            }
        } finally {
            restore();
        }
    }

    /**
     * kstrtou16 (lib/kstrtox.c), which sriov_numvfs_store parses with, returns -ERANGE for a
     * number that does not fit in a u16 (and -EINVAL only for malformed text), so writing 65536
     * to sriov_numvfs fails with ERANGE, as does a number beyond 64 bits.
     */
    @Test
    public void aVfCountBeyondU16IsErangeAsKstrtou16Says() {
        try {
            fails(Errno.ERANGE, "sriov_numvfs 65536", () -> pci.sriovNumvfs(PF, "65536"));
            fails(Errno.ERANGE, "sriov_numvfs 0x10000", () -> pci.sriovNumvfs(PF, "0x10000"));
            fails(Errno.ERANGE, "sriov_numvfs 2^64", () -> pci.sriovNumvfs(PF, "18446744073709551616"));
            assertEquals(0, pciDevice(PF).numVfs());
        } finally {
            restore();
        }
    }

    // ---------------------------------------------------------------- the platform

    /**
     * What every test starts and ends with: both GPUs bound to NovaCore and the AD102's nova-drm
     * device bound, SR-IOV disabled, vgpu.vfio active with no vGPU, the firmware holding none, the
     * AD102's VRAM all free, no devres of the vGPU driver.
     */
    private void assertBaseline(String when) {
        String state = when + ": " + state();
        assertEquals(state, NOVA_CORE, driverOf(PF));
        assertEquals(state, NOVA_CORE, driverOf(GA102));
        assertTrue(state, core.requireBus(AUXILIARY).devices().stream()
                .anyMatch(d -> d.parent().map(Device::name).orElse("").equals(PF)
                        && NOVA_DRM.equals(d.driver().orElse(null))));
        PciDevice pf = pciDevice(PF);
        assertEquals(state, TOTAL_VFS, pf.sriovTotalVfs());
        assertEquals(state, 0, pf.numVfs());
        for (String vf : VFS) {
            assertTrue(state, pciBus().device(vf).isEmpty());
        }
        assertEquals(state, Bundle.ACTIVE, bundle(VGPU_BUNDLE).getState());
        assertEquals(state, List.of(), vgpus().list());
        assertEquals(state, List.of(), firmwareGfids());
        VramManager vram = vram();
        assertEquals(state, Map.of(), vram.usageByOwner());
        assertEquals(state, vram.total(), vram.available());
        assertEquals(state + " " + core.devres().liveByDriver(), 0, core.devres().liveForDriver(VGPU_DRIVER));
    }

    /**
     * Puts the platform back, whatever the test got to: vgpu.vfio started, the GPU bound, no
     * vGPUs, SR-IOV disabled. Never throws (a failure here would hide the test's own); what fails
     * is reported by {@link #platformAsFound}.
     */
    private void restore() {
        step("start " + VGPU_BUNDLE, () -> {
            Bundle b = bundle(VGPU_BUNDLE);
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
        });
        step("bind " + PF, () -> {
            if (pciBus().device(PF).flatMap(Device::driver).isEmpty()) {
                pciBus().bind(PF, NOVA_CORE);
            }
        });
        step("settle", this::settle);
        step("destroy the vGPUs", () -> {
            VgpuManager m = vgpus();
            for (VgpuInfo i : m.list()) {
                m.destroy(i.vf());
            }
        });
        step("disable SR-IOV", () -> {
            if (pciDevice(PF).numVfs() > 0) {
                pci.sriovNumvfs(PF, "0");
            }
        });
        step("settle", this::settle);
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String what, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            restoreErrors.add(what + ": " + t);
        }
    }

    /** sriov_numvfs N on the GPU; then its first N VFs are bound to nvidia-vgpu-vfio. */
    private void enableVfs(int n) {
        long before = uevents.mark();
        pci.sriovNumvfs(PF, Integer.toString(n));
        settle();
        assertVfsBound(n, before);
    }

    /**
     * Exactly the first n VFs are present, children of the GPU, bound to nvidia-vgpu-vfio, and the
     * uevents of their binding (one BIND each, test_remove or not, as driver_bound emits it after
     * the last probe) have reached {@link #uevents}.
     */
    private void assertVfsBound(int n, long before) {
        PciDevice pf = pciDevice(PF);
        assertEquals(n, pf.numVfs());
        assertEquals(VFS.subList(0, n), pf.virtfns().stream().map(PciDevice::slot).toList());
        for (int i = 0; i < VFS.size(); i++) {
            String vf = VFS.get(i);
            if (i < n) {
                assertEquals(vf + ": " + state(), VGPU_DRIVER, driverOf(vf));
                assertEquals(PF, pciBus().device(vf).flatMap(Device::parent).map(Device::name).orElse(null));
                assertTrue(pciDevice(vf).isVirtfn());
                uevents.await(PciBus.NAME, vf, "BIND", VGPU_DRIVER, before);
            } else {
                assertTrue(vf + " should not exist: " + state(), pciBus().device(vf).isEmpty());
            }
        }
    }

    /** The manager lists exactly vGPUs of {@link #TYPE} on these VFs, GFID = VF index + 1, apart in VRAM and channels. */
    private static void assertVgpus(VgpuManager vgpus, List<String> vfs) {
        List<VgpuInfo> list = vgpus.list();
        assertEquals(list.toString(), vfs, list.stream().map(VgpuInfo::vf).toList());
        for (VgpuInfo i : list) {
            assertEquals(i.toString(), PF, i.pf());
            assertEquals(i.toString(), TYPE, i.type().name());
            assertEquals(i.toString(), VFS.indexOf(i.vf()) + 1, i.gfid());
            assertEquals(i.toString(), TYPE_FB, i.fbSize());
            assertTrue(vgpus.device(i.vf()).isPresent());
        }
        for (int a = 0; a < list.size(); a++) {
            for (int b = a + 1; b < list.size(); b++) {
                VgpuInfo x = list.get(a);
                VgpuInfo y = list.get(b);
                assertTrue("framebuffers overlap: " + x + " " + y,
                        x.fbOffset() + x.fbSize() <= y.fbOffset() || y.fbOffset() + y.fbSize() <= x.fbOffset());
                assertTrue("channels overlap: " + x + " " + y, x.chidOffset() + x.channels() <= y.chidOffset()
                        || y.chidOffset() + y.channels() <= x.chidOffset());
            }
        }
    }

    /**
     * What the VRAM manager charges beyond {@code before} is the vGPUs' on these VFs: every new
     * charge names one of them (the framebuffer and whatever else a vGPU takes, such as its
     * plugin's heap) except the BAR1 page tables the heaps' mappings need, each VF is charged at
     * least its framebuffer, and the charges account for every byte not free.
     */
    private static void assertVgpuCharges(VramManager vram, Map<String, Long> before, List<String> vfs) {
        Map<String, Long> usage = vram.usageByOwner();
        assertEquals("VRAM in use vs. charged " + usage, vram.total() - vram.available(),
                usage.values().stream().mapToLong(Long::longValue).sum());
        Map<String, Long> added = new HashMap<>(usage);
        before.forEach((k, v) -> added.merge(k, -v, Long::sum));
        added.values().removeIf(v -> v == 0);
        Map<String, Long> perVf = new HashMap<>();
        added.forEach((owner, bytes) -> {
            if (owner.endsWith(":bar1")) {
                // the GPU's BAR1 page tables (nova.core maps each plugin heap at a BAR1 VA to fill
                // it): charged to the GPU's BAR1, a few 4 KiB tables, not to a VF
                assertTrue("BAR1 tables " + owner + " " + usage, bytes > 0 && bytes % 4096 == 0 && bytes <= 64 * 4096);
                return;
            }
            List<String> named = vfs.stream().filter(owner::contains).toList();
            assertEquals("VRAM owner " + owner + " should name one vGPU's VF of " + vfs + ": " + usage, 1, named.size());
            perVf.merge(named.get(0), bytes, Long::sum);
        });
        for (String vf : vfs) {
            assertTrue("VRAM charged for " + vf + " " + usage, perVf.getOrDefault(vf, 0L) >= TYPE_FB);
        }
    }

    /** @return the VFs that are consumers of a device link from the GPU, in order */
    private List<String> linkedVfs() {
        Device pf = pciBus().device(PF).orElseThrow();
        return core.links(pf).stream().filter(l -> l.supplier().equals(pf)).map(DeviceLink::consumer)
                .map(Device::name).sorted().toList();
    }

    private List<Integer> firmwareGfids() {
        return SimVgpuFirmware.activeGfids(context, SIM0, PF);
    }

    private void settle() {
        assertTrue("probes still pending after " + TIMEOUT.toSeconds() + " s: " + state(),
                core.waitForDeviceProbe(TIMEOUT));
    }

    private Bus pciBus() {
        return core.requireBus(PciBus.NAME);
    }

    private PciDevice pciDevice(String slot) {
        return pci.device(slot).orElseThrow(() -> new AssertionError("no PCI device " + slot + ": " + state()));
    }

    /** @return the driver of a PCI device, "-" when unbound, "absent" when there is none */
    private String driverOf(String device) {
        return pciBus().device(device).map(d -> d.driver().orElse("-")).orElse("absent");
    }

    private String state() {
        StringBuilder sb = new StringBuilder();
        for (Device d : pciBus().devices()) {
            sb.append(d.name()).append('=').append(d.driver().orElse("-")).append(' ');
        }
        return sb.append("deferred=").append(core.deferredDevices()).toString();
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    /** @return the current VgpuManager, waiting for it (it comes and goes with vgpu.vfio) */
    private VgpuManager vgpus() {
        return service(VgpuManager.class, null);
    }

    /** @return the AD102's current VramManager, waiting for it (it comes and goes with the binding) */
    private VramManager vram() {
        return service(VramManager.class, "(" + VramManager.GPU_PROPERTY + "=" + PF + ")");
    }

    private int vramRegistrations() throws InvalidSyntaxException {
        return context.getServiceReferences(VramManager.class, "(" + VramManager.GPU_PROPERTY + "=" + PF + ")").size();
    }

    /** @return the service, waiting up to the timeout (a tracker's wait, no polling) */
    private <T> T service(Class<T> type, String filter) {
        String f = "(&(" + org.osgi.framework.Constants.OBJECTCLASS + "=" + type.getName() + ")"
                + (filter == null ? "" : filter) + ")";
        @SuppressWarnings("unchecked")
        ServiceTracker<T, T> t = (ServiceTracker<T, T>) trackers.computeIfAbsent(f, k -> {
            try {
                ServiceTracker<T, T> n = new ServiceTracker<>(context, FrameworkUtil.createFilter(k), null);
                n.open();
                return n;
            } catch (InvalidSyntaxException e) {
                throw new AssertionError(e);
            }
        });
        try {
            T s = t.waitForService(TIMEOUT.toMillis());
            assertNotNull("no " + f + " within " + TIMEOUT.toSeconds() + " s: " + state(), s);
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + f, e);
        }
    }

    /** Runs one Gogo command line in a fresh session; returns what the command returned, as text. */
    private String shell(String commandLine) throws Exception {
        return Gogo.run(processor, commandLine);
    }

    /** Runs code that must throw a {@link DriverException} with {@code errno}. */
    private static void fails(Errno errno, String what, Runnable code) {
        try {
            code.run();
        } catch (DriverException d) {
            assertEquals(what + ": " + d.getMessage(), errno, d.errno());
            assertTrue(what + ": " + d.getMessage(), d.getMessage().startsWith(errno.name() + ": "));
            return;
        }
        fail(what + " should fail with " + errno);
    }

    // ---------------------------------------------------------------- uevents
}
