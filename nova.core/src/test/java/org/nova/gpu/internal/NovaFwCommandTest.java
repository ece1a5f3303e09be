package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareCompression;
import org.nova.gpu.internal.shell.NovaCommands;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.Elf64;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

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
    void aGenericBootloaderIsDescribedAsTheProbeReadsItAndATruncatedOneRefused() throws IOException {
        Chipset chip = Chipset.TU102;
        Path dir = GpuFirmwareGenerator.generate(chip, tmp.resolve("fw"));
        Path bl = dir.resolve(FirmwareNames.path(chip, FirmwareNames.GEN_BOOTLOADER, GpuFirmwareGenerator.VERSION));
        String text = commands.fw(bl.toString());
        assertTrue(text.contains("start_tag 0xfe") && text.contains("IMEM 0xfe00") && text.contains("boot 0xfe00"),
                text);
        byte[] b = Files.readAllBytes(bl);
        Files.write(bl, java.util.Arrays.copyOf(b, b.length - 1));
        DriverException e = fwFails(bl);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("data payload"), e.getMessage());
    }

    /**
     * Issue 17 item 5: nova:fw reads a firmware file as a distribution ships it, compressed, and says
     * of it what it says of the plain file: the same parsers, under the name without the suffix.
     */
    @Test
    void compressedFilesAreDescribedAsTheirPlainImages() throws IOException {
        Chipset chip = Chipset.GA102;
        Path dir = GpuFirmwareGenerator.generate(chip, tmp.resolve("fw"));
        String release = GpuFirmwareGenerator.defaultVersion(chip);
        for (String role : List.of(FirmwareNames.GSP, FirmwareNames.BOOTER_LOAD, FirmwareNames.BOOTLOADER)) {
            Path plain = dir.resolve(FirmwareNames.path(chip, role, release));
            byte[] bytes = Files.readAllBytes(plain);
            String expected = commands.fw(plain.toString());
            Path zst = Files.write(Path.of(plain + FirmwareCompression.ZSTD.suffix()), zstd(bytes));
            Path xz = Files.write(Path.of(plain + FirmwareCompression.XZ.suffix()), xz(bytes));
            Files.delete(plain);
            assertEquals(expected, commands.fw(zst.toString()), role + ".zst");
            assertEquals(expected, commands.fw(xz.toString()), role + ".xz");
        }
        Path booter = dir.resolve(FirmwareNames.path(chip, FirmwareNames.BOOTER_LOAD, release) + ".zst");
        byte[] cut = Files.readAllBytes(booter);
        Files.write(booter, Arrays.copyOf(cut, cut.length / 2));
        DriverException e = fwFails(booter);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains(booter + ": truncated or corrupt zstd data"), e.getMessage());
    }

    private static byte[] zstd(byte[] data) {
        ZstdJavaCompressor c = new ZstdJavaCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        return Arrays.copyOf(out, c.compress(data, 0, data.length, out, 0, out.length));
    }

    private static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (XZOutputStream out = new XZOutputStream(bytes, new LZMA2Options(0), XZ.CHECK_CRC32)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    @Test
    void describeThrowsOnlyFormatExceptionsForBadBytes() {
        assertThrows(FormatException.class, () -> NovaCommands.describe("x", MemorySegment.ofArray(new byte[3])));
    }
}
