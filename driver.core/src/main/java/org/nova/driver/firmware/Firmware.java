package org.nova.driver.firmware;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A firmware file, memory-mapped read-only (the kernel's {@code struct firmware}).
 *
 * <p><b>Ownership and lifetime.</b> A firmware returned by {@link FirmwareLoader#request} is
 * owned by the device's devres scope: it is unmapped when the scope releases it (unbind,
 * failed probe), and the driver must not use {@link #data()} or slices of it afterwards — an
 * access then fails with {@link IllegalStateException} instead of touching unmapped memory.
 * A driver done with it earlier may {@link #close()} it ({@code release_firmware}); closing is
 * idempotent, so the scope's later release does nothing. A firmware from {@link #map} belongs
 * to the caller, who closes it.
 */
public final class Firmware implements AutoCloseable {
    private final String name;
    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Firmware(String name, Path path, Arena arena, MemorySegment data) {
        this.name = name;
        this.path = path;
        this.arena = arena;
        this.data = data;
    }

    /**
     * Maps a file read-only into a new shared arena. The caller owns the result.
     *
     * @param name the name to report (the requested firmware name)
     * @param file the file to map
     * @return the mapped firmware
     * @throws IOException if the file cannot be opened or mapped
     */
    public static Firmware map(String name, Path file) throws IOException {
        Objects.requireNonNull(name, "name");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new Firmware(name, file, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** @return the name the firmware was requested by */
    public String name() {
        return name;
    }

    /** @return the file that was mapped (after the search path was applied) */
    public Path path() {
        return path;
    }

    /**
     * @return the file's bytes: a read-only segment, valid until {@link #close()} or the owning
     *         devres scope releases the firmware
     */
    public MemorySegment data() {
        return data;
    }

    /** @return the file's size in bytes */
    public long size() {
        return data.byteSize();
    }

    /** @return true once unmapped */
    public boolean isClosed() {
        return closed.get();
    }

    /** Unmaps the file (release_firmware). Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "firmware " + name + " (" + path + ", " + data.byteSize() + " bytes"
                + (closed.get() ? ", released" : "") + ")";
    }
}
