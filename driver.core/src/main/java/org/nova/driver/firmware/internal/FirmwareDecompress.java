package org.nova.driver.firmware.internal;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

import io.airlift.compress.v3.MalformedInputException;
import io.airlift.compress.v3.zstd.ZstdJavaDecompressor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareCompression;
import org.tukaani.xz.CorruptedInputException;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.SeekableFileInputStream;
import org.tukaani.xz.SeekableXZInputStream;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZFormatException;

/**
 * The loader's decompressors, drivers/base/firmware_loader/main.c {@code fw_decompress_zstd} and
 * {@code fw_decompress_xz}: a compressed firmware file becomes its image in memory the caller's
 * arena owns, sized before a byte is written (the zstd frame header and the xz index declare it),
 * so the image is written once, where it stays, and never copied into a larger buffer.
 *
 * <p>Errors are the kernel's: compressed data that is truncated or corrupt, or a zstd frame that
 * does not declare its size, is EINVAL (both helpers return -EINVAL for every decoder error); a
 * decoder that needs more memory than it may have is ENOMEM (the kernel's XZ_MEM_ERROR); an image
 * over the limit is EFBIG. Each message names the file and the decoder's reason. The arena is the
 * caller's to close on failure; this class allocates nothing outside it but the decoders' own
 * working memory, which is garbage once they return.
 *
 * <p>zstd is aircompressor's pure-Java decoder, its classes copied into this bundle (it is no
 * OSGi bundle); xz is XZ for Java, the bundle org.tukaani.xz.
 */
public final class FirmwareDecompress {
    /**
     * The most memory, in KiB, the xz decoder may take for its dictionary and state. The kernel
     * passes no limit (xz_dec_init(XZ_DYNALLOC, (u32)-1)); here a header claiming gigabytes is
     * refused before the heap is asked. xz -9 needs 65 MiB; linux-firmware's copy-firmware.sh
     * compresses with xz's default preset (9 MiB).
     */
    static final int XZ_MEMORY_LIMIT_KIB = 256 * 1024;
    /** The chunk the xz decoder's output is staged in on its way into the image. */
    private static final int XZ_CHUNK = 1 << 16;
    /**
     * The longest zstd frame header: magic 4, frame header descriptor 1, window descriptor 1,
     * dictionary id 4, frame content size 8 (RFC 8878 section 3.1.1.1).
     */
    private static final int ZSTD_FRAME_HEADER_MAX = 18;
    /** aircompressor's messages end with the absolute address of the failure; the relative offset is reported instead. */
    private static final Pattern OFFSET_SUFFIX = Pattern.compile(":\\s*offset=-?\\d+$");

    private FirmwareDecompress() {
    }

    /**
     * Decompresses {@code file} into a new segment of {@code arena}.
     *
     * @param compression {@link FirmwareCompression#ZSTD} or {@link FirmwareCompression#XZ}
     * @param file the compressed file
     * @param arena owns the image (and, for the time of the call, the mapping of a zstd file)
     * @param maxSize the largest image accepted, in bytes
     * @return the image, exactly as long as its data
     * @throws IOException if the file cannot be opened or read
     * @throws DriverException EINVAL, ENOMEM or EFBIG as the class comment says
     */
    public static MemorySegment decompress(FirmwareCompression compression, Path file, Arena arena, long maxSize)
            throws IOException {
        return switch (compression) {
            case ZSTD -> zstd(file, arena, maxSize);
            case XZ -> xz(file, arena, maxSize);
            case NONE -> throw new IllegalArgumentException(file + " is not compressed");
        };
    }

    /** fw_decompress_zstd: the frame header gives the size; a frame without one is refused, as the kernel does. */
    private static MemorySegment zstd(Path file, Arena arena, long maxSize) throws IOException {
        try (Arena input = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment in = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), input);
            ZstdJavaDecompressor zstd = new ZstdJavaDecompressor();
            long declared;
            try {
                byte[] header = in.asSlice(0, Math.min(in.byteSize(), ZSTD_FRAME_HEADER_MAX))
                        .toArray(ValueLayout.JAVA_BYTE);
                declared = zstd.getDecompressedSize(header, 0, header.length);
            } catch (MalformedInputException e) {
                throw new DriverException(Errno.EINVAL, file + ": not a zstd frame: " + reason(e, null), e);
            }
            if (declared < 0) {
                throw new DriverException(Errno.EINVAL, file + ": the zstd frame does not declare its decompressed "
                        + "size, which the firmware loader needs (fw_decompress_zstd refuses it too; zstd writes "
                        + "the size when it compresses a file, not a pipe)");
            }
            MemorySegment image = allocate(file, arena, declared, maxSize);
            int written;
            try {
                written = zstd.decompress(in, image);
            } catch (MalformedInputException e) {
                throw new DriverException(Errno.EINVAL, file + ": truncated or corrupt zstd data: "
                        + reason(e, in), e);
            } catch (IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException e) {
                throw new DriverException(Errno.EINVAL, file + ": truncated or corrupt zstd data: " + e, e);
            }
            if (written != declared) {
                throw new DriverException(Errno.EINVAL, file + ": the zstd frame declares " + declared
                        + " bytes but holds " + written);
            }
            return image;
        }
    }

    /**
     * fw_decompress_xz: the stream's index (at its end) gives the size, so a truncated file fails
     * before anything is allocated; every block's integrity check is verified as it is read.
     */
    private static MemorySegment xz(Path file, Arena arena, long maxSize) throws IOException {
        try (SeekableXZInputStream xz = new SeekableXZInputStream(new SeekableFileInputStream(file.toFile()),
                XZ_MEMORY_LIMIT_KIB)) {
            MemorySegment image = allocate(file, arena, xz.length(), maxSize);
            byte[] chunk = new byte[(int) Math.min(XZ_CHUNK, Math.max(1, image.byteSize()))];
            long done = 0;
            while (done < image.byteSize()) {
                int n = xz.read(chunk, 0, (int) Math.min(chunk.length, image.byteSize() - done));
                if (n < 0) {
                    throw new DriverException(Errno.EINVAL, file + ": truncated xz data: the index declares "
                            + image.byteSize() + " bytes, the blocks end after " + done);
                }
                MemorySegment.copy(chunk, 0, image, ValueLayout.JAVA_BYTE, done, n);
                done += n;
            }
            return image;
        } catch (MemoryLimitException e) {
            throw new DriverException(Errno.ENOMEM, file + ": the xz decoder would need " + e.getMemoryNeeded()
                    + " KiB, over its limit of " + e.getMemoryLimit() + " KiB", e);
        } catch (XZFormatException e) {
            throw new DriverException(Errno.EINVAL, file + ": not xz data: " + e.getMessage(), e);
        } catch (CorruptedInputException | UnsupportedOptionsException e) {
            // the decoder cannot tell a cut-off stream from a damaged one: its footer or index is gone either way
            throw new DriverException(Errno.EINVAL, file + ": truncated or corrupt xz data: " + e.getMessage(), e);
        } catch (EOFException e) {
            throw new DriverException(Errno.EINVAL, file + ": truncated xz data", e);
        }
    }

    /** The image's memory, after the checks kernel_read_file and the decompressors make on its size. */
    private static MemorySegment allocate(Path file, Arena arena, long size, long maxSize) {
        if (size > maxSize) {
            throw new DriverException(Errno.EFBIG, file + " decompresses to " + size
                    + " bytes, over the loader's limit of " + maxSize);
        }
        try {
            return arena.allocate(size);
        } catch (OutOfMemoryError e) {
            throw new DriverException(Errno.ENOMEM, file + ": no memory for its " + size + "-byte image", e);
        }
    }

    /**
     * The decoder's reason, with the failure's offset in the file rather than in memory.
     *
     * @param in the mapped input the offset is an address in, or null to leave the offset out
     */
    private static String reason(MalformedInputException e, MemorySegment in) {
        String message = OFFSET_SUFFIX.matcher(String.valueOf(e.getMessage())).replaceFirst("");
        if (in == null) {
            return message;
        }
        long offset = e.getOffset() - in.address();
        return offset >= 0 && offset <= in.byteSize() ? message + " (near byte " + offset + ")" : message;
    }
}
