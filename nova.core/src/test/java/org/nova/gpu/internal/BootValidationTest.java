package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.Elf64;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.regs.Pfb;

/**
 * Issue 14 item 4: every firmware image is validated before the boot's first hardware write. A probe
 * with a bad booter_load, booter_unload, bootloader or GSP image fails with EINVAL naming the file,
 * the field and why, the simulated GPU shows no BAR0 write (no falcon reset, no WPR2), and a probe
 * of the same GPU with good firmware then boots without a reset.
 */
class BootValidationTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** HsSignatureParams words: fuse_ver, engine_id_mask, ucode_id. */
    private static final int FUSE_VER = 0;
    private static final int ENGINE_ID_MASK = 1;
    private static final int UCODE_ID = 2;
    /** The e_machine of x86-64, an ELF that is no GSP image. */
    private static final short EM_X86_64 = 62;

    @TempDir
    Path tmp;

    /** The GPU trusts the firmware in {@code good}; the driver is handed {@code bad}. */
    private record Setup(NvidiaGpu gpu, Path good, Path bad, String release) {
        Path file(Chipset chip, String name) {
            return bad.resolve(FirmwareNames.path(chip, name, release));
        }
    }

    private Setup setup(Chipset chip) {
        Path good = GpuFirmwareGenerator.generate(chip, tmp.resolve("good"));
        Path bad = GpuFirmwareGenerator.generate(chip, tmp.resolve("bad"));
        return new Setup(new NvidiaGpu(GpuOptions.of(chip, List.of(good))), good, bad,
                GpuFirmwareGenerator.defaultVersion(chip));
    }

    private static void rewrite(Path f, java.util.function.Consumer<MemorySegment> change) throws IOException {
        byte[] b = Files.readAllBytes(f);
        change.accept(MemorySegment.ofArray(b));
        Files.write(f, b);
    }

    private static void setBooterParam(Path booter, int word, int value) throws IOException {
        rewrite(booter, s -> {
            BooterFirmware b = BooterFirmware.parse(booter.toString(), s);
            s.set(U32, b.hs().metaDataOffset() + (long) Integer.BYTES * word, value);
        });
    }

    /**
     * Probes with the bad firmware: it must fail with EINVAL naming {@code fragments}, release
     * everything and write nothing to BAR0; then a probe with the good firmware boots.
     */
    private static void refusedUntouchedThenBoots(Setup s, String... fragments) {
        SimPciDevice dev = new SimPciDevice(s.gpu(), "0000:00:05.0");
        DriverException error = null;
        try {
            Gpu.probe(dev, new DirFirmwareLoader(s.bad()));
        } catch (DriverException e) {
            error = e;
        }
        dev.releaseAll();
        assertNotNull(error, "the probe should have refused the firmware");
        assertEquals(Errno.EINVAL, error.errno(), error.getMessage());
        for (String f : fragments) {
            assertTrue(error.getMessage().contains(f), "'" + error.getMessage() + "' should name " + f);
        }
        // only the sysmem flush page, registered right after GFW boot as fb.rs does, and cleared again
        assertEquals(0, dev.bar0WritesBeyondFlush(), "the refused probe wrote to BAR0: " + error.getMessage());
        assertEquals(0, s.gpu().read(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), Integer.BYTES),
                "the refused probe left its freed flush page registered");
        assertEquals(0, Pfb.wpr2HigherBound((int) s.gpu().read(Pfb.PRI_MMU_WPR2_ADDR_HI.address(), Integer.BYTES)),
                "WPR2 exists after the refused probe");
        assertFalse(s.gpu().gspRunning());
        assertEquals(0, dev.liveResources(), "devres left");
        // the same GPU, no reset, good firmware
        SimPciDevice again = new SimPciDevice(s.gpu(), "0000:00:05.0");
        try {
            Gpu g = Gpu.probe(again, new DirFirmwareLoader(s.good()));
            assertEquals(GpuInfo.BootState.GSP_STARTED, g.info().state());
            g.unbind();
            assertEquals(0, Pfb.wpr2HigherBound((int) s.gpu().read(Pfb.PRI_MMU_WPR2_ADDR_HI.address(),
                    Integer.BYTES)), "booter_unload tore WPR2 down");
        } catch (DriverException e) {
            fail("the good firmware did not boot after the refusal: " + e.getMessage(), e);
        } finally {
            again.releaseAll();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "AD102"})
    void booterLoadSignedForAnOlderFuseIsRefusedBeforeFwsecRuns(Chipset chip) throws IOException {
        Setup s = setup(chip);
        Path f = s.file(chip, FirmwareNames.BOOTER_LOAD);
        // the fuses hold the generated fuse version; one below it names no signature
        long fuse = BooterFirmware.parse("l", MemorySegment.ofArray(Files.readAllBytes(f))).params().fuseVersion();
        setBooterParam(f, FUSE_VER, (int) fuse - 1);
        refusedUntouchedThenBoots(s, FirmwareNames.path(chip, FirmwareNames.BOOTER_LOAD, s.release()),
                "HsSignatureParams", "no signature for fuse version " + fuse);
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "AD102"})
    void booterUnloadSignedForAnOlderFuseIsRefusedAtProbeNotAtUnbind(Chipset chip) throws IOException {
        Setup s = setup(chip);
        Path f = s.file(chip, FirmwareNames.BOOTER_UNLOAD);
        long fuse = BooterFirmware.parse("u", MemorySegment.ofArray(Files.readAllBytes(f))).params().fuseVersion();
        setBooterParam(f, FUSE_VER, (int) fuse - 1);
        refusedUntouchedThenBoots(s, FirmwareNames.path(chip, FirmwareNames.BOOTER_UNLOAD, s.release()),
                "no signature for fuse version");
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA102"})
    void booterWithAUcodeIdNoFuseRegisterHasIsRefused(Chipset chip) throws IOException {
        Setup s = setup(chip);
        setBooterParam(s.file(chip, FirmwareNames.BOOTER_UNLOAD), UCODE_ID, 0);
        refusedUntouchedThenBoots(s, "booter_unload", "HsSignatureParams", "ucode_id 0 is not in 1..16");
    }

    @Test
    void booterWithAnEngineMaskNamingNoFusedEngineIsRefused() throws IOException {
        Setup s = setup(Chipset.GA102);
        setBooterParam(s.file(Chipset.GA102, FirmwareNames.BOOTER_LOAD), ENGINE_ID_MASK, 0x0008);
        refusedUntouchedThenBoots(s, "booter_load", "engine_id_mask 0x8");
    }

    @Test
    void bootloaderWhoseMonitorCodeLiesPastItsPayloadIsRefused() throws IOException {
        Setup s = setup(Chipset.GA102);
        Path f = s.file(Chipset.GA102, FirmwareNames.BOOTLOADER);
        rewrite(f, seg -> {
            RiscvFirmware r = RiscvFirmware.parse("bl", seg);
            // monitor_code_offset, the 13th u32 of RM_RISCV_UCODE_DESC
            seg.set(U32, r.bin().header().headerOffset() + 12L * Integer.BYTES, (int) r.bin().header().dataSize());
        });
        refusedUntouchedThenBoots(s, FirmwareNames.path(Chipset.GA102, FirmwareNames.BOOTLOADER, s.release()),
                "monitor code");
    }

    @Test
    void gspImageForAnotherMachineIsRefused() throws IOException {
        Setup s = setup(Chipset.AD102);
        rewrite(s.file(Chipset.AD102, FirmwareNames.GSP), seg -> seg.set(U16, Elf64.E_MACHINE_OFFSET, EM_X86_64));
        refusedUntouchedThenBoots(s, FirmwareNames.path(Chipset.AD102, FirmwareNames.GSP, s.release()),
                "e_machine is 62");
    }
}
