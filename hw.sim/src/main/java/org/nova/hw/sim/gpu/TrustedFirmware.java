package org.nova.hw.sim.gpu;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.gsp.GspAbi;

/**
 * The firmware the simulated GPU's secure ROM trusts: what a real GPU knows through the keys
 * fused into it, the simulator knows by comparing with files. They are found the way the driver's
 * firmware loader finds them (nova-core firmware.rs: {@code nvidia/<chip>/gsp/<file>-<version>.bin}),
 * in {@link GpuOptions#firmwareDirs()} in order, for the newest release the firmware folders hold
 * a GSP image of and {@link GspAbi} has bindings for.
 *
 * <p>Files are read at each use, never cached: a test may write the firmware after the GPU exists.
 */
final class TrustedFirmware {
    private final Chipset chipset;
    private final List<Path> dirs;

    TrustedFirmware(Chipset chipset, List<Path> dirs) {
        this.chipset = chipset;
        this.dirs = List.copyOf(dirs);
    }

    /** @return the folders searched, for messages */
    List<Path> dirs() {
        return dirs;
    }

    /**
     * @param name a {@link FirmwareNames} file (booter_load, gsp, ...)
     * @return the trusted file of that name, if the folders hold one
     */
    Optional<Path> file(String name) {
        String rel = FirmwareNames.path(chipset, name, version());
        for (Path dir : dirs) {
            Path p = dir.resolve(rel);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** @return the newest release with bindings whose GSP image the folders hold, else the generated one's */
    String version() {
        for (GspAbi abi : GspAbi.all().reversed()) {
            String rel = FirmwareNames.path(chipset, FirmwareNames.GSP, abi.version());
            for (Path dir : dirs) {
                if (Files.isRegularFile(dir.resolve(rel))) {
                    return abi.version();
                }
            }
        }
        return GpuFirmwareGenerator.VERSION;
    }

    /**
     * @return the trusted FMC firmware of a Hopper or Blackwell chip (its image and chain-of-trust
     *     sections), if present and well-formed
     */
    Optional<FmcFirmware> fmc() {
        try {
            Optional<Path> p = file(FmcFirmware.FILE);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(FmcFirmware.parse(p.get().toString(), MemorySegment.ofArray(Files.readAllBytes(p.get()))));
        } catch (IOException | FormatException e) {
            return Optional.empty();
        }
    }

    /** @return the trusted booter_load, if present and well-formed */
    Optional<BooterFirmware> booterLoad() {
        return booter(FirmwareNames.BOOTER_LOAD);
    }

    /** @return the trusted booter_unload, if present and well-formed */
    Optional<BooterFirmware> booterUnload() {
        return booter(FirmwareNames.BOOTER_UNLOAD);
    }

    /**
     * @return the trusted generic bootloader (Turing, GA100), if present and well-formed: the
     *     code the GSP falcon's boot ROM accepts to DMA FWSEC in
     */
    Optional<GenBootloader> genBootloader() {
        try {
            Optional<Path> p = file(FirmwareNames.GEN_BOOTLOADER);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(GenBootloader.parse(p.get().toString(),
                    MemorySegment.ofArray(Files.readAllBytes(p.get()))));
        } catch (IOException | FormatException e) {
            return Optional.empty();
        }
    }

    private Optional<BooterFirmware> booter(String name) {
        try {
            Optional<Path> p = file(name);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            byte[] b = Files.readAllBytes(p.get());
            return Optional.of(BooterFirmware.parse(p.get().toString(), MemorySegment.ofArray(b)));
        } catch (IOException | FormatException e) {
            return Optional.empty();
        }
    }

    /**
     * @return the release of the trusted GSP image (its .fwversion)
     * @throws IOException if there is no trusted image or it cannot be read
     * @throws FormatException if it is not a GSP image
     */
    String gspRelease() throws IOException {
        Path p = file(FirmwareNames.GSP).orElseThrow(() -> new IOException("no trusted GSP image for " + chipset
                + " in " + dirs));
        return GspFirmware.parse(p.toString(), MemorySegment.ofArray(Files.readAllBytes(p))).version();
    }
}
