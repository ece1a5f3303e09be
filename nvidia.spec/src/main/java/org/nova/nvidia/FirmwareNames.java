package org.nova.nvidia;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names under which NVIDIA's GSP firmware files are requested, relative to the firmware
 * search path: {@code nvidia/<chip>/gsp/<file>-<version>.bin}. Source: nova-core firmware.rs
 * ({@code request_firmware}, {@code ModInfoBuilder}); the first version nova-core used is
 * 535.113.01 (the one Debian's firmware-nvidia-graphics carries), mainline later moved to
 * 570.144.
 */
public final class FirmwareNames {
    /** GSP firmware release published in linux-firmware and Debian for Turing/Ampere/Ada. */
    public static final String VERSION_535_113_01 = "535.113.01";
    /** GSP firmware release used by current mainline nova-core. */
    public static final String VERSION_570_144 = "570.144";

    /** Booter that loads the GSP image from WPR2 (runs on SEC2, heavy-secure). */
    public static final String BOOTER_LOAD = "booter_load";
    /** Booter that unloads the GSP (runs on SEC2). */
    public static final String BOOTER_UNLOAD = "booter_unload";
    /** RISC-V bootloader of the GSP, which verifies and starts the GSP image. */
    public static final String BOOTLOADER = "bootloader";
    /** The GSP-RM image itself, an ELF with .fwimage/.fwversion/.fwsignature_* sections. */
    public static final String GSP = "gsp";

    /**
     * The generic falcon bootloader that DMAs FWSEC into the GSP falcon, requested only for the
     * chips that need it ({@link Chipset#needsFwsecBootloader}); nova-core
     * firmware/fwsec/bootloader.rs, firmware.rs {@code ModInfoBuilder} (since 1.2.0).
     */
    public static final String GEN_BOOTLOADER = "gen_bootloader";

    /** The four files nova-core requests per chipset, in its order. */
    public static final List<String> ALL = List.of(BOOTER_LOAD, BOOTER_UNLOAD, BOOTLOADER, GSP);

    /**
     * @param chipset the chip
     * @return the files nova-core requests for it, in its order: {@link #ALL}, then
     *         {@link #GEN_BOOTLOADER} where the chip needs it (since 1.2.0)
     */
    public static List<String> forChipset(Chipset chipset) {
        return chipset.needsFwsecBootloader()
                ? List.of(BOOTER_LOAD, BOOTER_UNLOAD, BOOTLOADER, GSP, GEN_BOOTLOADER) : ALL;
    }

    /** The path form {@link #path} writes, at the end of a longer path. */
    private static final Pattern PATH = Pattern.compile(
            "(?:^|/)nvidia/([a-z0-9]+)/gsp/([a-z_]+)-([0-9][0-9.]*)\\.bin$");

    private FirmwareNames() {
    }

    /**
     * What a firmware path names.
     *
     * @param chipset the chip of its folder
     * @param file one of {@link #ALL}
     * @param version the release, e.g. {@link #VERSION_535_113_01}
     */
    public record Named(Chipset chipset, String file, String version) {
    }

    /**
     * Takes apart a path that ends in the form {@link #path} writes.
     *
     * @param path a firmware path, relative or absolute
     * @return the chip, file and release it names; empty if it is not of that form or names an
     *         unknown chip or file
     */
    public static Optional<Named> parse(String path) {
        Matcher m = PATH.matcher(path.replace('\\', '/'));
        if (!m.find() || !(ALL.contains(m.group(2)) || GEN_BOOTLOADER.equals(m.group(2)))) {
            return Optional.empty();
        }
        for (Chipset c : Chipset.values()) {
            if (c.firmwareName().equals(m.group(1))) {
                return Optional.of(new Named(c, m.group(2), m.group(3)));
            }
        }
        return Optional.empty();
    }

    /**
     * @param chipset the chip
     * @param file one of {@link #ALL}
     * @param version a firmware version, e.g. {@link #VERSION_535_113_01}
     * @return {@code nvidia/<chip>/gsp/<file>-<version>.bin}
     */
    public static String path(Chipset chipset, String file, String version) {
        return "nvidia/" + chipset.firmwareName() + "/gsp/" + file + "-" + version + ".bin";
    }
}
