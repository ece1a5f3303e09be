package org.nova.driver.firmware.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nova.devres.DevresScope;
import org.nova.devres.DevresTracker;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;

class FirmwareSearchTest {
    @TempDir
    Path tmp;
    Path first;
    Path second;
    DevresTracker tracker;
    DevresScope scope;
    FirmwareSearch loader;

    @BeforeEach
    void setUp() throws Exception {
        first = Files.createDirectories(tmp.resolve("first"));
        second = Files.createDirectories(tmp.resolve("second"));
        Files.createDirectories(second.resolve("nvidia/ga102/gsp"));
        Files.write(second.resolve("nvidia/ga102/gsp/gsp-535.113.01.bin"), new byte[] {1, 2, 3, 4});
        tracker = new DevresTracker();
        scope = tracker.newScope("0000:01:00.0");
        loader = new FirmwareSearch(List.of(first, second));
    }

    @Test
    void requestMapsTheFileReadOnlyAndDevresUnmapsIt() {
        Firmware fw = loader.request("nvidia/ga102/gsp/gsp-535.113.01.bin", scope);
        assertArrayEquals(new byte[] {1, 2, 3, 4}, fw.data().toArray(ValueLayout.JAVA_BYTE));
        assertTrue(fw.data().isReadOnly());
        assertTrue(fw.data().isMapped());
        assertEquals(4, fw.size());
        assertEquals(second.resolve("nvidia/ga102/gsp/gsp-535.113.01.bin"), fw.path());
        assertEquals("nvidia/ga102/gsp/gsp-535.113.01.bin", fw.name());
        assertEquals(1, scope.liveCount());
        assertTrue(scope.entries().get(0).name().contains("gsp-535.113.01.bin"));
        assertThrows(IllegalArgumentException.class,
                () -> fw.data().set(ValueLayout.JAVA_BYTE, 0, (byte) 9));
        assertEquals(1, scope.releaseAll());
        assertTrue(fw.isClosed());
        assertEquals(0, tracker.liveTotal());
        // a mapping held after unbind cannot be touched
        assertThrows(IllegalStateException.class, () -> fw.data().get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void theFirstDirectoryWins() throws Exception {
        Files.createDirectories(first.resolve("nvidia/ga102/gsp"));
        Files.write(first.resolve("nvidia/ga102/gsp/gsp-535.113.01.bin"), new byte[] {9});
        Firmware fw = loader.request("nvidia/ga102/gsp/gsp-535.113.01.bin", scope);
        assertEquals(first.resolve("nvidia/ga102/gsp/gsp-535.113.01.bin"), fw.path());
        assertEquals(1, fw.size());
    }

    @Test
    void symlinksInsideTheSearchPathAreFollowed() throws Exception {
        Files.createDirectories(second.resolve("nvidia/ga103/gsp"));
        Files.createSymbolicLink(second.resolve("nvidia/ga103/gsp/gsp-535.113.01.bin"),
                Path.of("../../ga102/gsp/gsp-535.113.01.bin"));
        Firmware fw = loader.request("nvidia/ga103/gsp/gsp-535.113.01.bin", scope);
        assertEquals(4, fw.size());
    }

    @Test
    void missingFirmwareIsEnoentNamingEveryDirectory() {
        DriverException e = assertThrows(DriverException.class,
                () -> loader.request("nvidia/tu102/gsp/gsp-535.113.01.bin", scope));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("nvidia/tu102/gsp/gsp-535.113.01.bin"), e.getMessage());
        assertTrue(e.getMessage().contains(first.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(second.toString()), e.getMessage());
        assertEquals(0, scope.liveCount());
        DriverException quiet = assertThrows(DriverException.class,
                () -> loader.requestNowarn("nvidia/tu102/gsp/booter_load-535.113.01.bin", scope));
        assertEquals(Errno.ENOENT, quiet.errno());
    }

    @Test
    void aDirectoryIsNotAFirmware() {
        DriverException e = assertThrows(DriverException.class,
                () -> loader.request("nvidia/ga102/gsp", scope));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "../second/nvidia/ga102/gsp/gsp-535.113.01.bin",
        "nvidia/../../etc/passwd", "nvidia//ga102", "nvidia/ga102/", "nvidia\\ga102", "a\0b"})
    void badNamesAreEinval(String name) {
        DriverException e = assertThrows(DriverException.class, () -> loader.request(name, scope));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertEquals(0, scope.liveCount());
    }

    /** A NUL in a refused name once reached the warning raw and so every CI log (issue 13). */
    @Test
    void theWarningForANameWithANulCarriesNoControlCharacter() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // slf4j-simple, the unit tests' provider, writes to whatever System.err is at the time
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThrows(DriverException.class, () -> loader.request("nv\0idia\u001b[0m/x", scope));
        } finally {
            System.setErr(err);
        }
        String line = captured.toString(StandardCharsets.UTF_8);
        assertTrue(line.contains("Direct firmware load for nv\\x00idia\\x1b[0m/x failed"), line);
        assertTrue(line.chars().noneMatch(c -> Character.isISOControl(c) && c != '\n'), line);
    }

    @Test
    void aGoneDeviceGetsNothingAndNothingStaysMapped() {
        scope.kill();
        DriverException e = assertThrows(DriverException.class,
                () -> loader.request("nvidia/ga102/gsp/gsp-535.113.01.bin", scope));
        assertEquals(Errno.ENODEV, e.errno());
        assertEquals(0, tracker.liveTotal());
    }

    @Test
    void earlyReleaseIsIdempotent() {
        Firmware fw = loader.request("nvidia/ga102/gsp/gsp-535.113.01.bin", scope);
        fw.close();
        fw.close();
        assertTrue(fw.isClosed());
        assertEquals(1, scope.releaseAll());
        assertTrue(scope.lastReleaseFailures().isEmpty());
    }

    @Test
    void searchPathPutsThePropertyFirstAndDropsDuplicates() {
        String prop = first + File.pathSeparator + second;
        List<Path> fwPath = FirmwareSearch.fwPath(Path.of("/lib/firmware"), "6.1.0-18-amd64");
        List<Path> path = FirmwareSearch.compose(prop, new String[] {"/lib/firmware",
            second.toString(), "/usr/lib/firmware"}, fwPath);
        assertEquals(List.of(first, second, Path.of("/lib/firmware"),
                Path.of("/usr/lib/firmware"), Path.of("/lib/firmware/updates/6.1.0-18-amd64"),
                Path.of("/lib/firmware/updates"), Path.of("/lib/firmware/6.1.0-18-amd64")), path);
        assertEquals(List.of(Path.of("/lib/firmware"), Path.of("/usr/lib/firmware")),
                FirmwareSearch.compose(null, new String[] {"/lib/firmware", "/usr/lib/firmware"}, List.of()));
        loader.setSearchPath(List.of());
        DriverException e = assertThrows(DriverException.class,
                () -> loader.request("nvidia/ga102/gsp/gsp-535.113.01.bin", scope));
        assertTrue(e.getMessage().contains("search path is empty"), e.getMessage());
        assertFalse(FirmwareSearch.exists(tmp.resolve("nope")));
    }

    @Test
    void unreadableFileIsEio() throws Exception {
        Path f = second.resolve("nvidia/ga102/gsp/bootloader-535.113.01.bin");
        Files.write(f, new byte[] {1});
        f.toFile().setReadable(false);
        try {
            if (Files.isReadable(f)) {
                // root reads whatever its mode says; a write-only sysfs attribute it cannot open for
                // reading (kernfs refuses a read open without a show method: EACCES), and it is a
                // regular file, so the loader finds it and fails to read it
                Path writeOnly = Path.of(WRITE_ONLY_SYSFS_ATTRIBUTE);
                assertTrue(Files.isRegularFile(writeOnly), WRITE_ONLY_SYSFS_ATTRIBUTE
                        + " is needed to make a file root cannot read (is /sys mounted?)");
                Files.delete(f);
                Files.createSymbolicLink(f, writeOnly);
            }
            DriverException e = assertThrows(DriverException.class,
                    () -> loader.request("nvidia/ga102/gsp/bootloader-535.113.01.bin", scope));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
        } finally {
            f.toFile().setReadable(true);
        }
    }

    /** A sysfs attribute with mode 0200 on every Linux with PCI (drivers/pci/pci-sysfs.c rescan_store). */
    private static final String WRITE_ONLY_SYSFS_ATTRIBUTE = "/sys/bus/pci/rescan";

    @Test
    void anEmptyFileMapsToAnEmptySegment() throws Exception {
        Files.write(second.resolve("empty.bin"), new byte[0]);
        Firmware fw = loader.request("empty.bin", scope);
        assertEquals(0, fw.size());
        scope.releaseAll();
        assertTrue(fw.isClosed());
    }
}
