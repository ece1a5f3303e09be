package org.nova.gpu.internal;

import org.nova.gpu.internal.fifo.NovaChannels;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.fifo.Doorbell;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.nova.bus.pci.Bar;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.vram.VramManager;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.GspReply;
import org.nova.gpu.GspStatus;
import org.nova.gpu.RpcStats;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.UnsupportedGpuException;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pgc6;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.vbios.Vbios;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU (nova-core gpu.rs, Gpu::new and unbind, newest stored version, whose unbind the unload of
 * gsp/boot.rs Gsp::unload precedes here): identify, wait for GFW
 * boot, read the VBIOS ({@link VbiosReader}), load the firmware ({@link GpuFirmware}), compute the
 * framebuffer layout ({@link FbLayout}), prepare every image the boot and the unload run (FWSEC-FRTS,
 * booter_load, the {@link UnloadBundle}), set up the WPR metadata and the GSP's shared memory
 * ({@link Gsp}); then {@link GspBoot} boots the GSP in gsp/boot.rs's order and unloads it if the boot
 * fails past FWSEC-FRTS. Hopper and Blackwell ({@link FspGpuHal}) await no GFW boot, load the FMC
 * instead of FWSEC and the booters, and boot through the FSP ({@link FspBoot}, whose unload unbind
 * runs). The bindings are chosen from the image's {@code .fwversion}. Everything
 * acquired is a device resource of the binding (BAR0, DMA memory, mapped firmware); {@link #unbind}
 * closes the clients' channels and runs {@link GspBoot#unload} (UNLOADING_GUEST_DRIVER, the suspend
 * report, FWSEC-SB, booter_unload, WPR2 read back); the binding's devres release the rest.
 *
 * <p>Why one class: it is gpu.rs's Gpu, the state one binding shares between its boot steps and
 * its clients. The steps themselves are carved out (GspBoot, FspBoot, Fwsec, FwsecBootloader,
 * Booter, UnloadBundle, Commands, Sequencer, Cmdq, Gsp and its log buffers, the mm package); what
 * is left is the bring-up's order, the fields those steps fill, and the accessors through which
 * the clients (channels, vGPU, the VA spaces, BAR1) reach them. Splitting the fields from their
 * accessors would only add a second object every step passes around.
 */
final class Gpu {
    private static final Logger LOG = LoggerFactory.getLogger(Gpu.class);

    /** How long one RPC may take by default. */
    static final long RPC_TIMEOUT_MS = 5_000;

    private final PciDevice dev;
    private final Devres<Bar> bar0;
    private final GpuIdentity identity;
    private final GpuHal hal;
    private volatile GpuInfo info;
    private String vbiosVersion = "";
    private String fwVersion = "";
    private long fbSize;
    /** The framebuffer regions GSP-RM reported, decoded and checked: the VRAM clients may use. */
    private volatile FbRegions fbRegions;
    private GspBindings abi;
    private GpuFirmware firmware;
    /** FWSEC-SB and booter_unload, staged at probe, run once: by a failed boot or at unbind. */
    private UnloadBundle unloadBundle;
    /** The boot's step times (figures, and the debug log of each probe). */
    private final GspBoot.StepTimes bootTimes = new GspBoot.StepTimes();
    private Gsp gsp;
    private RmControl rm;
    private volatile Commands.StaticInfo staticInfo;
    private volatile boolean vgpuSupported;
    /** The sysmem flush page, registered right after GFW boot ({@link SysmemFlush}). */
    private SysmemFlush sysmemFlush;
    /** Whether this boot runs GSP-RM with vGPU, and why ({@link VgpuSupport}). */
    private volatile VgpuSupport.Decision vgpuDecision;
    private volatile int sequencerRuns;
    private final Map<String, Channel.Account> accounts = new ConcurrentHashMap<>();
    /** The binding's memory-management pieces ({@link #memory}), made at first use. */
    private GpuMemory memory;
    /** The channels, once published ({@link #channels(VramManager, GpuVmManager)}). */
    private volatile NovaChannels channels;
    /** The clients' use of the command queue, closed by {@link #unbind} before the unload. */
    private final ClientGate clients = new ClientGate();

    private Gpu(PciDevice dev, Devres<Bar> bar0, GpuIdentity identity, GpuHal hal) {
        this.dev = dev;
        this.bar0 = bar0;
        this.identity = identity;
        this.hal = hal;
    }

    /** @return the framebuffer regions GSP-RM reported at boot (null before GetGspStaticInfo) */
    FbRegions fbRegions() {
        return fbRegions;
    }

    /** @return the GPU's description */
    /** @return the GPU's BAR0 mapping (devres: revoked at unbind) */
    Devres<Bar> bar0() {
        return bar0;
    }

    /** @return what the GPU identified as (its chipset, hence its MMU HAL) */
    GpuIdentity identity() {
        return identity;
    }

    GpuInfo info() {
        return info;
    }

    /**
     * The probe.
     *
     * @throws DriverException with nova-core's errno: ENODEV (unsupported chip, booter refused),
     *         ETIMEDOUT (GFW boot, falcon halt, RISC-V), EBUSY (WPR2 exists), EIO (FRTS error),
     *         ENOENT (firmware missing), EINVAL (malformed firmware or VBIOS)
     */
    static Gpu probe(PciDevice dev, FirmwareLoader loader) {
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar0 = dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME);
        try (Revocable.Guard<Bar> g = bar0.access()) {
            Bar0 bar = new Bar0(g.get());
            GpuIdentity id = identify(bar);
            LOG.info("{}: NVIDIA ({})", dev.slot(), id);
            GpuHal hal = GpuHal.of(id.chipset());
            Gpu gpu = new Gpu(dev, bar0, id, hal);
            gpu.publish(GpuInfo.BootState.PROBING);
            try {
                gpu.bringUp(bar, loader);
            } catch (RuntimeException e) {
                // the page is a device resource, freed with the failed probe's devres: the GPU must
                // not keep its address (a failed boot already unloaded what it had started)
                if (gpu.sysmemFlush != null) {
                    try {
                        gpu.sysmemFlush.unregister(bar);
                    } catch (RuntimeException u) {
                        e.addSuppressed(u); // the probe's own failure is what the caller must see
                    }
                }
                throw e;
            }
            gpu.publish(GpuInfo.BootState.GSP_STARTED);
            LOG.info("{}: {} GSP started (firmware {}, ABI bindings {}, VBIOS {})", dev.slot(), id.chipset(),
                    gpu.fwVersion, gpu.abi.bindingsPackage(), gpu.vbiosVersion);
            return gpu;
        }
    }

    static GpuIdentity identify(Bar0 bar) {
        int boot0 = bar.read(Pmc.BOOT_0);
        try {
            int boot42 = GpuIdentity.isOlderThanFermi(boot0) ? 0 : bar.read(Pmc.BOOT_42);
            return GpuIdentity.decode(boot0, boot42);
        } catch (UnsupportedGpuException e) {
            throw new DriverException(Errno.ENODEV, e.getMessage(), e);
        }
    }

    private void publish(GpuInfo.BootState state) {
        info = new GpuInfo(dev.slot(), identity.chipset().name(), identity.architecture().displayName(),
                identity.revision(), vbiosVersion, fwVersion, fbSize, dev.resourceLen(0), dev.resourceLen(1), state);
    }

    private Falcon falcon(FalconEngine e, Bar0 bar) {
        return new Falcon(e, bar, hal.falconHal());
    }

    private void bringUp(Bar0 bar, FirmwareLoader loader) {
        faultPoint("GFW boot");
        if (!(hal instanceof FspGpuHal)) { // gpu/hal/gh100.rs: Hopper and Blackwell have no GFW_BOOT to await
            waitGfwBoot(bar);
        }
        bootTimes.step("GFW boot");
        // before any falcon is reset: a falcon's reset acknowledgement is flushed through it
        if (!BootTamper.skipSysmemFlush) {
            sysmemFlush = SysmemFlush.register(dev, bar, hal);
            LOG.debug("{}: sysmem flush page at 0x{}", dev.slot(), Long.toHexString(sysmemFlush.address()));
        }
        vgpuDecision = VgpuSupport.decide(identity.chipset(), dev.sriovTotalVfs());
        LOG.info("{}: vGPU {}: {}", dev.slot(), vgpuDecision.enabled() ? "on" : "off", vgpuDecision.reason());
        Vbios bios = VbiosReader.read(bar);
        vbiosVersion = bios.biosVersion().stream().mapToObj(Vbios::formatVersion).findFirst().orElse("");
        bootTimes.step("VBIOS");
        firmware = GpuFirmware.request(dev, identity.chipset(), loader);
        fwVersion = firmware.gsp().version();
        abi = GspBindings.of(fwVersion).orElseThrow(() -> new DriverException(Errno.EINVAL,
                "no GSP ABI bindings for firmware " + fwVersion + " (known: "
                        + GspAbi.all().stream().map(GspAbi::version).toList() + ")"));
        bootTimes.step("firmware");
        // framebuffer layout
        fbSize = hal.usableFbSize(bar);
        long vga = hal.supportsDisplay(bar) ? Pdisp.vgaWorkspaceAddress(bar.read(Pdisp.VGA_WORKSPACE_BASE)) : -1;
        FbLayout fb = FbLayout.compute(hal, fbSize, vga, firmware.bootloader().ucode().byteSize(),
                firmware.gsp().imageSize(), vgpuDecision.enabled());
        var tamper = BootTamper.layout;
        if (tamper != null) {
            fb = tamper.apply(fb);
        }
        LOG.debug("{}: {}", dev.slot(), fb);
        publish(GpuInfo.BootState.PROBING);
        Falcon gspFalcon = falcon(FalconEngine.GSP, bar);
        Falcon sec2 = falcon(FalconEngine.SEC2, bar);
        if (hal instanceof FspGpuHal fspHal) {
            bringUpThroughFsp(bar, loader, fspHal, fb, gspFalcon);
            return;
        }
        // Every image the boot and its unload run is checked, signed for the fuses and staged before
        // the first hardware write: a refusal here leaves the GPU untouched, and from FWSEC-FRTS on
        // the unload bundle is there to remove WPR2 again.
        // Turing and GA100 load FWSEC through the generic bootloader; FRTS is skipped where it has no room.
        GenBootloader genBl = identity.chipset().needsFwsecBootloader()
                ? FwsecBootloader.request(dev, identity.chipset(), loader, firmware.release()) : null;
        Fwsec.Prepared frts = Fwsec.frtsNeeded(fb) ? Fwsec.prepare(dev, gspFalcon, bios, fb, genBl) : null;
        Booter.Prepared booterLoad = Booter.prepare(dev, identity.chipset(), sec2, firmware.booterLoad(),
                FirmwareNames.BOOTER_LOAD);
        unloadBundle = UnloadBundle.build(dev, identity.chipset(), gspFalcon, sec2, bios, firmware.booterUnload(),
                genBl);
        // the GSP image in DMA memory, mapped by the radix-3 table; bootloader and signatures
        DmaCoherent level0 = firmware.mapGspImage(dev);
        DmaCoherent blDma = GpuFirmware.toDma(dev, firmware.bootloader().ucode(), 0);
        DmaCoherent sigDma = GpuFirmware.toDma(dev, firmware.gspSignatures(), 0);
        DmaCoherent wprMeta = dev.allocCoherent(GspFwWprMeta.SIZE);
        var bl = firmware.bootloader();
        WprMetaWriter.write(wprMeta.memory(), fb, level0.iova(), firmware.gsp().imageSize(), blDma.iova(),
                bl.ucode().byteSize(), bl.codeOffset(), bl.dataOffset(), bl.manifestOffset(), sigDma.iova(),
                firmware.gspSignatures().byteSize());
        // the message queues, the log buffer and the LibOS arguments that point the GSP at them
        gsp = Gsp.create(dev, abi, bar0, this::onEvent, this::afterInterrupt);
        LOG.debug("{}: GSP ABI {} ({})", dev.slot(), abi.version(), abi.bindingsPackage());
        bootTimes.step("layout and staging");
        GspBoot.boot(this, bar, new GspBoot.Parts(gspFalcon, sec2, frts, booterLoad, unloadBundle, fb, wprMeta, gsp,
                bl.appVersion()), bootTimes, this::afterStaticInfo);
        LOG.debug("{}: boot steps: {}", dev.slot(), bootTimes);
    }

    /** What the probe adds past upstream's boot, under its unload guard: RM controls, the vGPU query. */
    private void afterStaticInfo() {
        rm = new RmControl(abi, staticInfo.handles(), this::rpc);
        LOG.debug("{}: RM controls go to GSP-RM's internal {}", dev.slot(), rm.handles());
        faultPoint("vGPU support query");
        vgpuSupported = VgpuMgr.supported(abi, rm, RPC_TIMEOUT_MS);
        LOG.debug("{}: vGPU {}supported by the firmware", dev.slot(), vgpuSupported ? "" : "not ");
        bootTimes.step("vGPU query");
    }

    /**
     * Hopper and Blackwell (gsp/hal/gh100.rs): the FMC and the GSP image staged in DMA memory, the
     * WPR metadata and the queues set up, then {@link FspBoot} boots the GSP through the FSP. No
     * FWSEC and no booter; the unload is {@link FspBoot#unload}.
     */
    private void bringUpThroughFsp(Bar0 bar, FirmwareLoader loader, FspGpuHal fspHal, FbLayout fb, Falcon gspFalcon) {
        var fmc = GpuFirmware.requestFmc(dev, identity.chipset(), loader, fwVersion);
        DmaCoherent fmcImage = GpuFirmware.toDma(dev, fmc.image(), 0);
        DmaCoherent level0 = firmware.mapGspImage(dev);
        DmaCoherent blDma = GpuFirmware.toDma(dev, firmware.bootloader().ucode(), 0);
        DmaCoherent sigDma = GpuFirmware.toDma(dev, firmware.gspSignatures(), 0);
        DmaCoherent wprMeta = dev.allocCoherent(GspFwWprMeta.SIZE);
        var bl = firmware.bootloader();
        WprMetaWriter.write(wprMeta.memory(), fb, level0.iova(), firmware.gsp().imageSize(), blDma.iova(),
                bl.ucode().byteSize(), bl.codeOffset(), bl.dataOffset(), bl.manifestOffset(), sigDma.iova(),
                firmware.gspSignatures().byteSize());
        gsp = Gsp.create(dev, abi, bar0, this::onEvent, this::afterInterrupt);
        bootTimes.step("layout and staging");
        FspBoot.boot(this, bar, new FspBoot.Parts(gspFalcon, fspHal, fb, fmc, fmcImage, wprMeta, gsp), bootTimes,
                this::afterStaticInfo);
        LOG.debug("{}: boot steps: {}", dev.slot(), bootTimes);
    }

    /**
     * A boot step as a fault point of the device's fail-nth ({@link org.nova.devres.FailNth}):
     * armed, the step fails as the hardware failing it would, with EIO, so every error path of
     * the boot can be run on purpose.
     */
    void faultPoint(String step) {
        if (dev.device().devres().failNth().shouldFail("GSP boot step " + step)) {
            throw new DriverException(Errno.EIO, dev.slot() + ": " + step + " failed: fault injected (fail-nth)");
        }
    }

    /** @return the boot's step times, in boot order (nanoseconds) */
    Map<String, Long> bootTimes() {
        return bootTimes.nanos();
    }

    /** @return the PCI device, for the boot commands */
    PciDevice pciDevice() {
        return dev;
    }

    /** @return the device's name, for messages */
    String slot() {
        return dev.slot();
    }

    /** @return this class's logger, which the boot steps log to */
    Logger log() {
        return LOG;
    }

    /**
     * GetGspStaticInfo's answer (from {@link GspBoot}), with its framebuffer regions decoded.
     *
     * @throws DriverException as {@link FbRegions#decode}: the boot then fails and unloads the GSP
     */
    void staticInfo(Commands.StaticInfo s) {
        fbRegions = FbRegions.decode(abi, s.reply(), fbSize);
        LOG.debug("{}: framebuffer regions {}", dev.slot(), fbRegions.regions());
        staticInfo = s;
    }

    /** @return FWSEC-SB and booter_unload, staged at probe */
    UnloadBundle unloadBundle() {
        return unloadBundle;
    }

    /** @return the registry SetRegistry hands GSP-RM: RMSetSriovMode with vGPU on ({@link Commands#bootRegistry}) */
    Map<String, Integer> bootRegistry() {
        VgpuSupport.Decision d = vgpuDecision;
        return Commands.bootRegistry(d != null && d.enabled());
    }

    /** @return whether this boot runs vGPU and why, null before the probe decided */
    VgpuSupport.Decision vgpuDecision() {
        return vgpuDecision;
    }

    /** @return whether GSP-RM reported vGPU types (the firmware supports vGPU on this GPU) */
    boolean vgpuSupported() {
        return vgpuSupported;
    }

    /**
     * Sends an RM control to GSP-RM's internal subdevice and waits for its reply ({@link RmControl}).
     *
     * @throws DriverException ENODEV before the GSP reported its static information
     */
    GspReply control(int cmd, byte[] params, long timeoutMs) {
        RmControl r = rm;
        if (r == null) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": the GSP is not running");
        }
        return r.control(cmd, params, timeoutMs);
    }

    /** @return whether the GSP's RISC-V core is active (false once BAR0 is gone) */
    boolean gspAlive() {
        return bar0.tryAccess().map(g -> {
            try (g) {
                return falcon(FalconEngine.GSP, new Bar0(g.get())).isRiscvActive();
            }
        }).orElse(false);
    }

    /** Sends a command and waits for its reply. */
    GspMsgQueue.Message rpc(int function, byte[] payload, long timeoutMs) {
        Cmdq q = cmdq();
        int seq = q.send(function, payload, timeoutMs);
        return q.awaitReply(function, seq, timeoutMs);
    }

    /**
     * The GPU's interrupt, after the message queue was served: the channels' completions, and the
     * events that arrived with nobody waiting (a channel's RC_TRIGGERED) are routed on a thread of
     * their own (the command queue's lock may be held by a sender waiting for GSP-RM, and the
     * interrupt may come from GSP-RM's side).
     */
    private void afterInterrupt() {
        NovaChannels c = channels;
        if (c != null) {
            c.interrupt();
            Cmdq q = gsp == null ? null : gsp.cmdq();
            if (q != null && draining.compareAndSet(false, true)) {
                Thread.ofVirtual().name("nova-core-events").start(() -> {
                    draining.set(false);
                    q.drainEvents();
                });
            }
        }
    }

    /** A drain of the events is scheduled ({@link #afterInterrupt}). */
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The GPU's channels ({@link NovaChannels}), made once when the GPU is published; the caller
     * registers their revocation.
     *
     * @throws DriverException ENODEV before GSP-RM reported its static information
     */
    synchronized NovaChannels channels(VramManager vram, GpuVmManager vms) {
        if (channels == null) {
            if (staticInfo == null || rm == null) {
                throw new DriverException(Errno.ENODEV, dev.slot() + ": the GSP is not running: no channels");
            }
            int doorbellReg = Doorbell.notifyChannelPending(identity.architecture()).orElse(-1);
            channels = new NovaChannels(dev.slot(), identity.chipset(), vram, vms,
                    new RmObjects(abi, staticInfo.handles(), this::rpc, RPC_TIMEOUT_MS),
                    token -> bar0.tryAccess().ifPresent(g -> {
                        try (g) {
                            if (doorbellReg >= 0) {
                                g.get().write32(doorbellReg, token);
                            }
                        }
                    }),
                    point -> dev.device().devres().failNth().shouldFail(point));
        }
        return channels;
    }

    /** @return the channels, or null before {@link #channels(VramManager, GpuVmManager)} */
    NovaChannels channelsOrNull() {
        return channels;
    }

    private void onEvent(GspMsgQueue.Message m) {
        LOG.debug("{}: GSP event {}", dev.slot(), abi.nameOf(m.function()));
        if (m.function() == abi.EVENT_RC_TRIGGERED()) {
            // routed with the command queue's lock held: the channel's listener runs on a thread of its own
            NovaChannels c = channels;
            if (c != null) {
                byte[] p = m.payload();
                Thread.ofVirtual().name("nova-core-rc").start(() -> c.rcTriggered(p));
            }
            return;
        }
        if (m.function() == abi.EVENT_GSP_RUN_CPU_SEQUENCER()) {
            Optional<Revocable.Guard<Bar>> g = bar0.tryAccess();
            if (g.isEmpty()) {
                return;
            }
            try (Revocable.Guard<Bar> guard = g.get()) {
                runSequencer(new Bar0(guard.get()), m);
            } catch (DriverException e) {
                LOG.warn("{}: {}", dev.slot(), e.getMessage());
            }
        }
    }

    /**
     * Runs a RUN_CPU_SEQUENCER buffer (gsp/sequencer.rs): during the boot as its post-boot step,
     * later as an event.
     *
     * @throws DriverException as {@link Sequencer#run}, after the queues were marked unusable
     */
    void runSequencer(Bar0 bar, GspMsgQueue.Message m) {
        try {
            int ops = new Sequencer(abi, bar, new Sequencer.Cores(falcon(FalconEngine.GSP, bar),
                    falcon(FalconEngine.SEC2, bar), gsp.libosArgs(), firmware.bootloader().appVersion())).run(m);
            sequencerRuns++;
            LOG.debug("{}: CPU sequencer: {} operations", dev.slot(), ops);
        } catch (DriverException e) {
            gsp.cmdq().kill("the CPU sequencer failed: " + e.getMessage());
            throw e;
        }
    }

    /** @return how many RUN_CPU_SEQUENCER events ran */
    int sequencerRuns() {
        return sequencerRuns;
    }

    /** Opens a command channel for {@code client}. */
    Channel open(String client) {
        String unbinding = clients.closedReason();
        if (unbinding != null) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": no new GSP channel for " + client + ": "
                    + unbinding);
        }
        Cmdq q = cmdq();
        if (q == null || q.dead().isPresent()) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": the GSP is not running"
                    + (q == null ? "" : ": " + q.dead().get()));
        }
        return new Channel(this, accounts.computeIfAbsent(client, Channel.Account::new));
    }

    /**
     * Opens the vGPU manager's controls for {@code client} over a new channel.
     *
     * @param vram the GPU's VRAM manager (the plugin heaps are its blocks)
     * @throws DriverException ENODEV if the GSP is not running or the firmware has no vGPU support
     */
    VgpuMgr openVgpu(String client, VramManager vram) {
        VgpuSupport.Decision d = vgpuDecision;
        if (d != null && !d.enabled()) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": vGPU is off: " + d.reason());
        }
        if (!vgpuSupported) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": the firmware reports no vGPU support");
        }
        return new VgpuMgr(abi, open(client), vram);
    }

    /** @return the gate the clients' channels pass through */
    ClientGate clients() {
        return clients;
    }

    /** @return per-client accounting */
    List<RpcStats> stats() {
        return accounts.values().stream().map(Channel.Account::snapshot)
                .sorted(Comparator.comparing(RpcStats::client)).toList();
    }

    /** @return the GSP's state */
    GspStatus gspStatus() {
        Cmdq q = cmdq();
        Commands.StaticInfo s = staticInfo;
        return new GspStatus(dev.slot(), fwVersion, abi == null ? "" : abi.bindingsPackage(), gspName(),
                gspFbLength(), q == null ? 0 : q.sent.get(), q == null ? 0 : q.received.get(),
                q == null ? 0 : q.sendWaits.get(), q == null ? 0 : q.interrupts.get(),
                q == null ? 0 : q.fallbackHits.get(), sequencerRuns, s == null ? Map.of() : s.fields(),
                q == null ? "not started" : q.dead().orElse(""));
    }

    /** @return the ABI bindings in use, null before the firmware was read */
    GspBindings abi() {
        return abi;
    }

    /** @return the command queue (null before the queues were set up) */
    Cmdq cmdq() {
        Gsp g = gsp;
        return g == null ? null : g.cmdq();
    }

    /** @return the name GSP-RM reported, empty before it did */
    String gspName() {
        Commands.StaticInfo s = staticInfo;
        return s == null ? "" : s.name();
    }

    /** @return the framebuffer length GSP-RM reported */
    long gspFbLength() {
        Commands.StaticInfo s = staticInfo;
        return s == null ? 0 : s.fbLength();
    }

    /** @return the LOGRM buffer decoded as far as its format allows ({@link LibosLogDecoder}) */
    String gspLog() {
        Gsp g = gsp;
        return g == null ? "" : g.log();
    }

    /**
     * @param name LOGINIT, LOGINTR or LOGRM
     * @return a copy of that GSP log buffer, empty before the buffers exist or once released
     */
    Optional<byte[]> gspLogBytes(String name) {
        Gsp g = gsp;
        return g == null ? Optional.empty() : g.logBytes(name);
    }

    private void waitGfwBoot(Bar0 bar) {
        try {
            Poll.until("GFW boot", Pgc6.GFW_BOOT_TIMEOUT_MS, 1, () ->
                    Pgc6.PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0.isSet(
                            bar.read(Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK))
                            && Pgc6.gfwBootCompleted(bar.read(Pgc6.GFW_BOOT)));
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, "GFW boot did not complete within "
                    + Pgc6.GFW_BOOT_TIMEOUT_MS + " ms (" + Pgc6.GFW_BOOT.describe(bar.read(Pgc6.GFW_BOOT)) + ")", e);
        }
    }

    /**
     * BAR1 as nouveau's r535_bar_bar1_init runs it once GSP-RM has booted ({@link GpuMemory#bar1Space}):
     * under the root directory GSP-RM reported in GspStaticConfigInfo.bar1PdeBase. Called once at
     * publish; the caller owns the space and closes it before {@code vram} is revoked.
     *
     * @return the BAR1 space, or null when GSP-RM reported no root (BAR1 stays linear onto VRAM)
     */
    Bar1Space bar1Space(VramManager vram) {
        long root = abi.GspStaticConfigInfo().bar1PdeBase(staticInfo.reply(), 0);
        if (root == 0) {
            LOG.info("{}: GSP-RM reported no BAR1 root directory: BAR1 stays linear onto VRAM", dev.slot());
            return null;
        }
        return memory().bar1Space(vram, root);
    }

    /** @return the binding's PRAMIN window, TLB invalidate and BAR1 space ({@link GpuMemory}), made at first use */
    synchronized GpuMemory memory() {
        if (memory == null) {
            memory = new GpuMemory(dev, bar0, identity.architecture(), fbSize);
        }
        return memory;
    }

    /**
     * Unbind (gpu.rs unbind): the clients' channels close first (their calls in flight finish, new
     * ones get ENODEV: {@link ClientGate}), so the unload is the only command on the queue; then
     * {@link GspBoot#unload} while BAR0 is still mapped, and the falcons are reset; devres release
     * the rest. A failed unload is logged: the GPU then needs a reset before the next probe.
     */
    void unbind() {
        int stuck = clients.close("the GPU " + dev.slot() + " is unbinding", RPC_TIMEOUT_MS);
        if (stuck > 0) {
            LOG.warn("{}: {} client call(s) still waiting for the GSP at unbind", dev.slot(), stuck);
        }
        Cmdq cmdq = cmdq();
        bar0.tryAccess().ifPresent(g -> {
            try (g) {
                Bar0 bar = new Bar0(g.get());
                if (hal instanceof FspGpuHal) {
                    FspBoot.unload(bar, falcon(FalconEngine.GSP, bar), cmdq, abi, this::rpc);
                } else {
                    GspBoot.unload(bar, falcon(FalconEngine.GSP, bar), falcon(FalconEngine.SEC2, bar), cmdq, abi,
                            this::rpc, unloadBundle);
                }
                LOG.info("{}: GSP unloaded", dev.slot());
            } catch (DriverException e) {
                LOG.warn("{}: {} (the GPU needs a reset before the next probe)", dev.slot(), e.getMessage());
            }
        });
        if (cmdq != null) {
            cmdq.kill("the device was unbound");
        }
        bar0.tryAccess().ifPresent(g -> {
            try (g) {
                Bar0 bar = new Bar0(g.get());
                try {
                    for (FalconEngine e : List.of(FalconEngine.SEC2, FalconEngine.GSP)) {
                        falcon(e, bar).pulseEngineReset();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("{}: resetting the falcons at unbind failed: {}", dev.slot(), e.toString());
                }
                // after the last falcon reset (fb.rs: unregister before the page is dropped)
                if (sysmemFlush != null) {
                    sysmemFlush.unregister(bar);
                }
            }
        });
        info = new GpuInfo(info.device(), info.chipset(), info.architecture(), info.revision(), info.vbiosVersion(),
                info.firmwareVersion(), info.fbSize(), info.bar0Size(), info.bar1Size(), GpuInfo.BootState.STOPPED);
    }
}
