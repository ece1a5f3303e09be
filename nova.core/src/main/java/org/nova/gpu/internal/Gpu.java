package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.util.List;
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
import org.nova.nvidia.vbios.Vbios;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU's bring-up, nova-core's Gpu::new and Gsp::boot up to a started GSP: identify, wait
 * for GFW boot, read the VBIOS, load the firmware, compute the framebuffer layout, run
 * FWSEC-FRTS, boot the booter on SEC2 and wait for the GSP's RISC-V core. Everything acquired
 * is a device resource of the binding (BAR0, DMA memory, mapped firmware); {@link #unbind}
 * resets the falcons, the binding's devres release the rest.
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

    private final PciDevice dev;
    private final Devres<Bar> bar0;
    private final GpuIdentity identity;
    private final GpuHal hal;
    private volatile GpuInfo info;
    private String vbiosVersion = "";
    private String fwVersion = "";
    private long fbSize;

    private Gpu(PciDevice dev, Devres<Bar> bar0, GpuIdentity identity, GpuHal hal) {
        this.dev = dev;
        this.bar0 = bar0;
        this.identity = identity;
        this.hal = hal;
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
            LOG.info("{}: {} GSP started (firmware {}, VBIOS {})", dev.slot(), id.chipset(), gpu.fwVersion,
                    gpu.vbiosVersion);
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
                identity.revision(), vbiosVersion, fwVersion, fbSize, state);
    }

    private void bringUp(Bar0 bar, FirmwareLoader loader) {
        waitGfwBoot(bar);
        Vbios bios = readVbios(bar);
        vbiosVersion = bios.biosVersion().stream().mapToObj(Vbios::formatVersion).findFirst().orElse("");
        // firmware
        String chip = identity.chipset().firmwareName();
        GspFirmware gspFw = parse("gsp", () -> GspFirmware.parse(name(FirmwareNames.GSP),
                request(loader, FirmwareNames.GSP).data()));
        MemorySegment gspSigs = parse("gsp", () -> gspFw.signatures(identity.chipset()));
        fwVersion = gspFw.version();
        if (!fwVersion.equals(FIRMWARE_VERSION)) {
            LOG.warn("{}: GSP firmware for {} reports version {}, expected {}", dev.slot(), chip, fwVersion,
                    FIRMWARE_VERSION);
        }
        RiscvFirmware bootloader = parse("bootloader", () -> RiscvFirmware.parse(name(FirmwareNames.BOOTLOADER),
                request(loader, FirmwareNames.BOOTLOADER).data()));
        BooterFirmware booterLoad = parse("booter_load", () -> BooterFirmware.parse(name(FirmwareNames.BOOTER_LOAD),
                request(loader, FirmwareNames.BOOTER_LOAD).data()));
        parse("booter_unload", () -> BooterFirmware.parse(name(FirmwareNames.BOOTER_UNLOAD),
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
        publish(GpuInfo.BootState.PROBING);
        Falcon gsp = new Falcon(FalconEngine.GSP, bar, hal.falconHal());
        Falcon sec2 = new Falcon(FalconEngine.SEC2, bar, hal.falconHal());
        runFwsecFrts(bar, gsp, bios, fb);
        // booter_load, signature patched
        DmaCoherent booter = copyToDma(booterLoad.ucode(), Pfalcon.DMA_TRANSFER_BYTES);
        if (!booterLoad.signatures().isEmpty()) {
            int fuse = sec2.signatureFuseVersion((int) booterLoad.params().engineIdMask(),
                    (int) booterLoad.params().ucodeId());
            MemorySegment sig = parse("booter_load", () -> booterLoad.signatureFor(fuse));
            parse("booter_load", () -> {
                booterLoad.patchSignature(booter.memory(), sig);
                return null;
            });
        }
        DmaCoherent wprMeta = dev.allocCoherent(GspFwWprMeta.SIZE);
        GspFwWprMeta.write(wprMeta.memory(), fb, level0.iova(), gspFw.imageSize(), blDma.iova(),
                bootloader.ucode().byteSize(), bootloader.codeOffset(), bootloader.dataOffset(),
                bootloader.manifestOffset(), sigDma.iova(), gspSigs.byteSize());
        // GSP falcon: reset and boot with the LibOS arguments' address
        DmaCoherent libos = dev.allocCoherent(LIBOS_ARGS_SIZE);
        gsp.reset();
        gsp.boot((int) libos.iova(), (int) (libos.iova() >>> 32), "the GSP bootstrap");
        // SEC2: booter_load with the WPR metadata's address
        sec2.reset();
        var app0 = booterLoad.imemSecLoad();
        sec2.load(booter, new Falcon.LoadTarget(app0.offset(), 0, app0.len()),
                new Falcon.LoadTarget(booterLoad.load().osDataOffset(), 0, booterLoad.load().osDataSize()),
                new Falcon.BromParams(booterLoad.pkcDataOffset(), (int) booterLoad.params().engineIdMask(),
                        (int) booterLoad.params().ucodeId()), booterLoad.bootAddress());
        int[] mbox = sec2.boot((int) wprMeta.iova(), (int) (wprMeta.iova() >>> 32), "booter_load");
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
    }

    private String name(String file) {
        return FirmwareNames.path(identity.chipset(), file, FIRMWARE_VERSION);
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
                info.firmwareVersion(), info.fbSize(), GpuInfo.BootState.STOPPED);
    }
}
