package org.nova.gpu.internal;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.nova.bus.pci.Bar;
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
import org.nova.gpu.vram.BuddyAllocator;
import org.nova.gpu.vram.VramManager;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.UnsupportedGpuException;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.vbios.Vbios;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU (nova-core gpu.rs, Gpu::new, and the order of gsp/boot.rs Gsp::boot): identify, wait
 * for GFW boot, read the VBIOS ({@link VbiosReader}), load the firmware ({@link GpuFirmware}),
 * compute the framebuffer layout ({@link FbLayout}), run FWSEC-FRTS ({@link Fwsec}), set up the
 * GSP's shared memory ({@link Gsp}) and queue SetSystemInfo and SetRegistry ({@link Commands}),
 * boot the booter on SEC2 ({@link Booter}), wait for the GSP's RISC-V core, run the CPU
 * sequencer ({@link Sequencer}), wait for init done and read GetGspStaticInfo. The bindings are
 * chosen from the image's {@code .fwversion}. Everything acquired is a device resource of the
 * binding (BAR0, DMA memory, mapped firmware); {@link #unbind} sends UNLOADING_GUEST_DRIVER, runs
 * booter_unload, revokes the command channels and resets the falcons; the binding's devres
 * release the rest.
 */
final class Gpu {
    private static final Logger LOG = LoggerFactory.getLogger(Gpu.class);

    /** How long the GSP's RISC-V core may take to become active (gsp/boot.rs: 5 s). */
    static final long RISCV_ACTIVE_TIMEOUT_MS = 5000;
    /** How long the unload RPC may take at unbind. */
    static final long UNLOAD_TIMEOUT_MS = 1_000;
    /** How long the GSP may take to report init done (gsp/boot.rs wait_gsp_init_done: 10 s). */
    static final long INIT_DONE_TIMEOUT_MS = 10_000;
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
    /** The end of the VRAM clients may use: everything below the GSP's WPR2 and heap. */
    private long clientVramEnd;
    private GspBindings abi;
    private GpuFirmware firmware;
    private DmaCoherent wprMeta;
    /** booter_unload, signed and staged at probe, run at unbind. */
    private Booter.Prepared booterUnload;
    /** GSP-RM reported init done in this probe: it can be asked to unload. */
    private boolean initDone;
    private Gsp gsp;
    private RmControl rm;
    private volatile Commands.StaticInfo staticInfo;
    private volatile boolean vgpuSupported;
    private volatile int sequencerRuns;
    private final Map<String, Channel.Account> accounts = new ConcurrentHashMap<>();
    /** The clients' use of the command queue, closed by {@link #unbind} before the unload. */
    private final ClientGate clients = new ClientGate();

    private Gpu(PciDevice dev, Devres<Bar> bar0, GpuIdentity identity, GpuHal hal) {
        this.dev = dev;
        this.bar0 = bar0;
        this.identity = identity;
        this.hal = hal;
    }

    /** @return the end of the VRAM clients may use (FbLayout heapStart, 4 KiB-aligned) */
    long clientVramEnd() {
        return clientVramEnd;
    }

    /** @return the GPU's description */
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
            gpu.bringUp(bar, loader);
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
        waitGfwBoot(bar);
        Vbios bios = VbiosReader.read(bar);
        vbiosVersion = bios.biosVersion().stream().mapToObj(Vbios::formatVersion).findFirst().orElse("");
        firmware = GpuFirmware.request(dev, identity.chipset(), loader);
        fwVersion = firmware.gsp().version();
        abi = GspBindings.of(fwVersion).orElseThrow(() -> new DriverException(Errno.EINVAL,
                "no GSP ABI bindings for firmware " + fwVersion + " (known: "
                        + GspAbi.all().stream().map(GspAbi::version).toList() + ")"));
        // framebuffer layout
        fbSize = hal.usableFbSize(bar);
        long vga = hal.supportsDisplay(bar) ? Pdisp.vgaWorkspaceAddress(bar.read(Pdisp.VGA_WORKSPACE_BASE)) : -1;
        FbLayout fb = FbLayout.compute(fbSize, vga, firmware.bootloader().ucode().byteSize(), firmware.gsp().imageSize());
        LOG.debug("{}: {}", dev.slot(), fb);
        clientVramEnd = fb.heapStart() & -BuddyAllocator.MIN_CHUNK;
        publish(GpuInfo.BootState.PROBING);
        Falcon gspFalcon = falcon(FalconEngine.GSP, bar);
        Falcon sec2 = falcon(FalconEngine.SEC2, bar);
        // Every image the boot runs is checked, signed for the fuses and staged before the first
        // hardware write: past FWSEC-FRTS a refusal leaves WPR2 behind, and only a reset clears it.
        Fwsec.Prepared frts = Fwsec.prepare(dev, gspFalcon, bios, fb);
        Booter.Prepared booterLoad = Booter.prepare(dev, identity.chipset(), sec2, firmware.booterLoad(),
                FirmwareNames.BOOTER_LOAD);
        booterUnload = Booter.prepare(dev, identity.chipset(), sec2, firmware.booterUnload(),
                FirmwareNames.BOOTER_UNLOAD);
        // the GSP image in DMA memory, mapped by the radix-3 table; bootloader and signatures
        DmaCoherent level0 = firmware.mapGspImage(dev);
        DmaCoherent blDma = GpuFirmware.toDma(dev, firmware.bootloader().ucode(), 0);
        DmaCoherent sigDma = GpuFirmware.toDma(dev, firmware.gspSignatures(), 0);
        // the first hardware write
        faultPoint("FWSEC-FRTS");
        Fwsec.run(bar, gspFalcon, frts, fb);
        try {
            bootGsp(bar, gspFalcon, sec2, booterLoad, fb, level0, blDma, sigDma);
        } catch (RuntimeException e) {
            unwindBoot(bar, gspFalcon, sec2, e);
            throw e;
        }
    }

    /** Everything past FWSEC-FRTS: WPR2 exists, so a failure here must be unwound ({@link #unwindBoot}). */
    private void bootGsp(Bar0 bar, Falcon gspFalcon, Falcon sec2, Booter.Prepared booterLoad, FbLayout fb,
            DmaCoherent level0, DmaCoherent blDma, DmaCoherent sigDma) {
        wprMeta = dev.allocCoherent(GspFwWprMeta.SIZE);
        var bl = firmware.bootloader();
        WprMetaWriter.write(wprMeta.memory(), fb, level0.iova(), firmware.gsp().imageSize(), blDma.iova(),
                bl.ucode().byteSize(), bl.codeOffset(), bl.dataOffset(), bl.manifestOffset(), sigDma.iova(),
                firmware.gspSignatures().byteSize());
        // the message queues, the log buffer and the LibOS arguments that point the GSP at them
        gsp = Gsp.create(dev, abi, bar0, this::onEvent);
        LOG.debug("{}: GSP ABI {} ({})", dev.slot(), abi.version(), abi.bindingsPackage());
        Commands.sendBootCommands(abi, gsp.cmdq(), dev, RPC_TIMEOUT_MS);
        // GSP falcon: reset and boot with the LibOS arguments' address
        faultPoint("GSP falcon boot");
        gspFalcon.reset();
        gspFalcon.boot((int) gsp.libosArgs(), (int) (gsp.libosArgs() >>> 32), "the GSP bootstrap");
        // SEC2: booter_load with the WPR metadata's address
        faultPoint("booter_load");
        int[] mbox = Booter.run(sec2, booterLoad, wprMeta);
        if (mbox[0] != 0) {
            throw new DriverException(Errno.ENODEV, String.format(
                    "booter_load on SEC2 failed with error 0x%x (mailbox1 0x%x): the GSP was not started",
                    mbox[0], mbox[1]));
        }
        gspFalcon.writeOsVersion(bl.appVersion());
        try {
            faultPoint("GSP RISC-V core active");
            Poll.until("GSP RISC-V core active", RISCV_ACTIVE_TIMEOUT_MS, 10, gspFalcon::isRiscvActive);
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, "the GSP's RISC-V core did not become active within "
                    + RISCV_ACTIVE_TIMEOUT_MS + " ms after booter_load", e);
        }
        // boot completion: init done, then the static information
        Cmdq cmdq = gsp.cmdq();
        cmdq.watch(this::gspAlive);
        try {
            faultPoint("GSP init done");
            cmdq.awaitEvent(abi.EVENT_GSP_INIT_DONE(), INIT_DONE_TIMEOUT_MS);
        } catch (DriverException e) {
            cmdq.kill("no init done");
            throw new DriverException(e.errno(), "GSP-RM did not complete its initialisation: " + e.getMessage(), e);
        }
        initDone = true;
        faultPoint("GSP static info");
        staticInfo = Commands.getStaticInfo(abi, this::rpc, RPC_TIMEOUT_MS);
        rm = new RmControl(abi, staticInfo.handles(), this::rpc);
        LOG.debug("{}: RM controls go to GSP-RM's internal {}", dev.slot(), rm.handles());
        faultPoint("vGPU support query");
        vgpuSupported = VgpuMgr.supported(abi, rm, RPC_TIMEOUT_MS);
        LOG.debug("{}: vGPU {}supported by the firmware", dev.slot(), vgpuSupported ? "" : "not ");
    }

    /**
     * A boot step as a fault point of the device's fail-nth ({@link org.nova.devres.FailNth}):
     * armed, the step fails as the hardware failing it would, with EIO, so every error path of
     * the boot can be run on purpose.
     */
    private void faultPoint(String step) {
        if (dev.device().devres().failNth().shouldFail("GSP boot step " + step)) {
            throw new DriverException(Errno.EIO, dev.slot() + ": " + step + " failed: fault injected (fail-nth)");
        }
    }

    /**
     * A probe failing past FWSEC-FRTS: WPR2 exists and only booter_unload removes it, so without
     * this the next probe would find it and need a reset (RM's kgspExecuteBooterUnloadIfNeeded on
     * a failed bootstrap). GSP-RM, if it came up, is asked to unload first; then the GSP falcon is
     * reset (GSP-RM halted), booter_unload runs if WPR2 is still there, and SEC2 is reset. What
     * fails here is attached to the probe's error, which the caller rethrows.
     */
    private void unwindBoot(Bar0 bar, Falcon gspFalcon, Falcon sec2, RuntimeException cause) {
        Gsp g = gsp;
        if (g != null && initDone && g.cmdq().dead().isEmpty()) {
            try {
                Commands.unloadingGuestDriver(abi, this::rpc, UNLOAD_TIMEOUT_MS);
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        if (g != null) {
            g.cmdq().kill("the probe failed");
        }
        try {
            gspFalcon.pulseEngineReset();
            if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
                Booter.unload(bar, gspFalcon, sec2, booterUnload, wprMeta);
            }
            sec2.pulseEngineReset();
            LOG.info("{}: boot failed past FWSEC-FRTS; WPR2 torn down, the GPU can be probed again", dev.slot());
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            LOG.warn("{}: boot failed past FWSEC-FRTS and WPR2 could not be torn down ({}): the GPU needs a reset"
                    + " (pci:reset) before the next probe", dev.slot(), e.getMessage());
        }
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
    private boolean gspAlive() {
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

    private void onEvent(GspMsgQueue.Message m) {
        LOG.debug("{}: GSP event {}", dev.slot(), abi.nameOf(m.function()));
        if (m.function() == abi.EVENT_GSP_RUN_CPU_SEQUENCER()) {
            Optional<Revocable.Guard<Bar>> g = bar0.tryAccess();
            if (g.isEmpty()) {
                return;
            }
            try (Revocable.Guard<Bar> guard = g.get()) {
                Bar0 bar = new Bar0(guard.get());
                int ops = new Sequencer(abi, bar, new Sequencer.Cores(falcon(FalconEngine.GSP, bar),
                        falcon(FalconEngine.SEC2, bar), gsp.libosArgs(), firmware.bootloader().appVersion())).run(m);
                sequencerRuns++;
                LOG.debug("{}: CPU sequencer: {} operations", dev.slot(), ops);
            } catch (DriverException e) {
                gsp.cmdq().kill("the CPU sequencer failed: " + e.getMessage());
                LOG.warn("{}: {}", dev.slot(), e.getMessage());
            }
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

    /** @return the LOGRM buffer's text so far */
    String gspLog() {
        Gsp g = gsp;
        return g == null ? "" : g.log();
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
     * Unbind: the clients' channels close first (their calls in flight finish, new ones get
     * ENODEV: {@link ClientGate}), so the unload is the only command on the queue; then stop the
     * falcons while BAR0 is still mapped; devres release the rest.
     */
    void unbind() {
        int stuck = clients.close("the GPU " + dev.slot() + " is unbinding", RPC_TIMEOUT_MS);
        if (stuck > 0) {
            LOG.warn("{}: {} client call(s) still waiting for the GSP at unbind", dev.slot(), stuck);
        }
        boolean unloaded = false;
        Cmdq cmdq = cmdq();
        if (cmdq != null && cmdq.dead().isEmpty()) {
            try {
                Commands.unloadingGuestDriver(abi, this::rpc, UNLOAD_TIMEOUT_MS);
                unloaded = true;
            } catch (DriverException e) {
                LOG.warn("{}: the GSP did not acknowledge the unload: {}", dev.slot(), e.getMessage());
            }
        }
        if (unloaded) {
            bar0.tryAccess().ifPresent(g -> {
                try (g) {
                    Bar0 bar = new Bar0(g.get());
                    Booter.unload(bar, falcon(FalconEngine.GSP, bar), falcon(FalconEngine.SEC2, bar), booterUnload,
                            wprMeta);
                } catch (DriverException e) {
                    LOG.warn("{}: booter_unload: {} (the GPU needs a reset before the next probe)", dev.slot(),
                            e.getMessage());
                }
            });
        }
        if (cmdq != null) {
            cmdq.kill("the device was unbound");
        }
        bar0.tryAccess().ifPresent(g -> {
            try (g) {
                Bar0 bar = new Bar0(g.get());
                for (FalconEngine e : List.of(FalconEngine.SEC2, FalconEngine.GSP)) {
                    falcon(e, bar).pulseEngineReset();
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: resetting the falcons at unbind failed: {}", dev.slot(), e.toString());
            }
        });
        info = new GpuInfo(info.device(), info.chipset(), info.architecture(), info.revision(), info.vbiosVersion(),
                info.firmwareVersion(), info.fbSize(), info.bar0Size(), info.bar1Size(), GpuInfo.BootState.STOPPED);
    }
}
