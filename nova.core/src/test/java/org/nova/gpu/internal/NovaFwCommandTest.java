package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.internal.shell.NovaCommands;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.Elf64;

/**
 * Issue 14 item 10: nova:fw gives the probe's verdict. For the same file it fails where the probe
 * fails, with the same reason, and it refuses what is no firmware at all.
 */
class NovaFwCommandTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Offset of e_shstrndx in the ELF64 file header. */
    private static final int E_SHSTRNDX = 0x3e;

    @TempDir
    Path tmp;

    private final NovaCommands commands = new NovaCommands(null, null);

    private DriverException fwFails(Path file) {
        return assertThrows(DriverException.class, () -> commands.fw(file.toString()));
    }

    /** The probe's failure with the firmware of {@code dir} on a GPU trusting the generated files. */
    private DriverException probeFails(Chipset chip, Path dir) {
        Path trusted = GpuFirmwareGenerator.generate(chip, tmp.resolve("trusted"));
        SimPciDevice dev = new SimPciDevice(new NvidiaGpu(GpuOptions.of(chip, List.of(trusted))), "0000:00:05.0");
        try {
            return assertThrows(DriverException.class, () -> Gpu.probe(dev, new DirFirmwareLoader(dir)));
        } finally {
            dev.releaseAll();
        }
    }

    @Test
    void aBooterWhoseAppLiesPastItsPayloadFailsNovaFwWithTheProbesReason() throws IOException {
        Chipset chip = Chipset.GA102;
        Path dir = GpuFirmwareGenerator.generate(chip, tmp.resolve("fw"));
        String name = FirmwareNames.path(chip, FirmwareNames.BOOTER_LOAD, GpuFirmwareGenerator.defaultVersion(chip));
        Path f = dir.resolve(name);
        byte[] b = Files.readAllBytes(f);
        MemorySegment s = MemorySegment.ofArray(b);
        BooterFirmware ok = BooterFirmware.parse(name, s);
        // app 0's length: past the payload
        s.set(U32, ok.hs().headerOffset() + 24, (int) ok.bin().header().dataSize() + 1);
        Files.write(f, b);
        DriverException fw = fwFails(f);
        assertEquals(Errno.EINVAL, fw.errno());
        assertTrue(fw.getMessage().contains("HsLoadHeaderV2App 0") && fw.getMessage().contains("app code"),
                fw.getMessage());
        DriverException probe = probeFails(chip, dir);
        assertEquals(Errno.EINVAL, probe.errno());
        // one parser, one verdict: the probe names the same structure, offset and reason
        String reason = fw.getMessage().substring(fw.getMessage().indexOf("HsLoadHeaderV2App 0"));
        assertTrue(probe.getMessage().endsWith(reason), probe.getMessage() + " / " + reason);
        // the same bytes under a name that does not say what they are: still refused, both readings named
        Path anon = tmp.resolve("anon.bin");
        Files.write(anon, b);
        DriverException a = fwFails(anon);
        assertTrue(a.getMessage().contains("neither a booter") && a.getMessage().contains("app code"), a.getMessage());
    }

    @Test
    void aGspElfWhoseShstrndxNamesNoStringTableIsRefusedNotListedAsNullSections() throws IOException {
        Chipset chip = Chipset.AD102;
        Path dir = GpuFirmwareGenerator.generate(chip, tmp.resolve("fw"));
        Path f = dir.resolve(FirmwareNames.path(chip, FirmwareNames.GSP, GpuFirmwareGenerator.defaultVersion(chip)));
        byte[] b = Files.readAllBytes(f);
        MemorySegment.ofArray(b).set(U16, E_SHSTRNDX, (short) 0);
        Files.write(f, b);
        DriverException fw = fwFails(f);
        assertEquals(Errno.EINVAL, fw.errno());
        assertTrue(fw.getMessage().contains("e_shstrndx 0") && fw.getMessage().contains("not SHT_STRTAB"),
                fw.getMessage());
        assertTrue(probeFails(chip, dir).getMessage().contains("not SHT_STRTAB"));
    }

    @Test
    void binLsIsNoFirmware() {
        DriverException e = fwFails(Path.of("/bin/ls"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("/bin/ls") && e.getMessage().contains("not a GSP firmware image"),
                e.getMessage());
    }

    @Test
    void bytesThatAreNoFirmwareAreRefusedWithTheReason() throws IOException {
        Path f = tmp.resolve("notes.txt");
        Files.writeString(f, "these are notes, not firmware\n", StandardCharsets.US_ASCII);
        DriverException e = fwFails(f);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("not a firmware file"), e.getMessage());
    }

    @Test
    void aNamedGspImageWithoutItsChipsSignatureSectionIsRefusedAsTheProbeRefusesIt() throws IOException {
        Chipset chip = Chipset.GA102;
        String release = GpuFirmwareGenerator.defaultVersion(chip);
        byte[] gsp = GpuFirmwareGenerator.files(chip).get(FirmwareNames.path(chip, FirmwareNames.GSP, release));
        // the same bytes in the folder of a chip whose family the image carries no signatures for
        Path other = tmp.resolve(FirmwareNames.path(Chipset.GB202, FirmwareNames.GSP, release));
        Files.createDirectories(other.getParent());
        Files.write(other, gsp);
        DriverException e = fwFails(other);
        assertTrue(e.getMessage().contains(Chipset.GB202.gspSignatureSection()), e.getMessage());
        // and in its own folder it is valid
        Path own = tmp.resolve(FirmwareNames.path(chip, FirmwareNames.GSP, release));
        Files.createDirectories(own.getParent());
        Files.write(own, gsp);
        String text = NovaCommands.describe(own.toString(), MemorySegment.ofArray(gsp));
        assertTrue(text.contains("GSP firmware " + release), text);
        Elf64 elf = Elf64.parse("gsp", MemorySegment.ofArray(gsp));
        assertTrue(text.contains(String.format("%d sections", elf.sections().size())), text);
    }

    @Test
    void describeThrowsOnlyFormatExceptionsForBadBytes() {
        assertThrows(FormatException.class, () -> NovaCommands.describe("x", MemorySegment.ofArray(new byte[3])));
    }
}
