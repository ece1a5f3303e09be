package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Supplier;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.Radix3;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The firmware files one GPU boots with (nova-core firmware.rs and firmware/{gsp,riscv,booter}.rs):
 * the GSP image of the newest release there are ABI bindings for, and that release's bootloader,
 * booter_load and booter_unload, parsed. The files are device resources of the binding (the
 * loader releases them at unbind).
 *
 * @param release the firmware release whose files are loaded
 * @param gsp the GSP image (.fwimage, .fwversion, signatures)
 * @param gspSignatures the GSP image's signatures for this chip
 * @param bootloader the GSP's RISC-V bootloader
 * @param booterLoad the booter that starts the GSP; null on Hopper and Blackwell (the FSP boots it)
 * @param booterUnload the booter that tears WPR2 down at unbind; null on Hopper and Blackwell
 */
record GpuFirmware(String release, GspFirmware gsp, MemorySegment gspSignatures, RiscvFirmware bootloader,
        BooterFirmware booterLoad, BooterFirmware booterUnload) {

    /**
     * Requests and parses the files.
     *
     * @throws DriverException ENOENT (a file is missing), EINVAL (a file is malformed, or the GSP
     *     image reports another version than its release's path)
     */
    static GpuFirmware request(PciDevice dev, Chipset chip, FirmwareLoader loader) {
        Requester r = new Requester(dev, chip, loader);
        Firmware gspFile = r.requestNewestGsp();
        String release = r.release;
        GspFirmware gsp = parse(chip, "gsp", () -> GspFirmware.parse(r.name(FirmwareNames.GSP), gspFile.data()));
        MemorySegment sigs = parse(chip, "gsp", () -> gsp.signatures(chip));
        if (!gsp.version().equals(release)) {
            throw new DriverException(Errno.EINVAL, String.format("GSP firmware %s for %s reports version %s in "
                    + ".fwversion", r.name(FirmwareNames.GSP), chip.firmwareName(), gsp.version()));
        }
        RiscvFirmware bootloader = parse(chip, "bootloader", () -> RiscvFirmware.parse(
                r.name(FirmwareNames.BOOTLOADER), r.request(FirmwareNames.BOOTLOADER).data()));
        if (FspCot.bootsThroughFsp(chip.architecture())) {
            // Hopper and Blackwell have no booter: the FSP boots the GSP (FspBoot loads the FMC)
            return new GpuFirmware(release, gsp, sigs, bootloader, null, null);
        }
        BooterFirmware load = parse(chip, "booter_load", () -> BooterFirmware.parse(
                r.name(FirmwareNames.BOOTER_LOAD), r.request(FirmwareNames.BOOTER_LOAD).data()));
        BooterFirmware unload = parse(chip, "booter_unload", () -> BooterFirmware.parse(
                r.name(FirmwareNames.BOOTER_UNLOAD), r.request(FirmwareNames.BOOTER_UNLOAD).data()));
        return new GpuFirmware(release, gsp, sigs, bootloader, load, unload);
    }

    /**
     * Requests and parses the FMC firmware of a Hopper or Blackwell chip, of the release the GSP
     * image came from (firmware/fsp.rs FspFirmware::new).
     *
     * @throws DriverException ENOENT (missing), EINVAL (malformed: a section missing or oversized)
     */
    static FmcFirmware requestFmc(PciDevice dev, Chipset chip, FirmwareLoader loader, String release) {
        String name = FirmwareNames.path(chip, FmcFirmware.FILE, release);
        Firmware f = loader.request(name, dev.device().devres());
        return parse(chip, "fmc", () -> FmcFirmware.parse(name, f.data()));
    }

    /** Finds the files of one release: the newest whose GSP image exists names the others. */
    private static final class Requester {
        final PciDevice dev;
        final Chipset chip;
        final FirmwareLoader loader;
        String release;

        Requester(PciDevice dev, Chipset chip, FirmwareLoader loader) {
            this.dev = dev;
            this.chip = chip;
            this.loader = loader;
        }

        String name(String file) {
            return FirmwareNames.path(chip, file, release);
        }

        Firmware request(String file) {
            return loader.request(name(file), dev.device().devres());
        }

        /**
         * Loads the GSP image of the newest release there are bindings for; that release names
         * the other files. The bindings themselves are then chosen from the image's {@code .fwversion}.
         */
        Firmware requestNewestGsp() {
            DriverException last = null;
            List<GspAbi> newestFirst = GspAbi.all().reversed();
            for (GspAbi a : newestFirst) {
                release = a.version();
                try {
                    if (a != newestFirst.getLast()) {
                        // an older release may follow: a missing newer file is not worth a warning
                        return loader.requestNowarn(name(FirmwareNames.GSP), dev.device().devres());
                    }
                    return request(FirmwareNames.GSP);
                } catch (DriverException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                    last = e;
                }
            }
            throw last;
        }
    }

    /** @return what {@code s} parsed; a {@link FormatException} becomes EINVAL naming the file */
    static <T> T parse(Chipset chip, String what, Supplier<T> s) {
        try {
            return s.get();
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, "firmware " + what + " for " + chip + " is malformed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Copies .fwimage into DMA memory and builds the radix-3 page table over it (firmware/gsp.rs
     * GspFirmware::new).
     *
     * @return the table's level 0, whose address the WPR metadata carries
     */
    DmaCoherent mapGspImage(PciDevice dev) {
        Radix3.Layout l = Radix3.layout(gsp.imageSize());
        DmaCoherent image = dev.allocCoherent(l.imagePages() * Radix3.PAGE_SIZE);
        MemorySegment.copy(gsp.image(), 0, image.memory(), 0, gsp.imageSize());
        DmaCoherent level2 = dev.allocCoherent(l.level2Pages() * Radix3.PAGE_SIZE);
        DmaCoherent level1 = dev.allocCoherent(l.level1Pages() * Radix3.PAGE_SIZE);
        DmaCoherent level0 = dev.allocCoherent(Radix3.PAGE_SIZE);
        Radix3.writeLevel2(level2.memory(), l, i -> image.iova() + i * Radix3.PAGE_SIZE);
        Radix3.writeLevel1(level1.memory(), l, i -> level2.iova() + i * Radix3.PAGE_SIZE);
        Radix3.writeLevel0(level0.memory(), level1.iova());
        return level0;
    }

    /**
     * Copies {@code src} into new coherent DMA memory (firmware.rs DmaObject::from_data), rounded up
     * to the falcon's DMA transfer size after {@code slack} extra bytes.
     */
    static DmaCoherent toDma(PciDevice dev, MemorySegment src, int slack) {
        long size = (src.byteSize() + slack + Pfalcon.DMA_TRANSFER_BYTES - 1) & -(long) Pfalcon.DMA_TRANSFER_BYTES;
        DmaCoherent d = dev.allocCoherent(Math.max(size, 1));
        MemorySegment.copy(src, 0, d.memory(), 0, src.byteSize());
        return d;
    }
}
