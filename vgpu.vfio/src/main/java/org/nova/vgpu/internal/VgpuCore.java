package org.nova.vgpu.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GspCommands;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.PluginTask;
import org.nova.gpu.VgpuControl;
import org.nova.gpu.VgpuTypeInfo;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.hw.pci.PciAddress;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vGPU manager's logic (vgpu_mgr.c / vgpu.c of the RFC), independent of OSGi: the VFs bound
 * to the driver, per GPU its firmware channel (nova.core's command service), its types, its
 * VRAM manager and channel IDs, and the vGPUs. Thread-safe (one lock).
 */
final class VgpuCore implements VgpuManager {
    private static final Logger LOG = LoggerFactory.getLogger(VgpuCore.class);
    /** The client name on nova.core's command service. */
    static final String CLIENT = "vgpu.vfio";
    /** How long the plugin task may take to report GSP_PLUGIN_BOOTLOADED after its bootload (the RFC's 10 s). */
    static final Duration PLUGIN_BOOT_TIMEOUT = Duration.ofSeconds(10);
    /** Channels per vGPU (the RFC's 512). */
    static final int CHANNELS_PER_VGPU = 512;
    /** Channel IDs of a GPU: block 0 stays the PF's. */
    static final int TOTAL_CHANNELS = 4096;
    /** Bytes in a MiB, for placement sizes in messages. */
    private static final int MIB_SHIFT = 20;

    /** PCI addresses in the order lspci prints them. */
    private static final Comparator<PciAddress> ADDRESS_ORDER = Comparator.comparing(PciAddress::toString);

    /** A VF bound to the driver. */
    private static final class Bound {
        final PciAddress pf;
        final VfAccess vf;
        final int vendorDevice;
        Vgpu vgpu;
        Pf state;

        Bound(PciAddress pf, VfAccess vf, int vendorDevice) {
            this.pf = pf;
            this.vf = vf;
            this.vendorDevice = vendorDevice;
        }
    }

    /** One GPU's vGPU state: its typed vGPU controls in nova.core, its types, VRAM and channel blocks. */
    private static final class Pf {
        final PciAddress slot;
        final VgpuControl gsp;
        final List<VgpuType> types;
        final VramManager vram;
        final BitSet channelBlocks = new BitSet();

        Pf(PciAddress slot, VgpuControl gsp, List<VgpuType> types, VramManager vram) {
            this.slot = slot;
            this.gsp = gsp;
            this.types = types;
            this.vram = vram;
            channelBlocks.set(0);
        }
    }

    private final NovaGpus gpus;
    private final GspCommands commands;
    private final Function<String, Optional<VramManager>> vramOf;
    private final Map<PciAddress, Bound> vfs = new TreeMap<>(ADDRESS_ORDER);
    private final Map<PciAddress, Pf> pfs = new TreeMap<>(ADDRESS_ORDER);
    private final Duration pluginBootTimeout;

    VgpuCore(NovaGpus gpus, GspCommands commands, Function<String, Optional<VramManager>> vramOf) {
        this(gpus, commands, vramOf, PLUGIN_BOOT_TIMEOUT);
    }

    /** @param pluginBootTimeout how long a plugin may take to report after its bootload */
    VgpuCore(NovaGpus gpus, GspCommands commands, Function<String, Optional<VramManager>> vramOf,
            Duration pluginBootTimeout) {
        this.gpus = gpus;
        this.commands = commands;
        this.vramOf = vramOf;
        this.pluginBootTimeout = pluginBootTimeout;
    }

    /**
     * @return the PCI address a user or a configuration named
     * @throws DriverException EINVAL if it is not one
     */
    static PciAddress address(String device) {
        try {
            return PciAddress.parse(device);
        } catch (RuntimeException e) { // PciAddress.parse's EINVAL
            throw new DriverException(Errno.EINVAL, e.getMessage(), e);
        }
    }

    // ---- VF binding ------------------------------------------------------------------------------

    /** A VF of {@code pf} probed. */
    synchronized void vfBound(PciAddress pf, VfAccess vf, int vendorDevice) {
        vfs.put(address(vf.slot()), new Bound(pf, vf, vendorDevice));
    }

    /** A VF unbinds: its vGPU is destroyed; the GPU's state goes with its last VF. */
    synchronized void vfUnbound(String vf) {
        Bound b = vfs.remove(address(vf));
        if (b == null) {
            return;
        }
        if (b.vgpu != null) {
            teardown(b);
        }
        if (vfs.values().stream().noneMatch(o -> o.pf.equals(b.pf))) {
            Pf p = pfs.remove(b.pf);
            if (p != null) {
                p.gsp.close();
            }
        }
    }

    /** Destroys every vGPU and forgets every VF (the driver goes). */
    synchronized void closeAll() {
        for (PciAddress vf : new ArrayList<>(vfs.keySet())) {
            vfUnbound(vf.toString());
        }
        pfs.values().forEach(p -> p.gsp.close());
        pfs.clear();
    }

    // ---- per GPU -------------------------------------------------------------------------------

    private Pf pf(String device) {
        return pf(address(device));
    }

    private Pf pf(PciAddress d) {
        Bound asVf = vfs.get(d);
        PciAddress pfSlot = asVf != null ? asVf.pf : d;
        Pf p = pfs.get(pfSlot);
        if (p != null && !p.gsp.revoked()) {
            return p;
        }
        if (p != null) { // the GPU rebound: start over
            pfs.remove(pfSlot);
            p.gsp.close();
        }
        String pf = pfSlot.toString();
        if (gpus.gpu(pf).isEmpty()) {
            throw new DriverException(Errno.ENODEV, "no GPU bound to NovaCore at " + d);
        }
        if (!gpus.vgpuSupported(pf)) {
            throw new DriverException(Errno.ENODEV, pf + ": the firmware reports no vGPU support");
        }
        VramManager vram = vramOf.apply(pf).orElseThrow(
                () -> new DriverException(Errno.ENODEV, "no VRAM manager for " + pf));
        VgpuControl ctl = commands.openVgpu(pf, CLIENT);
        try {
            p = new Pf(pfSlot, ctl, readTypes(ctl), vram);
        } catch (RuntimeException e) {
            ctl.close();
            throw e;
        }
        pfs.put(pfSlot, p);
        return p;
    }

    /** The firmware's supported types, as vGPU types of this driver (each with the RFC's channels). */
    static List<VgpuType> readTypes(VgpuControl ctl) {
        List<VgpuType> out = new ArrayList<>();
        for (VgpuTypeInfo t : ctl.supportedTypes()) {
            out.add(new VgpuType(t.id(), t.name(), t.vgpuClass(), t.fbLength(), t.bar1Length(), t.maxInstances(),
                    CHANNELS_PER_VGPU, t.gspHeapSize()));
        }
        return List.copyOf(out);
    }

    private static List<Vgpu> active(Map<PciAddress, Bound> vfs, PciAddress pf) {
        return vfs.values().stream().filter(b -> b.pf.equals(pf) && b.vgpu != null).map(b -> b.vgpu).toList();
    }

    // ---- VgpuManager ---------------------------------------------------------------------------

    @Override
    public synchronized List<VgpuType> types(String device) {
        return pf(device).types;
    }

    @Override
    public synchronized List<VgpuType> creatableTypes(String device) {
        Pf p = pf(device);
        return p.types.stream().filter(t -> available(p, t) > 0).toList();
    }

    @Override
    public synchronized int availableInstances(String device, int typeId) {
        Pf p = pf(device);
        VgpuType t = p.types.stream().filter(v -> v.id() == typeId).findFirst().orElseThrow(() -> new DriverException(
                Errno.ENODEV, String.format("no vGPU type %#x on %s", typeId, p.slot)));
        return available(p, t);
    }

    /**
     * How many more vGPUs of {@code t} the GPU takes now (sysfs available_instances): its free
     * placements ({@link VgpuPlacements}: none while vGPUs of another placement size run), within
     * its maximum instances, the VFs bound here without a vGPU and the channel blocks left. Each
     * of them a create of that type would get: what this counts is creatable.
     */
    private int available(Pf p, VgpuType t) {
        List<Vgpu> running = active(vfs, p.slot);
        if (running.stream().anyMatch(v -> !VgpuPlacements.samePlacementSize(v.info().type(), t))) {
            return 0;
        }
        long idleVfs = vfs.values().stream().filter(b -> b.pf.equals(p.slot) && b.vgpu == null).count();
        int channelBlocks = TOTAL_CHANNELS / CHANNELS_PER_VGPU - p.channelBlocks.cardinality();
        long placements = placements(p, t).stream().filter(pl -> slotFree(p, pl)).count();
        return (int) Math.max(0, Math.min(Math.min(placements, t.maxInstances() - running.size()),
                Math.min(idleVfs, channelBlocks)));
    }

    /** @return the type's slots on this GPU: above the CPU-visible aperture, highest first */
    private static List<VgpuPlacements.Placement> placements(Pf p, VgpuType t) {
        return VgpuPlacements.of(t, p.vram.total(), p.vram.cpuVisibleSize());
    }

    /** @return whether nothing lies in the slot (a slot the VRAM manager cannot hand out is not free) */
    private static boolean slotFree(Pf p, VgpuPlacements.Placement pl) {
        try {
            return p.vram.isFree(pl.offset(), pl.size());
        } catch (DriverException notASlot) { // EINVAL: no block of that size starts there
            return false;
        }
    }

    private static Optional<VgpuType> findType(Pf p, String type) {
        String t = type.trim();
        for (VgpuType v : p.types) {
            if (v.name().equalsIgnoreCase(t) || v.name().equalsIgnoreCase("NVIDIA " + t)) {
                return Optional.of(v);
            }
        }
        try {
            int id = t.startsWith("0x") ? Integer.parseUnsignedInt(t.substring(2), 16) : Integer.parseInt(t);
            return p.types.stream().filter(v -> v.id() == id).findFirst();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized VfioDevice create(String vf, String type) {
        Bound b = vfs.get(address(vf));
        if (b == null) {
            throw new DriverException(Errno.ENODEV, vf + " is not a GPU VF bound to vgpu.vfio");
        }
        if (b.vgpu != null) {
            throw new DriverException(Errno.EBUSY, b.vf.slot() + " already has a vGPU (" + b.vgpu.info().type().name()
                    + ")");
        }
        Pf p = pf(b.pf);
        PciAddress vfAddress = address(b.vf.slot());
        VgpuType t = findType(p, type).orElseThrow(() -> new DriverException(Errno.ENODEV, "no vGPU type '" + type
                + "' on " + p.slot + " (types: " + p.types.stream().map(VgpuType::name).toList() + ")"));
        List<Vgpu> running = active(vfs, p.slot);
        Optional<Vgpu> other = running.stream()
                .filter(v -> !VgpuPlacements.samePlacementSize(v.info().type(), t)).findFirst();
        if (other.isPresent()) {
            VgpuType o = other.get().info().type();
            throw new DriverException(Errno.ENODEV, String.format("%s is not creatable on %s: it runs %s vGPUs, whose "
                    + "placements are %d MiB, not %d MiB (one placement size at a time)", t.name(), p.slot, o.name(),
                    VgpuPlacements.slotSize(o) >> MIB_SHIFT, VgpuPlacements.slotSize(t) >> MIB_SHIFT));
        }
        if (running.size() >= t.maxInstances()) {
            throw new DriverException(Errno.ENOSPC, p.slot + " runs " + running.size() + " vGPUs, the most "
                    + t.name() + " allows");
        }
        // every check before anything is allocated: the placement, the channels, the heap's size
        List<VgpuPlacements.Placement> slots = placements(p, t);
        VgpuPlacements.Placement slot = slots.stream().filter(pl -> slotFree(p, pl)).findFirst().orElseThrow(
                () -> new DriverException(Errno.ENOSPC, String.format("%s: no free placement for %s: its %d slots of "
                        + "%d MiB are taken", p.slot, t.name(), slots.size(),
                        VgpuPlacements.slotSize(t) >> MIB_SHIFT)));
        int block = p.channelBlocks.nextClearBit(1);
        if ((block + 1) * CHANNELS_PER_VGPU > TOTAL_CHANNELS) {
            throw new DriverException(Errno.ENOSPC, p.slot + ": no channels left");
        }
        checkHeapSize(p, t);
        int gfid = b.vf.vfIndex() + 1;
        String owner = CLIENT + ":" + b.vf.slot();
        // the RFC's order: the framebuffer (in its placement), the channels, the management heap
        VramBlock heap = null;
        VramBlock fb = null;
        boolean booted = false;
        try {
            fb = p.vram.allocateAt(slot.offset(), t.fbSize(), owner);
            p.channelBlocks.set(block);
            heap = carveHeap(p, t, owner);
            int chid = block * CHANNELS_PER_VGPU;
            p.gsp.bootloadPluginTask(new PluginTask(vfAddress, gfid, t.id(), chid, CHANNELS_PER_VGPU, fb, heap));
            booted = true;
            awaitPlugin(p, heap, b.vf.slot());
            // the RFC's open_device: the VF masters the bus (its MSI and DMA) while the vGPU lives
            b.vf.setBusMaster(true);
            VgpuInfo info = new VgpuInfo(b.vf.slot(), p.slot.toString(), gfid, t, fb.offset(), fb.size(), chid, CHANNELS_PER_VGPU,
                    heap.offset(), heap.size());
            b.vgpu = new Vgpu(info, b.vf, fb, heap, b.vendorDevice);
            b.state = p;
            LOG.info("{}: vGPU {} created (gfid {}, FB 0x{}+{} MiB, plugin heap 0x{}+{} KiB, channels {}+{})",
                    b.vf.slot(), t.name(), gfid, Long.toHexString(fb.offset()), fb.size() >> 20,
                    Long.toHexString(heap.offset()), heap.size() >> 10, chid, CHANNELS_PER_VGPU);
            return b.vgpu;
        } catch (RuntimeException e) {
            if (booted) {
                stopPlugin(p, gfid, b.vf.slot());
            }
            p.channelBlocks.clear(block);
            if (fb != null) {
                p.vram.free(fb);
            }
            if (heap != null) {
                p.vram.free(heap);
            }
            throw e;
        }
    }

    /**
     * @throws DriverException EIO if the type's plugin heap cannot hold the firmware's heap regions
     */
    private static void checkHeapSize(Pf p, VgpuType t) {
        long need = p.gsp.pluginHeapMinimum();
        if (t.gspHeapSize() < need) {
            throw new DriverException(Errno.EIO, String.format("%s: type %s has a %d KiB plugin heap, its regions need "
                    + "%d KiB", p.slot, t.name(), t.gspHeapSize() >> 10, need >> 10));
        }
    }

    /**
     * The plugin's management heap (the RFC's setup_mgmt_heap): gspHeapSize bytes of VRAM the CPU
     * reaches through BAR1, where nova.core sets up its control buffer at the bootload.
     *
     * @throws DriverException ENOSPC if no CPU-visible VRAM is left
     */
    private static VramBlock carveHeap(Pf p, VgpuType t, String owner) {
        return p.vram.allocateBelow(t.gspHeapSize(), owner + "/plugin-heap", p.vram.cpuVisibleSize());
    }

    /**
     * Waits for the plugin task to report GSP_PLUGIN_BOOTLOADED in its heap's control buffer (the
     * RFC's wait_vgpu_plugin_task_bootloaded).
     *
     * @throws DriverException ETIMEDOUT after the plugin boot timeout
     */
    private void awaitPlugin(Pf p, VramBlock heap, String vf) {
        long deadline = System.nanoTime() + pluginBootTimeout.toNanos();
        while (!p.gsp.pluginTaskBooted(heap)) {
            if (System.nanoTime() - deadline > 0) {
                throw new DriverException(Errno.ETIMEDOUT, String.format("%s: the vGPU plugin did not report "
                        + "GSP_PLUGIN_BOOTLOADED within %d ms", vf, pluginBootTimeout.toMillis()));
            }
            LockSupport.parkNanos(PLUGIN_POLL_NANOS);
        }
    }

    /** How often the plugin's report is looked for. */
    private static final long PLUGIN_POLL_NANOS = 100_000;

    /** Shutdown and cleanup of a booted plugin (best effort: a dead GSP is no reason to keep memory). */
    private static void stopPlugin(Pf p, int gfid, String vf) {
        try {
            p.gsp.shutdownPluginTask(gfid);
        } catch (DriverException e) {
            LOG.warn("{}: plugin shutdown: {}", vf, e.getMessage());
        }
        try {
            p.gsp.cleanupPlugin(gfid);
        } catch (DriverException e) {
            LOG.warn("{}: plugin cleanup: {}", vf, e.getMessage());
        }
    }

    /**
     * The RFC's destroy: the plugin's shutdown and cleanup in the firmware (which unmaps the VF's
     * BAR1 and scrubs the vGPU's memory), then the channels, the framebuffer and the heap go back.
     */
    private void teardown(Bound b) {
        Vgpu v = b.vgpu;
        b.vgpu = null;
        v.close();
        Pf p = b.state;
        b.state = null;
        VgpuInfo info = v.info();
        try {
            b.vf.setBusMaster(false);
        } catch (RuntimeException e) { // a VF going away: nothing left to quiesce
            LOG.debug("{}: bus mastering not cleared: {}", info.vf(), e.getMessage());
        }
        stopPlugin(p, info.gfid(), info.vf());
        p.channelBlocks.clear(info.chidOffset() / CHANNELS_PER_VGPU);
        p.vram.free(v.fb());
        p.vram.free(v.heap());
        LOG.info("{}: vGPU {} destroyed", info.vf(), info.type().name());
    }

    @Override
    public synchronized void destroy(String vf) {
        Bound b = vfs.get(address(vf));
        if (b == null || b.vgpu == null) {
            throw new DriverException(Errno.ENODEV, vf + " has no vGPU");
        }
        teardown(b);
    }

    @Override
    public synchronized List<VgpuInfo> list() {
        return vfs.values().stream().filter(b -> b.vgpu != null).map(b -> b.vgpu.info())
                .sorted(Comparator.comparing(VgpuInfo::vf)).toList();
    }

    @Override
    public synchronized Optional<VfioDevice> device(String vf) {
        Bound b = vfs.get(address(vf));
        return Optional.ofNullable(b == null ? null : b.vgpu);
    }

    /** @return the VFs bound, in order */
    synchronized List<String> boundVfs() {
        return vfs.keySet().stream().map(PciAddress::toString).toList();
    }

}
