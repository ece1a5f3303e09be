package org.nova.driver.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import io.airlift.compress.v3.zstd.ZstdCompressor;
import io.airlift.compress.v3.zstd.ZstdJavaCompressor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.devres.DevresScope;
import org.nova.devres.DevresTracker;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.internal.FirmwareSearch;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * Issue 17 item 5: the loader finds firmware where and in the forms the kernel's firmware_class
 * does (drivers/base/firmware_loader/main.c): firmware_class.path, then fw_path's four
 * directories, each pass over them for the plain file, then {@code .zst}, then {@code .xz}; a
 * compressed image is byte-identical to the file it came from; a truncated or corrupt one fails
 * naming the file, and nothing stays held. Every directory is under a temporary root, never the
 * machine's /lib/firmware.
 */
class CompressedFirmwareTest {
    /** The release the temporary fw_path is built for. */
    private static final String RELEASE = "6.1.0-99-test";
    private static final String NAME = "nvidia/tu102/gsp/gsp-535.113.01.bin";

    @TempDir
    Path tmp;
    Path custom;
    Path root;
    DevresTracker tracker;
    DevresScope scope;
    FirmwareSearch loader;
    int liveBefore;

    @BeforeEach
    void setUp() {
        custom = tmp.resolve("custom");
        root = tmp.resolve("lib/firmware");
        tracker = new DevresTracker();
        scope = tracker.newScope("0000:01:00.0");
        loader = loader(FirmwareLoader.MAX_SIZE);
        liveBefore = Firmware.liveImages();
    }

    @AfterEach
    void nothingStaysHeld() {
        scope.releaseAll();
        assertEquals(0, tracker.liveTotal(), "devres entries left");
        assertEquals(liveBefore, Firmware.liveImages(), "firmware images left unreleased");
    }

    private FirmwareSearch loader(long maxSize) {
        List<Path> path = Stream.concat(Stream.of(custom), FirmwareSearch.fwPath(root, RELEASE).stream()).toList();
        return new FirmwareSearch(path, maxSize);
    }

    private static Path write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, bytes);
    }

    /** zstd as the zstd tool writes a file: one frame, its content size and checksum declared. */
    static byte[] zstd(byte[] data) {
        ZstdCompressor c = new ZstdJavaCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        return Arrays.copyOf(out, c.compress(data, 0, data.length, out, 0, out.length));
    }

    /** xz as linux-firmware's copy-firmware.sh writes it: CRC32 checks (the kernel's decoder has no others). */
    static byte[] xz(byte[] data, int preset) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (XZOutputStream out = new XZOutputStream(bytes, new LZMA2Options(preset), XZ.CHECK_CRC32)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    static byte[] compress(FirmwareCompression c, byte[] data) throws IOException {
        return switch (c) {
            case NONE -> data;
            case ZSTD -> zstd(data);
            case XZ -> xz(data, 0);
        };
    }

    private static byte[] bytes(Firmware fw) {
        return fw.data().toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private DriverException fails(String name) {
        DriverException e = assertThrows(DriverException.class, () -> loader.request(name, scope));
        assertEquals(0, scope.liveCount(), "a failed request registers nothing");
        return e;
    }

    @Test
    void theDirectoriesAreSearchedInTheKernelsOrder() throws IOException {
        List<Path> order = List.of(custom, root.resolve("updates").resolve(RELEASE), root.resolve("updates"),
                root.resolve(RELEASE), root);
        assertEquals(order, loader.searchPath());
        for (Path dir : order) {
            write(dir.resolve(NAME), text(dir.toString()));
        }
        for (Path dir : order) {
            try (Firmware fw = loader.open(NAME)) {
                assertEquals(dir.resolve(NAME), fw.path());
                assertArrayEquals(text(dir.toString()), bytes(fw));
            }
            Files.delete(dir.resolve(NAME));
        }
    }

    @Test
    void aPlainFileAnywhereWinsOverAZstdOneBeforeIt_andZstdAnywhereOverXz() throws IOException {
        Path updates = root.resolve("updates").resolve(RELEASE);
        write(custom.resolve(NAME + ".xz"), xz(text("xz in the configured path"), 0));
        write(updates.resolve(NAME + ".zst"), zstd(text("zst in updates/" + RELEASE)));
        write(root.resolve(NAME), text("plain in /lib/firmware"));
        try (Firmware fw = loader.open(NAME)) {
            assertEquals(FirmwareCompression.NONE, fw.compression());
            assertArrayEquals(text("plain in /lib/firmware"), bytes(fw));
        }
        Files.delete(root.resolve(NAME));
        try (Firmware fw = loader.open(NAME)) {
            assertEquals(FirmwareCompression.ZSTD, fw.compression());
            assertEquals(updates.resolve(NAME + ".zst"), fw.path());
            assertEquals(NAME, fw.name());
            assertArrayEquals(text("zst in updates/" + RELEASE), bytes(fw));
        }
        Files.delete(updates.resolve(NAME + ".zst"));
        try (Firmware fw = loader.open(NAME)) {
            assertEquals(FirmwareCompression.XZ, fw.compression());
            assertArrayEquals(text("xz in the configured path"), bytes(fw));
        }
    }

    @Test
    void withoutAnyFormTheErrorIsEnoentNamingTheSuffixesTried() {
        DriverException e = fails(NAME);
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(".zst, .xz"), e.getMessage());
        assertTrue(e.getMessage().contains(root.resolve("updates").resolve(RELEASE).toString()), e.getMessage());
    }

    static Stream<Path> realFirmware() throws IOException {
        String p = System.getProperty("nova.firmware.dir");
        if (p == null || p.isBlank()) {
            fail("system property nova.firmware.dir is not set: run nvidia.spec/fw-fetch.sh and pass "
                    + "-Dnova.firmware.dir=$(nvidia.spec/fw-fetch.sh | tail -1)");
        }
        List<Path> files = new ArrayList<>();
        for (String chip : List.of("tu102", "ga102")) {
            for (String file : List.of("gsp", "booter_load", "booter_unload", "bootloader")) {
                Path f = Path.of(p, "nvidia", chip, "gsp", file + "-535.113.01.bin");
                if (!Files.isRegularFile(f)) {
                    fail("nova.firmware.dir=" + p + " has no " + f + ": run nvidia.spec/fw-fetch.sh again");
                }
                // one GSP image (TU10x's, 24 MB) is enough: GA102's (38 MB) would add 17 s of xz compression
                if (!(chip.equals("ga102") && file.equals("gsp"))) {
                    files.add(f);
                }
            }
        }
        return files.stream();
    }

    /** The real 535.113.01 files, compressed each way, load byte for byte as the plain files map. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("realFirmware")
    void realFirmwareCompressedBothWaysLoadsByteIdentical(Path original) throws IOException {
        String name = "nvidia/" + original.getParent().getParent().getFileName() + "/gsp/" + original.getFileName();
        byte[] plain = Files.readAllBytes(original);
        for (FirmwareCompression c : List.of(FirmwareCompression.ZSTD, FirmwareCompression.XZ)) {
            Path file = write(root.resolve(name + c.suffix()), compress(c, plain));
            assertTrue(Files.size(file) < plain.length, "compressed smaller");
            Firmware fw = loader.request(name, scope);
            assertEquals(c, fw.compression());
            assertEquals(plain.length, fw.size());
            assertTrue(fw.data().isReadOnly());
            assertFalse(fw.data().isMapped(), "the image is held, not the compressed file");
            assertEquals(-1, fw.data().mismatch(MemorySegment.ofArray(plain)),
                    c + " image differs from " + original);
            assertEquals(1, scope.releaseAll());
            assertTrue(fw.isClosed());
            assertEquals(liveBefore, Firmware.liveImages());
            Files.delete(file);
        }
    }

    @ParameterizedTest
    @EnumSource(value = FirmwareCompression.class, names = {"ZSTD", "XZ"})
    void aTruncatedFileIsEinvalNamingTheFile(FirmwareCompression c) throws IOException {
        byte[] whole = compress(c, text(("x".repeat(10_000) + "firmware").repeat(4)));
        Path file = write(root.resolve(NAME + c.suffix()), Arrays.copyOf(whole, whole.length * 2 / 3));
        DriverException e = fails(NAME);
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = FirmwareCompression.class, names = {"ZSTD", "XZ"})
    void corruptDataIsEinvalNamingTheFile(FirmwareCompression c) throws IOException {
        byte[] data = new byte[200_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 ^ i >> 9);
        }
        byte[] bad = compress(c, data);
        bad[bad.length / 2] ^= 0x5a;
        Path file = write(root.resolve(NAME + c.suffix()), bad);
        DriverException e = fails(NAME);
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = FirmwareCompression.class, names = {"ZSTD", "XZ"})
    void aFileThatIsNoCompressedDataAtAllIsEinval(FirmwareCompression c) throws IOException {
        Path file = write(root.resolve(NAME + c.suffix()), text("this is not compressed"));
        DriverException e = fails(NAME);
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    /** fw_decompress_zstd refuses a frame whose header does not give the size (ZSTD_CONTENTSIZE_UNKNOWN). */
    @Test
    void aZstdFrameWithoutItsContentSizeIsEinval() throws IOException {
        byte[] payload = text("firmware");
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.writeBytes(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}); // magic
        frame.write(0x00); // frame header descriptor: no content size, no checksum, not single segment
        frame.write(0x00); // window descriptor: 1 KiB
        int blockHeader = 1 | payload.length << 3; // last block, raw, its size
        frame.writeBytes(new byte[] {(byte) blockHeader, (byte) (blockHeader >> 8), (byte) (blockHeader >> 16)});
        frame.writeBytes(payload);
        Path file = write(root.resolve(NAME + ".zst"), frame.toByteArray());
        DriverException e = fails(NAME);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains(file + ": the zstd frame does not declare its decompressed size"),
                e.getMessage());
    }

    /**
     * An xz stream whose LZMA2 dictionary would take 512 MiB is refused before the decoder asks the heap
     * for it: ENOMEM, the kernel's answer when xz_dec cannot have its memory (XZ_MEM_ERROR).
     */
    @Test
    void anXzNeedingMoreMemoryThanTheDecoderMayHaveIsEnomem() throws IOException {
        byte[] xz = xz(text("small image, huge dictionary"), 0);
        // .xz file format 3.1: the block header follows the 12-byte stream header; with one filter and no
        // sizes it is [size][flags][filter id 0x21][props size 1][dictionary][3 padding][CRC32]
        int block = 12;
        assertEquals(0x21, xz[block + 2], "the LZMA2 filter where the format puts it");
        xz[block + 4] = 34; // dictionary code 34: 2 << (34 / 2 + 11) bytes = 512 MiB
        CRC32 crc = new CRC32();
        crc.update(xz, block, 8);
        for (int i = 0; i < 4; i++) {
            xz[block + 8 + i] = (byte) (crc.getValue() >>> 8 * i);
        }
        Path file = write(root.resolve(NAME + ".xz"), xz);
        DriverException e = fails(NAME);
        assertEquals(Errno.ENOMEM, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(file + ": the xz decoder would need"), e.getMessage());
    }

    /** A file found but broken is the request's answer: the next compression is not tried instead. */
    @Test
    void aCorruptZstdDoesNotFallThroughToXz() throws IOException {
        byte[] bad = zstd(text("y".repeat(5000)));
        Path zst = write(root.resolve(NAME + ".zst"), Arrays.copyOf(bad, bad.length - 5));
        write(root.resolve(NAME + ".xz"), xz(text("good xz"), 0));
        DriverException e = fails(NAME);
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains(zst.toString()), e.getMessage());
    }

    /** As the kernel's loop does, a broken file in one directory does not hide a good one in a later directory. */
    @Test
    void aCorruptFileDoesNotHideAGoodOneInALaterDirectory() throws IOException {
        write(root.resolve("updates").resolve(NAME + ".zst"), text("not zstd"));
        write(root.resolve(NAME + ".zst"), zstd(text("good zstd")));
        try (Firmware fw = loader.open(NAME)) {
            assertArrayEquals(text("good zstd"), bytes(fw));
            assertEquals(root.resolve(NAME + ".zst"), fw.path());
        }
    }

    /** kernel_read_file's EFBIG: for the plain file, and for what a compressed one decompresses to. */
    @Test
    void overTheLimitIsEfbigForPlainAndDecompressedAlike() throws IOException {
        loader = loader(1000);
        write(root.resolve("big.bin"), new byte[1001]);
        assertEquals(Errno.EFBIG, fails("big.bin").errno());
        for (FirmwareCompression c : List.of(FirmwareCompression.ZSTD, FirmwareCompression.XZ)) {
            Path file = write(root.resolve("big-" + c + ".bin" + c.suffix()), compress(c, new byte[4096]));
            assertTrue(Files.size(file) < 1000, "the compressed file is under the limit");
            DriverException e = fails("big-" + c + ".bin");
            assertEquals(Errno.EFBIG, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(file + " decompresses to 4096 bytes, over the loader's limit of 1000"),
                    e.getMessage());
        }
        write(root.resolve("fits.bin"), new byte[1000]);
        try (Firmware fw = loader.open("fits.bin")) {
            assertEquals(1000, fw.size());
        }
    }

    /** A driver's early release_firmware and the scope's later release free a decompressed image once. */
    @Test
    void aDecompressedImageIsReleasedOnceByCloseOrByTheScope() throws IOException {
        write(root.resolve(NAME + ".xz"), xz(text("image"), 0));
        Firmware fw = loader.request(NAME, scope);
        assertEquals(liveBefore + 1, Firmware.liveImages());
        fw.close();
        fw.close();
        assertEquals(liveBefore, Firmware.liveImages());
        assertThrows(IllegalStateException.class, () -> fw.data().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(1, scope.releaseAll());
        assertTrue(scope.lastReleaseFailures().isEmpty());
        assertTrue(fw.toString().contains("decompressed"), fw.toString());
    }

    @Test
    void theCompressionOfAFileIsItsSuffix() {
        assertEquals(FirmwareCompression.ZSTD, FirmwareCompression.of("/lib/firmware/a.bin.zst"));
        assertEquals(FirmwareCompression.XZ, FirmwareCompression.of("a.bin.xz"));
        assertEquals(FirmwareCompression.NONE, FirmwareCompression.of("a.bin"));
        assertEquals("a.bin", FirmwareCompression.ZSTD.strip("a.bin.zst"));
        assertEquals("a.bin.xz", FirmwareCompression.ZSTD.strip("a.bin.xz"));
        assertEquals(List.of(FirmwareCompression.NONE, FirmwareCompression.ZSTD, FirmwareCompression.XZ),
                List.of(FirmwareCompression.values()), "the kernel's order: plain, then .zst, then .xz");
    }

    @Test
    void withoutAReleaseFwPathIsTheUpdatesFolderAndTheRoot() {
        assertEquals(List.of(root.resolve("updates"), root), FirmwareSearch.fwPath(root, ""));
        assertEquals(List.of(root.resolve("updates"), root), FirmwareSearch.fwPath(root, null));
        assertFalse(FirmwareSearch.kernelRelease().isBlank(), "the running kernel's release");
    }
}
