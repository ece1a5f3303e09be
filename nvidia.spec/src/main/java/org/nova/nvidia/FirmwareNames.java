package org.nova.nvidia;

import java.util.List;

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

    /** The four files nova-core requests per chipset, in its order. */
    public static final List<String> ALL = List.of(BOOTER_LOAD, BOOTER_UNLOAD, BOOTLOADER, GSP);

    private FirmwareNames() {
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
