package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import org.nova.gpu.vram.BuddyAllocator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.gpu.GpuInfo;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.UnsupportedGpuException;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.Radix3;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.regs.Pgsp;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.GspStruct;
import org.nova.nvidia.gsp.LibosArgs;
import org.nova.nvidia.vbios.Vbios;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU's bring-up, nova-core's Gpu::new and Gsp::boot: identify, wait for GFW boot, read
 * the VBIOS, load the firmware of the newest release there are ABI bindings for, compute the
 * framebuffer layout, run FWSEC-FRTS, set up the GSP message queues ({@link Cmdq}) and queue
 * SetSystemInfo and SetRegistry, boot the booter on SEC2, wait for the GSP's RISC-V core, run
 * the CPU sequencer ({@link Sequencer}), wait for init done and read GetGspStaticInfo. The
 * bindings ({@link GspAbi}) are chosen from the image's {@code .fwversion}. Everything acquired
 * is a device resource of the binding (BAR0, DMA memory, mapped firmware); {@link #unbind}
 * sends UNLOADING_GUEST_DRIVER, runs booter_unload, revokes the command channels and resets the
 * falcons; the binding's devres release the rest.
 */
final class Gpu {
    private static final Logger LOG = LoggerFactory.getLogger(Gpu.class);

    /** The firmware release loaded. */
    static final String FIRMWARE_VERSION = FirmwareNames.VERSION_535_113_01;
    /** How long the GSP's RISC-V core may take to become active (gsp/boot.rs: 5 s). */
    static final long RISCV_ACTIVE_TIMEOUT_MS = 5000;
    /** How far the VBIOS is read through the PROM window at first (doubled as needed). */
    static final int VBIOS_FIRST_READ = 64 << 10;
    /** Size of the LibOS arguments page whose address the GSP falcon gets in its mailboxes. */
    static final int LIBOS_ARGS_SIZE = Radix3.PAGE_SIZE;
    /** How long the unload RPC may take at unbind. */
    static final long UNLOAD_TIMEOUT_MS = 1_000;
    /** GspSystemInfo.maxUserVa: the 47-bit user address space nova-core reports. */
    static final long MAX_USER_VA = (1L << 47) - 1;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
    /** The firmware release whose files are loaded. */
    private String release = FIRMWARE_VERSION;
    private GspAbi abi;
    private BooterFirmware booterUnload;
    private DmaCoherent wprMeta;
    private Cmdq cmdq;
    private DmaCoherent logRm;
    private volatile String gspName = "";
    private volatile long gspFbLength;
    private volatile java.util.Map<String, String> staticInfo = java.util.Map.of();
    /** How long the GSP may take to report init done (gsp/boot.rs wait_gsp_init_done: 10 s). */
    static final long INIT_DONE_TIMEOUT_MS = 10_000;
    /** How long one RPC may take by default. */
    static final long RPC_TIMEOUT_MS = 5_000;

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

    private void bringUp(Bar0 bar, FirmwareLoader loader) {
        waitGfwBoot(bar);
        Vbios bios = readVbios(bar);
        vbiosVersion = bios.biosVersion().stream().mapToObj(Vbios::formatVersion).findFirst().orElse("");
        // firmware
        String chip = identity.chipset().firmwareName();
        Firmware gspFile = requestNewestGsp(loader);
        GspFirmware gspFw = parse("gsp", () -> GspFirmware.parse(name(FirmwareNames.GSP), gspFile.data()));
        MemorySegment gspSigs = parse("gsp", () -> gspFw.signatures(identity.chipset()));
        fwVersion = gspFw.version();
        if (!fwVersion.equals(release)) {
            throw new DriverException(Errno.EINVAL, String.format("GSP firmware %s for %s reports version %s in "
                    + ".fwversion", name(FirmwareNames.GSP), chip, fwVersion));
        }
        RiscvFirmware bootloader = parse("bootloader", () -> RiscvFirmware.parse(name(FirmwareNames.BOOTLOADER),
                request(loader, FirmwareNames.BOOTLOADER).data()));
        BooterFirmware booterLoad = parse("booter_load", () -> BooterFirmware.parse(name(FirmwareNames.BOOTER_LOAD),
                request(loader, FirmwareNames.BOOTER_LOAD).data()));
        booterUnload = parse("booter_unload", () -> BooterFirmware.parse(name(FirmwareNames.BOOTER_UNLOAD),
                request(loader, FirmwareNames.BOOTER_UNLOAD).data()));
        // the GSP image in DMA memory, mapped by the radix-3 table; bootloader and signatures
        DmaCoherent level0 = mapGspImage(gspFw);
        DmaCoherent blDma = copyToDma(bootloader.ucode(), 0);
        DmaCoherent sigDma = copyToDma(gspSigs, 0);
        // framebuffer layout
        fbSize = hal.usableFbSize(bar);
        long vga = hal.supportsDisplay(bar) ? Pdisp.vgaWorkspaceAddress(bar.read(Pdisp.VGA_WORKSPACE_BASE)) : -1;
        FbLayout fb = FbLayout.compute(fbSize, vga, bootloader.ucode().byteSize(), gspFw.imageSize());
        LOG.debug("{}: {}", dev.slot(), fb);
        clientVramEnd = fb.heapStart() & -BuddyAllocator.MIN_CHUNK;
        publish(GpuInfo.BootState.PROBING);
        Falcon gsp = new Falcon(FalconEngine.GSP, bar, hal.falconHal());
        Falcon sec2 = new Falcon(FalconEngine.SEC2, bar, hal.falconHal());
        runFwsecFrts(bar, gsp, bios, fb);
        wprMeta = dev.allocCoherent(org.nova.nvidia.gsp.GspFwWprMeta.SIZE);
        WprMetaWriter.write(wprMeta.memory(), fb, level0.iova(), gspFw.imageSize(), blDma.iova(),
                bootloader.ucode().byteSize(), bootloader.codeOffset(), bootloader.dataOffset(),
                bootloader.manifestOffset(), sigDma.iova(), gspSigs.byteSize());
        // the message queues, the log buffer and the LibOS arguments that point the GSP at them
        DmaCoherent libos = dev.allocCoherent(LIBOS_ARGS_SIZE);
        libosArgs = libos.iova();
        bootloaderAppVersion = bootloader.appVersion();
        setUpQueues(bar, libos);
        sendBootCommands();
        // GSP falcon: reset and boot with the LibOS arguments' address
        gsp.reset();
        gsp.boot((int) libos.iova(), (int) (libos.iova() >>> 32), "the GSP bootstrap");
        // SEC2: booter_load with the WPR metadata's address
        int[] mbox = runBooter(sec2, booterLoad, "booter_load");
        if (mbox[0] != 0) {
            throw new DriverException(Errno.ENODEV, String.format(
                    "booter_load on SEC2 failed with error 0x%x (mailbox1 0x%x): the GSP was not started",
                    mbox[0], mbox[1]));
        }
        gsp.writeOsVersion(bootloader.appVersion());
        try {
            Poll.until("GSP RISC-V core active", RISCV_ACTIVE_TIMEOUT_MS, 10, gsp::isRiscvActive);
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, "the GSP's RISC-V core did not become active within "
                    + RISCV_ACTIVE_TIMEOUT_MS + " ms after booter_load", e);
        }
        // boot completion: init done, then the static information
        cmdq.watch(this::gspAlive);
        try {
            cmdq.awaitEvent("GSP_INIT_DONE", INIT_DONE_TIMEOUT_MS);
        } catch (DriverException e) {
            cmdq.kill("no init done");
            throw new DriverException(e.errno(), "GSP-RM did not complete its initialisation: " + e.getMessage(), e);
        }
        readStaticInfo();
        readVgpuSupport();
    }

    private volatile boolean vgpuSupported;

    /** @return whether GSP-RM reported vGPU types (the firmware supports vGPU on this GPU) */
    boolean vgpuSupported() {
        return vgpuSupported;
    }

    /**
     * Asks GSP-RM for its supported vGPU types (NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES
     * with the release's NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS): NOT_SUPPORTED, a failed
     * control or no types means no vGPU on this GPU.
     */
    private void readVgpuSupport() {
        try {
            GspStruct types = abi.struct("NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS");
            org.nova.gpu.GspReply r = control(abi.constant("NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES"),
                    new byte[types.size()], RPC_TIMEOUT_MS);
            vgpuSupported = r.result() == abi.constant("NV_OK") && r.payload().length >= types.size()
                    && types.get(r.payload(), 0, "numVgpuTypes") > 0;
            if (!vgpuSupported) {
                LOG.debug("{}: no vGPU types (status 0x{})", dev.slot(), Integer.toHexString(r.result()));
            }
        } catch (DriverException | IllegalArgumentException e) {
            LOG.debug("{}: no vGPU support: {}", dev.slot(), e.getMessage());
            vgpuSupported = false;
        }
        LOG.debug("{}: vGPU {}supported by the firmware", dev.slot(), vgpuSupported ? "" : "not ");
    }

    /**
     * Sends an RM control (GSP_RM_CONTROL) and waits for its reply.
     *
     * @return the reply: result = the RPC result if it failed, else the control's NV_STATUS; payload = the
     *         control's parameters as GSP-RM returned them
     */
    org.nova.gpu.GspReply control(int cmd, byte[] params, long timeoutMs) {
        GspStruct h = abi.struct("rpc_gsp_rm_control_v03_00");
        byte[] p = new byte[h.size() + params.length];
        h.put(p, 0, "hClient", 0xc1d00000L);
        h.put(p, 0, "hObject", 0x20800000L);
        h.put(p, 0, "cmd", cmd & 0xffff_ffffL);
        h.put(p, 0, "paramsSize", params.length);
        System.arraycopy(params, 0, p, h.size(), params.length);
        GspMsgQueue.Message m = rpc(abi.function("GSP_RM_CONTROL"), p, timeoutMs);
        byte[] r = m.payload();
        if (m.rpcResult() != 0 || r.length < h.size()) {
            return new org.nova.gpu.GspReply("GSP_RM_CONTROL", m.rpcResult() != 0 ? m.rpcResult() : -1, new byte[0]);
        }
        int size = (int) Math.min(h.get(r, 0, "paramsSize"), r.length - h.size());
        return new org.nova.gpu.GspReply("GSP_RM_CONTROL", (int) h.get(r, 0, "status"),
                java.util.Arrays.copyOfRange(r, h.size(), h.size() + Math.max(0, size)));
    }

    /**
     * Loads a booter (signature patched) on SEC2 and runs it with the WPR metadata's address in
     * its mailboxes.
     *
     * @return the mailboxes after it halted
     */
    private int[] runBooter(Falcon sec2, BooterFirmware b, String what) {
        DmaCoherent booter = copyToDma(b.ucode(), Pfalcon.DMA_TRANSFER_BYTES);
        if (!b.signatures().isEmpty()) {
            int fuse = sec2.signatureFuseVersion((int) b.params().engineIdMask(), (int) b.params().ucodeId());
            MemorySegment sig = parse(what, () -> b.signatureFor(fuse));
            parse(what, () -> {
                b.patchSignature(booter.memory(), sig);
                return null;
            });
        }
        sec2.reset();
        var app0 = b.imemSecLoad();
        sec2.load(booter, new Falcon.LoadTarget(app0.offset(), 0, app0.len()),
                new Falcon.LoadTarget(b.load().osDataOffset(), 0, b.load().osDataSize()),
                new Falcon.BromParams(b.pkcDataOffset(), (int) b.params().engineIdMask(), (int) b.params().ucodeId()),
                b.bootAddress());
        int[] mbox = sec2.boot((int) wprMeta.iova(), (int) (wprMeta.iova() >>> 32), what);
        booter.close();
        return mbox;
    }

    /**
     * Unbind after the unload RPC: wait for GSP-RM to halt, then run booter_unload on SEC2, which
     * tears WPR2 down so that a later probe can run FWSEC-FRTS again (gsp/boot.rs unload).
     */
    private void runBooterUnload(Bar0 bar) {
        Falcon gsp = new Falcon(FalconEngine.GSP, bar, hal.falconHal());
        Falcon sec2 = new Falcon(FalconEngine.SEC2, bar, hal.falconHal());
        Poll.until("GSP RISC-V core halted after unload", UNLOAD_TIMEOUT_MS, 1, () -> !gsp.isRiscvActive());
        int[] mbox = runBooter(sec2, booterUnload, "booter_unload");
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("booter_unload on SEC2 failed with error 0x%x", mbox[0]));
        }
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EIO, "WPR2 still exists after booter_unload");
        }
    }

    /** @return whether the GSP's RISC-V core is active (false once BAR0 is gone) */
    private boolean gspAlive() {
        return bar0.tryAccess().map(g -> {
            try (g) {
                return new Falcon(FalconEngine.GSP, new Bar0(g.get()), hal.falconHal()).isRiscvActive();
            }
        }).orElse(false);
    }

    private void setUpQueues(Bar0 bar, DmaCoherent libos) {
        abi = GspAbi.forVersion(fwVersion).orElseThrow(() -> new DriverException(Errno.EINVAL,
                "no GSP ABI bindings for firmware " + fwVersion + " (known: "
                        + GspAbi.all().stream().map(GspAbi::version).toList() + ")"));
        DmaCoherent shared = dev.allocCoherent(GspMsgQueue.SHARED_SIZE);
        cmdq = new Cmdq(abi, shared.memory(), shared.iova(), v -> bar0.tryAccess().ifPresent(g -> {
            try (g) {
                new Bar0(g.get()).write(Pgsp.QUEUE_HEAD, v);
            }
        }), this::onEvent);
        requestMsgqInterrupt();
        logRm = dev.allocCoherent(LibosArgs.LOG_SIZE);
        DmaCoherent rmargs = dev.allocCoherent(LibosArgs.RMARGS_SIZE);
        MemorySegment r = rmargs.memory();
        r.set(LE64, LibosArgs.MQ_SHARED_MEM_PHYS_ADDR, shared.iova());
        r.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), LibosArgs.MQ_PTE_COUNT,
                GspMsgQueue.SHARED_PAGES);
        r.set(LE64, LibosArgs.MQ_CMD_QUEUE_OFFSET, GspMsgQueue.CPU_QUEUE_OFFSET);
        r.set(LE64, LibosArgs.MQ_STAT_QUEUE_OFFSET, GspMsgQueue.GSP_QUEUE_OFFSET);
        libosEntry(libos.memory(), 0, LibosArgs.LOGRM, logRm.iova(), LibosArgs.LOG_SIZE);
        libosEntry(libos.memory(), 1, LibosArgs.RMARGS, rmargs.iova(), LibosArgs.RMARGS_SIZE);
        LOG.debug("{}: GSP ABI {} ({})", dev.slot(), abi.version(), abi.bindingsPackage());
    }

    /** The name of the GSP message-queue interrupt handler. */
    static final String IRQ_NAME = "nova-core-gsp";

    /**
     * Requests the GPU's interrupt (one vector, MSI or INTx; devres-managed, freed on unbind):
     * GSP-RM signals each message it writes through the GSP falcon's SWGEN0 interrupt; the
     * handler clears it and wakes the waiting receives. Without a vector the queues are polled.
     */
    private void requestMsgqInterrupt() {
        try {
            dev.allocIrqVectors(1, 1, java.util.EnumSet.of(org.nova.bus.pci.PciIrqType.MSI,
                    org.nova.bus.pci.PciIrqType.INTX));
            Cmdq q = cmdq;
            dev.requestIrq(0, IRQ_NAME, vector -> onMsgqInterrupt(q));
            q.interruptDriven(true);
        } catch (DriverException | UnsupportedOperationException e) {
            LOG.warn("{}: no interrupt for the GSP message queue ({}): polling it", dev.slot(), e.getMessage());
        }
    }

    /** The interrupt handler: clear SWGEN0 (the message-queue signal), then wake the receivers. */
    private void onMsgqInterrupt(Cmdq q) {
        bar0.tryAccess().ifPresent(g -> {
            try (g) {
                new Bar0(g.get()).write(Pfalcon.IRQSCLR, FalconEngine.GSP, Pfalcon.IRQSCLR_SWGEN0.of(1));
            }
        });
        q.interrupt();
    }

    private static void libosEntry(MemorySegment page, int i, String name, long pa, long size) {
        long at = (long) i * LibosArgs.ENTRY_SIZE;
        page.set(LE64, at + LibosArgs.ENTRY_ID8, LibosArgs.id8(name));
        page.set(LE64, at + LibosArgs.ENTRY_PA, pa);
        page.set(LE64, at + LibosArgs.ENTRY_SIZE_AT, size);
        page.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_KIND, (byte) LibosArgs.KIND_CONTIGUOUS);
        page.set(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_LOC, (byte) LibosArgs.LOC_SYSMEM);
    }

    /** SetSystemInfo and SetRegistry, queued before the GSP boots (gsp/commands.rs). */
    private void sendBootCommands() {
        GspStruct si = abi.struct("GspSystemInfo");
        byte[] p = new byte[si.size()];
        var ids = dev.ids();
        si.put(p, 0, "gpuPhysAddr", 0);
        si.put(p, 0, "nvDomainBusDeviceFunc", slotBdf(dev.slot()));
        si.put(p, 0, "maxUserVa", MAX_USER_VA);
        if (si.has("PCIDeviceID")) {
            si.put(p, 0, "PCIDeviceID", (long) ids.device() << 16 | ids.vendor());
            si.put(p, 0, "PCISubDeviceID", (long) ids.subsystemDevice() << 16 | ids.subsystemVendor());
            si.put(p, 0, "PCIRevisionID", ids.revision());
        }
        if (si.has("hostPageSize")) {
            si.put(p, 0, "hostPageSize", GspMsgQueue.PAGE_SIZE);
        }
        cmdq.send(abi.function("GSP_SET_SYSTEM_INFO"), p, RPC_TIMEOUT_MS);
        GspStruct table = abi.struct("PACKED_REGISTRY_TABLE");
        byte[] reg = new byte[table.size()];
        table.put(reg, 0, "size", table.size());
        table.put(reg, 0, "numEntries", 0);
        cmdq.send(abi.function("SET_REGISTRY"), reg, RPC_TIMEOUT_MS);
    }

    /** 0000:00:05.0 → domain << 16 | bus << 8 | dev << 3 | fn. */
    static long slotBdf(String slot) {
        String[] a = slot.split("[:.]");
        if (a.length != 4) {
            return 0;
        }
        return Long.parseLong(a[0], 16) << 16 | Long.parseLong(a[1], 16) << 8 | Long.parseLong(a[2], 16) << 3
                | Long.parseLong(a[3], 16);
    }

    private void readStaticInfo() {
        int fn = abi.function("GET_GSP_STATIC_INFO");
        GspStruct s = abi.struct("GspStaticConfigInfo");
        GspMsgQueue.Message m = rpc(fn, new byte[s.size()], RPC_TIMEOUT_MS);
        if (s.has("gpuNameString")) {
            gspName = s.getString(m.payload(), 0, "gpuNameString");
        }
        if (s.has("fb_length")) {
            gspFbLength = s.get(m.payload(), 0, "fb_length");
        }
        staticInfo = decode(s, m.payload());
    }

    /**
     * @return the scalar fields and the name strings of a GetGspStaticInfo reply, by the release's
     *         field names (other byte arrays are nested structures this driver does not interpret)
     */
    static java.util.Map<String, String> decode(GspStruct s, byte[] p) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (GspStruct.Field f : s.fields()) {
            if (!f.type().equals("bytes")) {
                out.put(f.name(), Long.toUnsignedString(s.get(p, 0, f.name())));
            } else if (f.name().endsWith("NameString")) {
                out.put(f.name(), s.getString(p, 0, f.name()));
            }
        }
        return out;
    }

    /** Sends a command and waits for its reply. */
    GspMsgQueue.Message rpc(int function, byte[] payload, long timeoutMs) {
        int seq = cmdq.send(function, payload, timeoutMs);
        return cmdq.awaitReply(function, seq, timeoutMs);
    }

    private void onEvent(GspMsgQueue.Message m) {
        LOG.debug("{}: GSP event {}", dev.slot(), abi.nameOf(m.function()));
        if (m.function() == abi.event("GSP_RUN_CPU_SEQUENCER")) {
            Optional<Revocable.Guard<Bar>> g = bar0.tryAccess();
            if (g.isEmpty()) {
                return;
            }
            try (Revocable.Guard<Bar> guard = g.get()) {
                Bar0 bar = new Bar0(guard.get());
                int ops = new Sequencer(abi, bar, new Sequencer.Cores(new Falcon(FalconEngine.GSP, bar, hal.falconHal()),
                        new Falcon(FalconEngine.SEC2, bar, hal.falconHal()), libosArgs, bootloaderAppVersion)).run(m);
                sequencerRuns++;
                LOG.debug("{}: CPU sequencer: {} operations", dev.slot(), ops);
            } catch (DriverException e) {
                cmdq.kill("the CPU sequencer failed: " + e.getMessage());
                LOG.warn("{}: {}", dev.slot(), e.getMessage());
            }
        }
    }

    private volatile int sequencerRuns;
    /** The LibOS arguments' DMA address (the CPU sequencer's core resume hands it to the GSP again). */
    private volatile long libosArgs;
    /** The GSP bootloader's application version (written to the GSP's OS register after a resume). */
    private volatile long bootloaderAppVersion;

    /** @return how many RUN_CPU_SEQUENCER events ran */
    int sequencerRuns() {
        return sequencerRuns;
    }

    private final java.util.Map<String, Channel.Account> accounts = new java.util.concurrent.ConcurrentHashMap<>();

    /** Opens a command channel for {@code client}. */
    Channel open(String client) {
        if (cmdq == null || cmdq.dead().isPresent()) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": the GSP is not running"
                    + (cmdq == null ? "" : ": " + cmdq.dead().get()));
        }
        return new Channel(this, accounts.computeIfAbsent(client, Channel.Account::new));
    }

    /** @return per-client accounting */
    List<org.nova.gpu.RpcStats> stats() {
        return accounts.values().stream().map(Channel.Account::snapshot)
                .sorted(java.util.Comparator.comparing(org.nova.gpu.RpcStats::client)).toList();
    }

    /** @return the GSP's state */
    org.nova.gpu.GspStatus gspStatus() {
        Cmdq q = cmdq;
        return new org.nova.gpu.GspStatus(dev.slot(), fwVersion, abi == null ? "" : abi.bindingsPackage(), gspName,
                gspFbLength, q == null ? 0 : q.sent.get(), q == null ? 0 : q.received.get(),
                q == null ? 0 : q.sendWaits.get(), q == null ? 0 : q.interrupts.get(),
                q == null ? 0 : q.fallbackHits.get(), sequencerRuns, staticInfo,
                q == null ? "not started" : q.dead().orElse(""));
    }

    /** @return the ABI bindings in use, null before the firmware was read */
    GspAbi abi() {
        return abi;
    }

    /** @return the command queue (null before the queues were set up) */
    Cmdq cmdq() {
        return cmdq;
    }

    /** @return the name GSP-RM reported, empty if its release does not report one here */
    String gspName() {
        return gspName;
    }

    /** @return the framebuffer length GSP-RM reported */
    long gspFbLength() {
        return gspFbLength;
    }

    /** @return the LOGRM buffer's text so far */
    String gspLog() {
        DmaCoherent l = logRm;
        if (l == null) {
            return "";
        }
        try {
            long put = l.memory().get(LE64, LibosArgs.LOG_PUT);
            put = Math.max(0, Math.min(put, LibosArgs.LOG_SIZE - LibosArgs.LOG_TEXT));
            byte[] b = new byte[(int) put];
            MemorySegment.copy(l.memory(), ValueLayout.JAVA_BYTE, LibosArgs.LOG_TEXT, b, 0, b.length);
            return new String(b, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalStateException e) {
            return ""; // released at unbind
        }
    }

    private String name(String file) {
        return FirmwareNames.path(identity.chipset(), file, release);
    }

    /**
     * Loads the GSP image of the newest release there are bindings for; that release names the
     * other files. The bindings themselves are then chosen from the image's {@code .fwversion}.
     */
    private Firmware requestNewestGsp(FirmwareLoader loader) {
        DriverException last = null;
        List<GspAbi> newestFirst = GspAbi.all().reversed();
        for (GspAbi a : newestFirst) {
            release = a.version();
            try {
                if (a != newestFirst.getLast()) {
                    // an older release may follow: a missing newer file is not worth a warning
                    return loader.requestNowarn(name(FirmwareNames.GSP), dev.device().devres());
                }
                return request(loader, FirmwareNames.GSP);
            } catch (DriverException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private Firmware request(FirmwareLoader loader, String file) {
        return loader.request(name(file), dev.device().devres());
    }

    private <T> T parse(String what, Supplier<T> s) {
        try {
            return s.get();
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, "firmware " + what + " for " + identity.chipset()
                    + " is malformed: " + e.getMessage(), e);
        }
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

    /** Reads the ROM through BAR0's PROM window, as much as parsing needs. */
    static Vbios readVbios(Bar0 bar) {
        int len = VBIOS_FIRST_READ;
        while (true) {
            byte[] rom = new byte[len];
            for (int i = 0; i < len; i += 4) {
                int w = bar.readProm32(Vbios.ROM_OFFSET + i);
                rom[i] = (byte) w;
                rom[i + 1] = (byte) (w >>> 8);
                rom[i + 2] = (byte) (w >>> 16);
                rom[i + 3] = (byte) (w >>> 24);
            }
            try {
                return Vbios.parse("VBIOS", MemorySegment.ofArray(rom));
            } catch (FormatException e) {
                boolean shortRead = e.kind() == FormatException.Kind.TRUNCATED
                        || e.kind() == FormatException.Kind.OUT_OF_BOUNDS;
                if (shortRead && len < Vbios.BIOS_MAX_SCAN_LEN) {
                    len *= 2;
                    continue;
                }
                throw new DriverException(Errno.EINVAL, "cannot parse the VBIOS: " + e.getMessage(), e);
            }
        }
    }

    private DmaCoherent copyToDma(MemorySegment src, int slack) {
        long size = (src.byteSize() + slack + Pfalcon.DMA_TRANSFER_BYTES - 1) & -(long) Pfalcon.DMA_TRANSFER_BYTES;
        DmaCoherent d = dev.allocCoherent(Math.max(size, 1));
        MemorySegment.copy(src, 0, d.memory(), 0, src.byteSize());
        return d;
    }

    /** Copies .fwimage into DMA memory and builds the radix-3 table over it; returns level 0. */
    private DmaCoherent mapGspImage(GspFirmware fw) {
        Radix3.Layout l = Radix3.layout(fw.imageSize());
        DmaCoherent image = dev.allocCoherent(l.imagePages() * Radix3.PAGE_SIZE);
        MemorySegment.copy(fw.image(), 0, image.memory(), 0, fw.imageSize());
        DmaCoherent level2 = dev.allocCoherent(l.level2Pages() * Radix3.PAGE_SIZE);
        DmaCoherent level1 = dev.allocCoherent(l.level1Pages() * Radix3.PAGE_SIZE);
        DmaCoherent level0 = dev.allocCoherent(Radix3.PAGE_SIZE);
        Radix3.writeLevel2(level2.memory(), l, i -> image.iova() + i * Radix3.PAGE_SIZE);
        Radix3.writeLevel1(level1.memory(), l, i -> level2.iova() + i * Radix3.PAGE_SIZE);
        Radix3.writeLevel0(level0.memory(), level1.iova());
        return level0;
    }

    /** gsp/boot.rs run_fwsec_frts. */
    private void runFwsecFrts(Bar0 bar, Falcon gsp, Vbios bios, FbLayout fb) {
        if (Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI)) != 0) {
            throw new DriverException(Errno.EBUSY, "WPR2 region already exists ("
                    + Pfb.PRI_MMU_WPR2_ADDR_HI.describe(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI))
                    + "): the GPU needs to be reset before FWSEC-FRTS can run");
        }
        FalconUcodeDescV3 desc = bios.fwsecDesc();
        DmaCoherent ucode = copyToDma(bios.fwsecUcode(), 0);
        FwsecInterface appif;
        try {
            appif = FwsecInterface.locate("FWSEC", ucode.memory(), desc);
            appif.writeFrts(ucode.memory(), fb.frtsStart(), fb.frtsEnd() - fb.frtsStart());
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, "FWSEC in the VBIOS: " + e.getMessage(), e);
        }
        if (desc.signatureCount() > 0) {
            int fuse = gsp.signatureFuseVersion(desc.engineIdMask(), desc.ucodeId());
            int idx;
            try {
                idx = desc.signatureIndex(fuse);
            } catch (IllegalArgumentException e) {
                throw new DriverException(Errno.EINVAL, "FWSEC: " + e.getMessage(), e);
            }
            MemorySegment sig = bios.fwsecSignatures().get(idx);
            MemorySegment.copy(sig, 0, ucode.memory(), desc.signaturePatchOffset(), sig.byteSize());
        }
        gsp.reset();
        gsp.load(ucode, new Falcon.LoadTarget(0, desc.imemPhysBase(), desc.imemLoadSize()),
                new Falcon.LoadTarget(desc.imemLoadSize(), desc.dmemPhysBase(), desc.dmemLoadSize()),
                new Falcon.BromParams(desc.pkcDataOffset(), desc.engineIdMask(), desc.ucodeId()), 0);
        int[] mbox = gsp.boot(0, null, "FWSEC-FRTS");
        ucode.close();
        if (mbox[0] != 0) {
            throw new DriverException(Errno.EIO, String.format("FWSEC-FRTS failed: the GSP falcon reports 0x%x in "
                    + "mailbox 0", mbox[0]));
        }
        int err = Pbus.FRTS_ERR_CODE.get(bar.read(Pbus.SW_SCRATCH_0E_FRTS_ERR));
        if (err != 0) {
            throw new DriverException(Errno.EIO, String.format("FWSEC-FRTS returned with error code 0x%x (%s)", err,
                    Pbus.SW_SCRATCH_0E_FRTS_ERR.name()));
        }
        long lo = Pfb.wpr2LowerBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_LO));
        long hi = Pfb.wpr2HigherBound(bar.read(Pfb.PRI_MMU_WPR2_ADDR_HI));
        if (hi == 0) {
            throw new DriverException(Errno.EIO, "WPR2 region not created after running FWSEC-FRTS");
        }
        if (lo != fb.frtsStart()) {
            throw new DriverException(Errno.EIO, String.format(
                    "WPR2 region created at unexpected address 0x%x; expected 0x%x", lo, fb.frtsStart()));
        }
        LOG.debug("{}: WPR2 0x{}..0x{}", dev.slot(), Long.toHexString(lo), Long.toHexString(hi));
    }

    /** Unbind: stop the falcons while BAR0 is still mapped; devres release the rest. */
    void unbind() {
        boolean unloaded = false;
        if (cmdq != null && cmdq.dead().isEmpty()) {
            try {
                GspStruct u = abi.struct("rpc_unloading_guest_driver_v1F_07");
                rpc(abi.function("UNLOADING_GUEST_DRIVER"), new byte[u.size()], UNLOAD_TIMEOUT_MS);
                unloaded = true;
            } catch (DriverException e) {
                LOG.warn("{}: the GSP did not acknowledge the unload: {}", dev.slot(), e.getMessage());
            }
        }
        if (unloaded) {
            bar0.tryAccess().ifPresent(g -> {
                try (g) {
                    runBooterUnload(new Bar0(g.get()));
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
                    new Falcon(e, bar, hal.falconHal()).pulseEngineReset();
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: resetting the falcons at unbind failed: {}", dev.slot(), e.toString());
            }
        });
        info = new GpuInfo(info.device(), info.chipset(), info.architecture(), info.revision(), info.vbiosVersion(),
                info.firmwareVersion(), info.fbSize(), info.bar0Size(), info.bar1Size(), GpuInfo.BootState.STOPPED);
    }
}
