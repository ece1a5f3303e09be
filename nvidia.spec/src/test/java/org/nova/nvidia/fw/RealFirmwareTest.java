package org.nova.nvidia.fw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;

/**
 * Every real {@code nvidia/<chip>/gsp/*-535.113.01.bin} of Debian's firmware-nvidia-graphics,
 * parsed, and checked against facts obtained without our parser: {@code readelf -S -W} for the
 * ELF section tables, {@code od} word dumps for the binary headers, file sizes from the file
 * system. The package is unpacked by {@code nvidia.spec/fw-fetch.sh}; the system property
 * {@code nova.firmware.dir} names the unpacked root (the folder holding {@code nvidia/}, or the
 * package root holding {@code lib/firmware/nvidia/}).
 */
class RealFirmwareTest {
    private static final String VERSION = FirmwareNames.VERSION_535_113_01;
    private static Arena arena;

    @BeforeAll
    static void open() {
        arena = Arena.ofShared();
    }

    @AfterAll
    static void close() {
        arena.close();
    }

    static Path firmwareDir() {
        String p = System.getProperty("nova.firmware.dir");
        if (p == null || p.isBlank()) {
            fail("system property nova.firmware.dir is not set: run nvidia.spec/fw-fetch.sh and "
                    + "pass the directory it prints (-Dnova.firmware.dir=...) to the build");
        }
        Path root = Path.of(p);
        for (Path c : List.of(root, root.resolve("lib/firmware"), root.resolve("usr/lib/firmware"))) {
            if (Files.isDirectory(c.resolve("nvidia"))) {
                return c;
            }
        }
        return fail("nova.firmware.dir=" + p + " holds no nvidia/ folder: run "
                + "nvidia.spec/fw-fetch.sh again and pass the directory it prints");
    }

    static Stream<Chipset> chips() {
        return Arrays.stream(Chipset.values()).filter(Chipset::hasGspFirmware535);
    }

    private static MemorySegment map(Path f) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        }
    }

    private static Path file(Chipset chip, String name) {
        Path f = firmwareDir().resolve(FirmwareNames.path(chip, name, VERSION));
        assertTrue(Files.isRegularFile(f), "the package must carry " + f);
        return f;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    /** {@code od -A n -t u4 -v} of the first {@code words} u32 of a file. */
    private static long[] odWords(Path f, long offset, int words) throws Exception {
        String out = run("od", "-A", "n", "-t", "u4", "-v", "-j", Long.toString(offset), "-N",
                Integer.toString(words * 4), f.toString());
        long[] w = Arrays.stream(out.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
        assertEquals(words, w.length, "od words of " + f);
        return w;
    }

    private record ReadelfSection(int index, String name, long offset, long size) {
    }

    private static final Pattern SECTION = Pattern.compile(
            "^\\s*\\[\\s*(\\d+)\\]\\s+(\\S+)\\s+(\\S+)\\s+([0-9a-f]{16})\\s+([0-9a-f]+)\\s+"
                    + "([0-9a-f]+)\\s");

    private static List<ReadelfSection> readelf(Path f) throws Exception {
        List<ReadelfSection> out = new ArrayList<>();
        for (String line : run("readelf", "-S", "-W", f.toString()).split("\n")) {
            Matcher m = SECTION.matcher(line);
            if (m.find() && !m.group(1).equals("0")) {
                out.add(new ReadelfSection(Integer.parseInt(m.group(1)), m.group(2),
                        Long.parseLong(m.group(5), 16), Long.parseLong(m.group(6), 16)));
            }
        }
        assertFalse(out.isEmpty(), "readelf listed no sections for " + f);
        return out;
    }

    @Test
    void thePackageCarriesEveryChipNovaCoreNames() {
        Path dir = firmwareDir();
        chips().forEach(chip -> {
            for (String name : FirmwareNames.ALL) {
                assertTrue(Files.isRegularFile(dir.resolve(FirmwareNames.path(chip, name,
                        VERSION))), chip + " " + name);
            }
        });
        assertEquals(16, chips().count());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void gspElfSectionsMatchReadelf(Chipset chip) throws Exception {
        Path f = file(chip, FirmwareNames.GSP);
        MemorySegment seg = map(f);
        GspFirmware g = GspFirmware.parse(f.toString(), seg);
        List<ReadelfSection> expected = readelf(f);
        List<Elf64.Section> actual = g.elf().sections().subList(1, g.elf().sections().size());
        assertEquals(expected.size(), actual.size(), "section count of " + f);
        for (int i = 0; i < expected.size(); i++) {
            ReadelfSection e = expected.get(i);
            Elf64.Section a = actual.get(i);
            assertEquals(e.index(), a.index());
            assertEquals(e.name(), a.name(), "name of section " + e.index());
            assertEquals(e.offset(), a.offset(), "offset of " + e.name());
            assertEquals(e.size(), a.size(), "size of " + e.name());
        }
        assertEquals(VERSION, g.version());
        assertEquals(g.elf().section(".fwimage").orElseThrow().size(), g.imageSize());
        // zero-copy: the image is a view of the mapped file, not a copy
        assertEquals(seg.address() + 0x40, g.image().address());
        assertEquals(4096, g.signatures(chip).byteSize());
        assertTrue(g.signatureSections().contains(chip.gspSignatureSection()));
        assertEquals(Files.size(f), seg.byteSize());
        Radix3.Layout l = Radix3.layout(g.imageSize());
        assertEquals((g.imageSize() + 4095) / 4096, l.imagePages());
        assertEquals(1, l.level1Pages());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void boosterHeadersMatchOdDumps(Chipset chip) throws Exception {
        for (String name : List.of(FirmwareNames.BOOTER_LOAD, FirmwareNames.BOOTER_UNLOAD)) {
            Path f = file(chip, name);
            BooterFirmware b = BooterFirmware.parse(f.toString(), map(f));
            long[] bin = odWords(f, 0, 6);
            BinHeader h = b.bin().header();
            assertEquals(0x10de, bin[0]);
            assertEquals(List.of(bin[0], bin[1], bin[2], bin[3], bin[4], bin[5]), List.of(
                    h.magic(), h.version(), h.binSize(), h.headerOffset(), h.dataOffset(),
                    h.dataSize()));
            // the payload ends the file
            assertEquals(Files.size(f), h.dataOffset() + h.dataSize(), f.toString());
            long[] hs = odWords(f, h.headerOffset(), 9);
            HsHeaderV2 x = b.hs();
            assertEquals(List.of(hs[0], hs[1], hs[2], hs[3], hs[4], hs[5], hs[6], hs[7], hs[8]),
                    List.of(x.sigProdOffset(), x.sigProdSize(), x.patchLocOffset(),
                            x.patchSigOffset(), x.metaDataOffset(), x.metaDataSize(),
                            x.numSigOffset(), x.headerOffset(), x.headerSize()));
            long numSig = odWords(f, x.numSigOffset(), 1)[0];
            assertEquals(numSig, b.signatures().size());
            assertTrue(numSig >= 1, "the real booters are signed");
            assertEquals(x.sigProdSize(), numSig * b.signatureSize());
            assertEquals(odWords(f, x.patchLocOffset(), 1)[0], b.patchLocation());
            long[] meta = odWords(f, x.metaDataOffset(), 3);
            assertEquals(new HsSignatureParams(meta[0], meta[1], meta[2]), b.params());
            long[] load = odWords(f, x.headerOffset(), 5);
            assertEquals(load[4], b.load().apps().size());
            // each app has a code pair and a data pair (OpenRM); nova-core reads the code pair
            assertEquals(x.headerSize(), HsLoadHeaderV2.SIZE + load[4] * 2 * HsLoadHeaderV2.APP_SIZE);
            long[] app0 = odWords(f, x.headerOffset() + HsLoadHeaderV2.SIZE, 2);
            assertEquals(new HsLoadHeaderV2.App(app0[0], app0[1]), b.imemSecLoad());
            assertEquals(load[2], b.load().osDataOffset());
            assertTrue(b.pkcDataOffset() >= 0 && b.pkcDataOffset() < b.load().osDataSize());
            assertTrue(b.patchLocation() + b.signatureSize() <= h.dataSize());
            MemorySegment sig = b.signatureFor(BooterFirmware.FUSE_VERSION_USE_LAST_SIG);
            assertEquals(b.signatureSize(), sig.byteSize());
        }
    }

    @ParameterizedTest
    @MethodSource("chips")
    void bootloaderDescriptorMatchesOdDump(Chipset chip) throws Exception {
        Path f = file(chip, FirmwareNames.BOOTLOADER);
        RiscvFirmware r = RiscvFirmware.parse(f.toString(), map(f));
        BinHeader h = r.bin().header();
        assertEquals(Files.size(f), h.dataOffset() + h.dataSize());
        int fields = (int) ((h.dataOffset() - h.headerOffset()) / 4);
        assertEquals(fields, r.desc().fieldCount());
        long[] w = odWords(f, h.headerOffset(), fields);
        RiscvUcodeDesc d = r.desc();
        long[] parsed = {d.version(), d.bootloaderOffset(), d.bootloaderSize(),
            d.bootloaderParamOffset(), d.bootloaderParamSize(), d.riscvElfOffset(),
            d.riscvElfSize(), d.appVersion(), d.manifestOffset(), d.manifestSize(),
            d.monitorDataOffset(), d.monitorDataSize(), d.monitorCodeOffset(),
            d.monitorCodeSize(), d.isMonitorEnabled(), d.swbromCodeOffset(), d.swbromCodeSize(),
            d.swbromDataOffset(), d.swbromDataSize(), d.fbReservedSize(), d.signedAsCode()};
        assertEquals(Arrays.toString(w), Arrays.toString(Arrays.copyOf(parsed, fields)));
        // version 4 (Turing, GA100) carries 19 fields, version 5 (GA10x, AD10x) 21
        assertEquals(d.version() == 4 ? 19 : 21, fields);
        assertTrue(d.bootloaderOffset() + d.bootloaderSize() <= h.dataSize());
    }

    /** The simulator's images must be real ELF: readelf reads what Elf64Builder writes. */
    @Test
    void readelfAcceptsTheBuiltGspImage() throws Exception {
        firmwareDir();
        Path f = Files.createTempFile("nova-gsp-", ".bin");
        try {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment elf = new Elf64Builder()
                        .section(".fwimage", MemorySegment.ofArray(new byte[8192 + 5]), 3)
                        .section(".fwversion", "570.144".getBytes(StandardCharsets.US_ASCII))
                        .section(".fwsignature_gb20x", new byte[4096]).build(a);
                Files.write(f, elf.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            List<ReadelfSection> sections = readelf(f);
            assertEquals(List.of(".fwimage", ".fwversion", ".fwsignature_gb20x", ".shstrtab"),
                    sections.stream().map(ReadelfSection::name).toList());
            Elf64 ours = Elf64.parse(f.toString(), map(f));
            for (ReadelfSection r : sections) {
                Elf64.Section o = ours.section(r.name()).orElseThrow();
                assertEquals(r.offset(), o.offset(), r.name());
                assertEquals(r.size(), o.size(), r.name());
            }
            assertTrue(run("readelf", "-h", f.toString()).contains("RISC-V"));
        } finally {
            Files.deleteIfExists(f);
        }
    }
}
