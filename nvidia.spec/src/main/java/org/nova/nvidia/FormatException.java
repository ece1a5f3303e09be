package org.nova.nvidia;

import java.util.Locale;

/**
 * A binary structure is malformed: truncated, bad magic, a section absent, an offset past the
 * end, a field with a value NVIDIA's format does not allow. The message names the file or
 * structure, the byte offset (relative to the start of the file or ROM image the parser was
 * given) and what was wrong; the same facts are available as fields so that a driver can map
 * the failure to an error code (nova-core returns {@code EINVAL}; a missing section or token is
 * its {@code ENOENT}/{@code EINVAL} depending on the caller).
 */
public class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What was wrong, coarse-grained, for callers that branch on it. */
    public enum Kind {
        /** The data ends before the structure does. */
        TRUNCATED,
        /** A magic number or signature does not match. */
        BAD_MAGIC,
        /** A named section, token, entry or image is absent. */
        MISSING,
        /** An offset or size points outside the data. */
        OUT_OF_BOUNDS,
        /** A field holds a value the format does not allow (a version, a size, a count). */
        BAD_VALUE
    }

    private final String source;
    private final String structure;
    private final long offset;
    private final Kind kind;

    /**
     * @param source the file or image the data came from (a firmware name, "VBIOS", ...)
     * @param structure the structure being parsed (e.g. {@code "ELF64 section header 3"})
     * @param offset byte offset of the problem from the start of {@code source}, or -1 if none
     * @param kind what class of problem
     * @param detail what exactly was wrong
     */
    public FormatException(String source, String structure, long offset, Kind kind, String detail) {
        super(format(source, structure, offset, kind, detail));
        this.source = source;
        this.structure = structure;
        this.offset = offset;
        this.kind = kind;
    }

    private static String format(String source, String structure, long offset, Kind kind,
            String detail) {
        String where = offset >= 0 ? String.format(Locale.ROOT, " at offset 0x%x", offset) : "";
        return source + ": " + structure + where + ": " + kind.name().toLowerCase(Locale.ROOT)
                .replace('_', ' ') + ": " + detail;
    }

    /** @return the file or image name the parser was given */
    public String source() {
        return source;
    }

    /** @return the structure that was being parsed */
    public String structure() {
        return structure;
    }

    /** @return the byte offset of the problem, or -1 */
    public long offset() {
        return offset;
    }

    /** @return the class of problem */
    public Kind kind() {
        return kind;
    }
}
