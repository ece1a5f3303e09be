package org.nova.hw.sim.gpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.Radix3;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.regs.FalconEngine;

/**
 * The booter, the heavy-secure ucode nova-core runs on SEC2 (firmware/booter.rs, gsp/boot.rs):
 * booter_load takes the address of the GspFwWprMeta in MAILBOX1:MAILBOX0, checks the metadata
 * against WPR2 and the GSP image, the bootloader and the signatures it points to in system memory
 * against the trusted firmware, then loads GSP-RM into WPR2 and starts the GSP's RISC-V core;
 * booter_unload tears WPR2 down once GSP-RM suspended and FWSEC-SB reset the GSP falcon, and
 * refuses otherwise ({@link SimGspBoot#unloadRefusal}). Which of the two runs is decided by the code
 * in SEC2's IMEM.
 *
 * <p>As with FWSEC, the boot ROM first checks what the driver loaded (IMEM, boot vector, DMEM with
 * the signature for the fused version at the PKC offset, the boot ROM parameters from GA102 on).
 * Every refusal ends the run with an error code in MAILBOX0 ({@link NvidiaGpu}'s BROM_ and BOOTER_
 * codes) and the reason is logged; the booter never throws into the driver.
 */
final class SimBooter {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes of each image page, bootloader and signature block the booter compares with the trusted ones. */
    private static final int PROBE_BYTES = 64;

    private final NvidiaGpu gpu;
    private final TrustedFirmware trusted;
    private final SimFuse fuse;
    private final SimFb fb;
    private final SimGspBoot gspBoot;

    SimBooter(NvidiaGpu gpu, TrustedFirmware trusted, SimFuse fuse, SimFb fb, SimGspBoot gspBoot) {
        this.gpu = gpu;
        this.trusted = trusted;
        this.fuse = fuse;
        this.fb = fb;
        this.gspBoot = gspBoot;
    }

    /** Runs what SEC2 holds: booter_unload if its IMEM holds that code, booter_load otherwise. */
    void run(SimFalcon f) {
        Optional<BooterFirmware> load = trusted.booterLoad();
        if (load.isEmpty()) {
            gpu.log("booter: no trusted booter_load for {} in {}", gpu.options().chipset(), trusted.dirs());
            f.finish(NvidiaGpu.BOOTER_ERR_NO_FIRMWARE);
            return;
        }
        Optional<BooterFirmware> unloadFw = trusted.booterUnload();
        boolean unload = unloadFw.isPresent() && holdsCode(f, unloadFw.get());
        BooterFirmware b = unload ? unloadFw.get() : load.get();
        if (f.dmaError()) {
            gpu.log("booter: a DMA transfer into SEC2 failed; the boot ROM refuses the ucode");
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        if (!bootRomAccepts(f, b)) {
            f.finish(NvidiaGpu.BROM_ERR_SIGNATURE);
            return;
        }
        if (!unload && carvesWpr2()) {
            // GA100: no FWSEC-FRTS ran, so booter_load is the one to create WPR2 and finds none
            if (fb.hasWpr2()) {
                gpu.log("booter_load: WPR2 0x{}..0x{} exists already: {} has no FRTS, so only booter_load "
                        + "creates it; it stays until booter_unload or a reset", Long.toHexString(fb.wpr2Start()),
                        Long.toHexString(fb.wpr2End()), gpu.options().chipset());
                f.finish(NvidiaGpu.BOOTER_ERR_WPR2_EXISTS);
                return;
            }
        } else if (!fb.hasWpr2()) {
            gpu.log("booter: WPR2 does not exist: FWSEC-FRTS has not run");
            f.finish(NvidiaGpu.BOOTER_ERR_NO_WPR2);
            return;
        }
        if (unload) {
            if (gspBoot.sbSkipped()) {
                // (the simulator's choice: NVIDIA's behaviour is not public) it stops before writing
                // its mailboxes, which is what upstream's sentinel in them detects
                gpu.log("booter_unload: the GSP falcon is not in its pre-LibOS state (FWSEC-SB did not run "
                        + "since LibOS started): it stops without a result; WPR2 stays");
                f.halt();
                return;
            }
            String refusal = gspBoot.unloadRefusal();
            if (refusal != null) {
                gpu.log("booter_unload: {}; WPR2 stays until a reset", refusal);
                f.finish(NvidiaGpu.BOOTER_ERR_GSP_RUNNING);
                return;
            }
            fb.wpr2TornDown();
            gspBoot.wpr2TornDown();
            gpu.info("booter_unload: WPR2 torn down");
            f.finish(0, 0);
            return;
        }
        int err = checkWprMeta(f.mailboxes());
        if (err != 0) {
            f.finish(err);
            return;
        }
        gspBoot.startGspRm();
        f.finish(0, 0);
    }

    /**
     * @return whether booter_load creates WPR2 itself: on a chip whose layout gives FRTS no room
     *     (GA100, fb/hal/ga100.rs frts_size 0) FWSEC-FRTS does not run (gsp/boot.rs "only boot FRTS
     *     if its region is allocated"), so nothing else would
     */
    private boolean carvesWpr2() {
        return SimWprLayout.frtsSize(gpu.options().chipset()) == 0;
    }

    private static boolean holdsCode(SimFalcon f, BooterFirmware b) {
        var app0 = b.imemSecLoad();
        return f.imem().asSlice(0, app0.len()).mismatch(b.ucode().asSlice(app0.offset(), app0.len())) == -1;
    }

    /** The boot ROM's checks of a loaded booter: code, boot vector, data and signature, parameters. */
    private boolean bootRomAccepts(SimFalcon f, BooterFirmware b) {
        if (!holdsCode(f, b) || f.bootvec() != b.bootAddress()) {
            gpu.log("booter: IMEM (boot vector 0x{}) does not hold the booter's code", Integer.toHexString(f.bootvec()));
            return false;
        }
        long pkc = b.pkcDataOffset();
        long sigSize = b.signatureSize();
        long dataSize = b.load().osDataSize();
        MemorySegment data = b.ucode().asSlice(b.load().osDataOffset(), dataSize);
        MemorySegment dmem = f.dmem();
        boolean dataOk = dmem.asSlice(0, pkc).mismatch(data.asSlice(0, pkc)) == -1
                && dmem.asSlice(pkc + sigSize, dataSize - pkc - sigSize)
                        .mismatch(data.asSlice(pkc + sigSize, dataSize - pkc - sigSize)) == -1;
        int version = fuse.signatureFuseVersion(FalconEngine.SEC2);
        MemorySegment sig;
        try {
            sig = b.signatureFor(version);
        } catch (FormatException e) {
            gpu.log("booter: {}", e.getMessage());
            return false;
        }
        if (!dataOk || dmem.asSlice(pkc, sigSize).mismatch(sig) != -1) {
            gpu.log("booter: DMEM does not hold the booter's data with the signature for fuse version {} at 0x{}",
                    version, Long.toHexString(pkc));
            return false;
        }
        if (gpu.ga102Plus() && !f.bromParamsAre(pkc, b.params().engineIdMask(), b.params().ucodeId())) {
            gpu.log("booter: boot ROM parameters ({}) do not match the booter", f.bromParams());
            return false;
        }
        return true;
    }

    /** Checks the GspFwWprMeta at {@code addr} in system memory against WPR2 and the framebuffer. */
    private int checkWprMeta(long addr) {
        MemorySegment meta = MemorySegment.ofArray(new byte[GspFwWprMeta.SIZE]);
        if (!gpu.host().dmaRead(addr, meta)) {
            gpu.log("booter: WPR metadata at 0x{} is not readable", Long.toHexString(addr));
            return NvidiaGpu.BOOTER_ERR_WPR_META;
        }
        long magic = GspFwWprMeta.get(meta, GspFwWprMeta.MAGIC_AT);
        long revision = GspFwWprMeta.get(meta, GspFwWprMeta.REVISION_AT);
        if (magic != GspFwWprMeta.MAGIC || revision != GspFwWprMeta.REVISION) {
            gpu.log("booter: WPR metadata magic 0x{} revision {}", Long.toHexString(magic), revision);
            return NvidiaGpu.BOOTER_ERR_WPR_META;
        }
        long frtsOffset = GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_OFFSET);
        long frtsSize = GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_SIZE);
        long wprStart = GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_START);
        long wprEnd = GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_END);
        long fbSize = GspFwWprMeta.get(meta, GspFwWprMeta.FB_SIZE);
        // with FRTS, WPR2 is FWSEC-FRTS's region and FRTS opens it; without (GA100), the empty FRTS
        // region sits at the WPR end and WPR2 is yet to be created
        boolean carves = carvesWpr2();
        long wpr2Start = carves ? frtsOffset : fb.wpr2Start();
        long wpr2End = carves ? wprEnd : fb.wpr2End();
        if (frtsOffset != wpr2Start || frtsSize != SimWprLayout.frtsSize(gpu.options().chipset())
                || fbSize != fb.size()
                || wprEnd != wpr2End || wprStart >= frtsOffset) {
            gpu.log("booter: WPR metadata layout (frts 0x{}+0x{}, wpr 0x{}..0x{}, fb 0x{}) does not match WPR2 0x{}..0x{}",
                    Long.toHexString(frtsOffset), Long.toHexString(frtsSize), Long.toHexString(wprStart),
                    Long.toHexString(wprEnd), Long.toHexString(fbSize), Long.toHexString(wpr2Start),
                    Long.toHexString(wpr2End));
            return NvidiaGpu.BOOTER_ERR_WPR_META;
        }
        int err = checkGspImage(meta);
        if (err == 0 && carves) {
            // GSP-RM's whole WPR, as the accepted metadata bounds it, becomes WPR2
            fb.wpr2CreatedByBooter(wprStart, wprEnd);
            gpu.info("booter_load: WPR2 created at 0x{}..0x{} (no FRTS on {})", Long.toHexString(wprStart),
                    Long.toHexString(wprEnd), gpu.options().chipset());
        }
        if (err == 0) {
            // GSP-RM will occupy what the accepted metadata lays out: its regions report that
            gspBoot.fbRegions(SimFbRegions.fromWprMeta(meta, fb.size(), gpu.options().fault()));
        }
        return err;
    }

    /**
     * Follows the radix-3 table in system memory and compares pages of the GSP image, the
     * bootloader and the signatures with the trusted files (also GSP-FMC's check on Hopper and
     * Blackwell, {@link SimFsp}).
     *
     * @return 0, or the BOOTER_ERR_ code of what is wrong
     */
    int checkGspImage(MemorySegment meta) {
        Optional<Path> gspFile = trusted.file(FirmwareNames.GSP);
        Optional<Path> blFile = trusted.file(FirmwareNames.BOOTLOADER);
        if (gspFile.isEmpty() || blFile.isEmpty()) {
            gpu.log("booter: no trusted gsp/bootloader image for {}", gpu.options().chipset());
            return NvidiaGpu.BOOTER_ERR_NO_FIRMWARE;
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(gspFile.get(), StandardOpenOption.READ);
                FileChannel bl = FileChannel.open(blFile.get(), StandardOpenOption.READ)) {
            GspFirmware fw = GspFirmware.parse(gspFile.get().toString(),
                    ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
            RiscvFirmware boot = RiscvFirmware.parse(blFile.get().toString(),
                    bl.map(FileChannel.MapMode.READ_ONLY, 0, bl.size(), arena));
            long size = GspFwWprMeta.get(meta, GspFwWprMeta.SIZE_OF_RADIX3_ELF);
            if (size != fw.imageSize()) {
                gpu.log("booter: radix-3 image size 0x{} is not the GSP image's 0x{}", Long.toHexString(size),
                        Long.toHexString(fw.imageSize()));
                return NvidiaGpu.BOOTER_ERR_GSP_IMAGE;
            }
            long level0 = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_RADIX3_ELF);
            // the first, a middle and the last page
            for (long va : List.of(0L, size / 2 & -Radix3.PAGE_SIZE, (size - 1) & -Radix3.PAGE_SIZE)) {
                long len = Math.min(PROBE_BYTES, size - va);
                long pa = Radix3.translate(this::dmaU64, level0, va);
                MemorySegment got = MemorySegment.ofArray(new byte[(int) len]);
                if (pa == -1 || !gpu.host().dmaRead(pa, got) || got.mismatch(fw.image().asSlice(va, len)) != -1) {
                    gpu.log("booter: GSP image page at va 0x{} (through the radix-3 table at 0x{}) is not the trusted image",
                            Long.toHexString(va), Long.toHexString(level0));
                    return NvidiaGpu.BOOTER_ERR_GSP_IMAGE;
                }
            }
            long blAddr = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_BOOTLOADER);
            long blSize = GspFwWprMeta.get(meta, GspFwWprMeta.SIZE_OF_BOOTLOADER);
            if (blSize != boot.ucode().byteSize() || !startsWith(blAddr, boot.ucode())) {
                gpu.log("booter: bootloader at 0x{} (0x{} bytes) is not the trusted bootloader", Long.toHexString(blAddr),
                        Long.toHexString(blSize));
                return NvidiaGpu.BOOTER_ERR_GSP_IMAGE;
            }
            MemorySegment sigs = fw.signatures(gpu.options().chipset());
            long sigAddr = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_SIGNATURE);
            if (GspFwWprMeta.get(meta, GspFwWprMeta.SIZE_OF_SIGNATURE) != sigs.byteSize() || !startsWith(sigAddr, sigs)) {
                gpu.log("booter: GSP signatures at 0x{} are not {}'s", Long.toHexString(sigAddr),
                        gpu.options().chipset().gspSignatureSection());
                return NvidiaGpu.BOOTER_ERR_GSP_IMAGE;
            }
            // GSP-RM goes where the layout rules put it: any other placement or heap is refused
            String layout = SimWprLayout.check(gpu, meta, fb.size(), fb.vgaWorkspaceStart(), boot.ucode().byteSize(),
                    fw.imageSize());
            if (layout != null) {
                gpu.log("booter: WPR metadata refused: {}", layout);
                return NvidiaGpu.BOOTER_ERR_WPR_META;
            }
            gpu.wprVfPartitions(GspFwWprMeta.getU8(meta, GspFwWprMeta.GSP_FW_HEAP_VF_PARTITION_COUNT));
            return 0;
        } catch (IOException | FormatException e) {
            gpu.log("booter: cannot read the trusted GSP firmware: {}", e.getMessage());
            return NvidiaGpu.BOOTER_ERR_NO_FIRMWARE;
        }
    }

    /** @return whether system memory at {@code addr} starts with the first bytes of {@code trustedBytes} */
    private boolean startsWith(long addr, MemorySegment trustedBytes) {
        MemorySegment head = MemorySegment.ofArray(new byte[(int) Math.min(PROBE_BYTES, trustedBytes.byteSize())]);
        return gpu.host().dmaRead(addr, head) && head.mismatch(trustedBytes.asSlice(0, head.byteSize())) == -1;
    }

    private long dmaU64(long addr) {
        MemorySegment b = MemorySegment.ofArray(new byte[Long.BYTES]);
        return gpu.host().dmaRead(addr, b) ? b.get(LE64, 0) : -1;
    }
}
