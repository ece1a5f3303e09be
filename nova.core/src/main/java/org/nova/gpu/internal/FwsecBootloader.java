package org.nova.gpu.internal;

import static org.nova.nvidia.regs.Pfalcon.*;

import java.lang.foreign.MemorySegment;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BootloaderDmemDescV2;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.GenBootloader;

/**
 * FWSEC through the generic bootloader, as Turing and GA100 load it (nova-core
 * firmware/fwsec/bootloader.rs, commit 1f9283af, {@code FwsecFirmwareWithBl}; gsp/boot.rs
 * {@code run_fwsec_frts} and gsp/hal/tu102.rs {@code FwsecUnloadFirmware} pick it where
 * {@code Chipset::needs_fwsec_bootloader}). The driver puts FWSEC, patched, in DMA memory as a
 * mirror image of IMEM; PIO-loads the bootloader's code, non-secure, right below the first
 * 64 KiB of IMEM with its start tag, and a {@link BootloaderDmemDescV2} at DMEM 0 that tells it
 * where FWSEC's non-secure code, secure code and data are; points DMA context
 * {@link BootloaderDmemDescV2#FALCON_DMAIDX_PHYS_SYS_NCOH} at system memory; and boots at the
 * start tag. The bootloader DMAs FWSEC in and runs it; MAILBOX0 is FWSEC's result.
 *
 * <p>The staged FWSEC copy is DMA memory of the binding owned by the {@link Fwsec.Prepared} it
 * belongs to, freed after its run (or with the binding); a refusal while staging frees what it
 * allocated.
 */
final class FwsecBootloader {
    private FwsecBootloader() {
    }

    /**
     * What the bootloader run needs besides the FWSEC copy.
     *
     * @param bootloader the parsed gen_bootloader
     * @param code its code padded to the IMEM block size
     * @param dmemDesc the descriptor for DMEM 0
     */
    record Staged(GenBootloader bootloader, MemorySegment code, BootloaderDmemDescV2 dmemDesc) {
    }

    /**
     * Requests and parses {@code gen_bootloader} of {@code release} for {@code chip} (a device
     * resource of the binding, as the other firmware files).
     *
     * @throws DriverException ENOENT (the file is missing), EINVAL (malformed: bad BinHdr, the
     *     descriptor or code past the end, code that does not fit below 64 KiB of IMEM)
     */
    static GenBootloader request(PciDevice dev, Chipset chip, FirmwareLoader loader, String release) {
        String name = FirmwareNames.path(chip, FirmwareNames.GEN_BOOTLOADER, release);
        MemorySegment data = loader.request(name, dev.device().devres()).data();
        return GpuFirmware.parse(chip, FirmwareNames.GEN_BOOTLOADER, () -> GenBootloader.parse(name, data));
    }

    /**
     * The padding in front of FWSEC in its DMA object so that source offsets equal IMEM offsets:
     * the secure code's IMEM destination minus its source offset (bootloader.rs; 0 in practice).
     *
     * @throws DriverException EINVAL if the destination lies below the source (the mirror image
     *     cannot be built)
     */
    static int padding(FalconUcodeDesc desc) {
        FalconUcodeDesc.LoadTarget sec = desc.imemSecure();
        long pad = sec.dstStart() - sec.srcStart();
        if (pad < 0 || pad > GenBootloader.LOAD_CEILING) {
            throw new DriverException(Errno.EINVAL, String.format("FWSEC in the VBIOS: FalconUCodeDescV%d: secure "
                    + "code from ucode offset 0x%x to IMEM 0x%x cannot be mirrored for the generic bootloader",
                    desc.version(), sec.srcStart(), sec.dstStart()));
        }
        return (int) pad;
    }

    /**
     * Builds what the bootloader run needs for the FWSEC copy at {@code fwsec} (padded by
     * {@link #padding}); writes nothing to the GPU and allocates nothing.
     *
     * @throws DriverException EINVAL naming the descriptor field: no non-secure code (a V3
     *     descriptor), data not loaded at DMEM 0, code that would overwrite the bootloader in IMEM,
     *     a field past 32 bits
     */
    static Staged stage(GenBootloader bl, DmaCoherent fwsec, FalconUcodeDesc desc) {
        FalconUcodeDesc.LoadTarget sec = desc.imemSecure();
        FalconUcodeDesc.LoadTarget ns = desc.imemNonSecure().orElseThrow(() -> new DriverException(Errno.EINVAL,
                "FWSEC in the VBIOS: FalconUCodeDescV" + desc.version() + " has no non-secure code for the generic "
                        + "bootloader to load (it loads V2 images)"));
        FalconUcodeDesc.LoadTarget dmem = desc.dmem();
        // The bootloader has no data destination field: it copies the data to DMEM 0.
        if (dmem.dstStart() != 0) {
            throw new DriverException(Errno.EINVAL, String.format("FWSEC in the VBIOS: FalconUCodeDescV%d loads its "
                    + "data at DMEM 0x%x; the generic bootloader can only load it at 0", desc.version(),
                    dmem.dstStart()));
        }
        // The bootloader runs from the top of the first 64 KiB of IMEM while it copies FWSEC's code in:
        // code reaching up there would overwrite it mid-copy.
        long codeEnd = Math.max(ns.dstStart() + ns.len(), sec.dstStart() + sec.len());
        if (codeEnd > bl.imemDstStart()) {
            throw new DriverException(Errno.EINVAL, String.format("FWSEC in the VBIOS: FalconUCodeDescV%d: its code "
                    + "reaches IMEM 0x%x, over the generic bootloader loaded at 0x%x (%s)", desc.version(), codeEnd,
                    bl.imemDstStart(), bl.source()));
        }
        long dataBase = fwsec.iova() + padding(desc) + dmem.srcStart();
        BootloaderDmemDescV2 d = new BootloaderDmemDescV2(BootloaderDmemDescV2.FALCON_DMAIDX_PHYS_SYS_NCOH,
                fwsec.iova(), u32(ns.dstStart(), "non_sec_code_off"), u32(ns.len(), "non_sec_code_size"),
                u32(sec.dstStart(), "sec_code_off"), u32(sec.len(), "sec_code_size"), 0, dataBase,
                u32(dmem.len(), "data_size"), 0, 0);
        byte[] code = new byte[(int) bl.alignedCodeSize()];
        MemorySegment.copy(bl.code(), 0, MemorySegment.ofArray(code), 0, bl.codeSize());
        return new Staged(bl, MemorySegment.ofArray(code), d);
    }

    private static long u32(long v, String field) {
        if (v < 0 || (v >>> Integer.SIZE) != 0) {
            throw new DriverException(Errno.EINVAL, String.format("FWSEC for the generic bootloader: %s 0x%x does "
                    + "not fit 32 bits", field, v));
        }
        return v;
    }

    /**
     * bootloader.rs {@code FwsecFirmwareWithBl::run}: reset the GSP falcon, PIO-load the
     * bootloader and its descriptor, point its DMA context at system memory, boot at the start
     * tag with MAILBOX0 cleared.
     *
     * @return the mailboxes after the halt
     * @throws DriverException ETIMEDOUT (the falcon did not halt)
     */
    static int[] run(Falcon gsp, Staged s, String what) {
        gsp.reset();
        Tu102FalconHal.pioLoad(gsp, s.code(), s.bootloader().imemDstStart(), false, (int) s.bootloader().startTag(),
                MemorySegment.ofArray(s.dmemDesc().toBytes()), 0);
        int ctx = (int) s.dmemDesc().ctxDma();
        int t = gsp.bar.read(FBIF_TRANSCFG, gsp.engine, ctx);
        t = FBIF_TRANSCFG_TARGET.set(t, FBIF_TARGET_COHERENT_SYSMEM);
        t = FBIF_TRANSCFG_MEM_TYPE.set(t, FBIF_MEM_TYPE_PHYSICAL);
        gsp.bar.write(FBIF_TRANSCFG, gsp.engine, ctx, t);
        gsp.bar.write(BOOTVEC, gsp.engine, (int) s.bootloader().bootAddr());
        return gsp.boot(0, null, what + " (through the generic bootloader)");
    }
}
