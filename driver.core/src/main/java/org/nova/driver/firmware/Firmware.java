package org.nova.driver.firmware;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.internal.FirmwareDecompress;

/**
 * A firmware image (the kernel's {@code struct firmware}): a plain file memory-mapped read-only,
 * or a compressed file's image decompressed once into memory the firmware holds.
 *
 * <p><b>Ownership and lifetime.</b> A firmware returned by {@link FirmwareLoader#request} is
 * owned by the device's devres scope: it is unmapped when the scope releases it (unbind,
 * failed probe), and the driver must not use {@link #data()} or slices of it afterwards — an
 * access then fails with {@link IllegalStateException} instead of touching unmapped memory.
 * A driver done with it earlier may {@link #close()} it ({@code release_firmware}); closing is
 * idempotent, so the scope's later release does nothing. A firmware from {@link #map} belongs
 * to the caller, who closes it. Either way the memory is released exactly once, mapped or
 * decompressed alike.
 */
public final class Firmware implements AutoCloseable {
    /** Images held now, mapped or decompressed, not yet released: what a leak check counts. */
    private static final AtomicInteger LIVE = new AtomicInteger();

    private final String name;
    private final Path path;
    private final FirmwareCompression compression;
    private final Arena arena;
    private final MemorySegment data;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Firmware(String name, Path path, FirmwareCompression compression, Arena arena, MemorySegment data) {
        this.name = name;
        this.path = path;
        this.compression = compression;
        this.arena = arena;
        this.data = data;
        LIVE.incrementAndGet();
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
            return new Firmware(name, file, FirmwareCompression.NONE, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Loads a file stored as {@code compression} says, as the loader does: a plain file is mapped
     * ({@link #map}), a compressed one is decompressed straight into memory the result holds, and
     * the compressed bytes are not kept. The caller owns the result; nothing is held on failure.
     *
     * @param name the name to report (the requested firmware name, without the compression suffix)
     * @param file the file to read
     * @param compression how the file is stored ({@link FirmwareCompression#of} of its name)
     * @param maxSize the largest file and the largest image accepted, in bytes
     * @return the image
     * @throws IOException if the file cannot be opened or read
     * @throws DriverException EFBIG if the file or its image is larger than {@code maxSize};
     *         EINVAL naming the file and what is wrong if its compressed data is truncated or
     *         corrupt (fw_decompress_zstd and fw_decompress_xz answer -EINVAL); ENOMEM if the
     *         image or the decompressor's memory cannot be had
     */
    public static Firmware load(String name, Path file, FirmwareCompression compression, long maxSize)
            throws IOException {
        Objects.requireNonNull(name, "name");
        long size = Files.size(file);
        if (size > maxSize) {
            throw new DriverException(Errno.EFBIG, file + " is " + size + " bytes, over the loader's limit of "
                    + maxSize);
        }
        if (compression == FirmwareCompression.NONE) {
            return map(name, file);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment image = FirmwareDecompress.decompress(compression, file, arena, maxSize);
            return new Firmware(name, file, compression, arena, image.asReadOnly());
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** @return the name the firmware was requested by */
    public String name() {
        return name;
    }

    /** @return the file that was mapped or decompressed (after the search path was applied) */
    public Path path() {
        return path;
    }

    /** @return how the file was stored: {@link FirmwareCompression#NONE} for a mapped file */
    public FirmwareCompression compression() {
        return compression;
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

    /** @return true once released (unmapped, or the decompressed image freed) */
    public boolean isClosed() {
        return closed.get();
    }

    /** Unmaps the file or frees the decompressed image (release_firmware). Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            arena.close();
            LIVE.decrementAndGet();
        }
    }

    /** @return the images of every loader and caller in this class loader not yet released */
    static int liveImages() {
        return LIVE.get();
    }

    @Override
    public String toString() {
        return "firmware " + name + " (" + path + ", " + data.byteSize() + " bytes"
                + (compression == FirmwareCompression.NONE ? "" : ", decompressed")
                + (closed.get() ? ", released" : "") + ")";
    }
}
