package org.nova.gpu.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nova.nvidia.gsp.LibosLog;

/**
 * Decodes a LibOS log buffer as far as its public format allows (open-gpu-kernel-modules
 * the LibOS log decoder's libosExtractLog_ReadRecord, libos_log.h libosLogMetadata; layout in
 * {@link LibosLog}). What is always decoded: the put pointer, how many entries were written and are
 * still kept, whether the ring wrapped, and the entries in write order. Records (arguments,
 * metadata address, timestamp) are found by walking back from the put pointer, which needs each
 * record's argument count from its {@code libosLogMetadata}; that lives in the firmware's logging
 * section, which the firmware files nova-core loads (linux-firmware's gsp-*.bin) do not carry. So
 * records and their text are decoded only when a {@link Metadata} source knows the addresses (the
 * simulated firmware's table, in the tests); otherwise the entries are shown as they are.
 */
final class LibosLogDecoder {
    /** One log statement of the firmware's logging section. */
    record Statement(String format, int argumentCount) {
    }

    /** The firmware's logging section: metadata address to statement. */
    interface Metadata {
        /** No logging section: records cannot be split. */
        Metadata NONE = address -> Optional.empty();

        /** @return the statement whose libosLogMetadata is at {@code address}, if known */
        Optional<Statement> at(long address);
    }

    /**
     * One record.
     *
     * @param timestamp the GSP's timestamp
     * @param metadata its libosLogMetadata address
     * @param args its arguments
     * @param text the format with the arguments substituted
     */
    record Record(long timestamp, long metadata, List<Long> args, String text) {
    }

    /**
     * A decoded buffer.
     *
     * @param name the buffer's name
     * @param put the put pointer: entries written since the buffer was registered
     * @param entries the entries still in the ring, oldest first
     * @param records the records decoded, oldest first (the newest ones, walking back)
     * @param undecoded why decoding records stopped before the oldest kept entry, or empty
     */
    record Decoded(String name, long put, List<Long> entries, List<Record> records, String undecoded) {
        /** @return whether entries were overwritten (more written than the ring holds) */
        boolean wrapped() {
            return Long.compareUnsigned(put, LibosLog.RING_ENTRIES) > 0;
        }

        /** @return the text nova:gsplog shows */
        String format() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("%s: %d entries written, %d kept%s%n", name, put, entries.size(),
                    wrapped() ? " (the ring wrapped: older entries were overwritten)" : ""));
            for (Record r : records) {
                sb.append(String.format("[%d] %s%n", r.timestamp(), r.text()));
            }
            if (!undecoded.isEmpty()) {
                int covered = records.stream().mapToInt(r -> r.args().size() + LibosLog.RECORD_FIXED_ENTRIES).sum();
                int left = entries.size() - covered;
                sb.append(String.format("%d older entries not decoded: %s%n", left, undecoded));
                for (int i = 0; i < left; i++) {
                    sb.append(String.format("  %5d: %#018x%n", put - entries.size() + i, entries.get(i)));
                }
            }
            return sb.toString();
        }
    }

    private LibosLogDecoder() {
    }

    /**
     * @param name the buffer's name
     * @param buf the whole buffer ({@link LibosLog#SIZE} bytes)
     * @param meta the firmware's logging section, or {@link Metadata#NONE}
     * @return what could be decoded; a buffer of another size decodes as empty with the reason
     */
    static Decoded decode(String name, byte[] buf, Metadata meta) {
        if (buf.length != LibosLog.SIZE) {
            return new Decoded(name, 0, List.of(), List.of(), buf.length == 0 ? "the buffer was released"
                    : "the buffer is " + buf.length + " bytes, not " + LibosLog.SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        long put = b.getLong(LibosLog.PUT_ENTRY * LibosLog.ENTRY_BYTES);
        long kept = Long.compareUnsigned(put, LibosLog.RING_ENTRIES) > 0 ? LibosLog.RING_ENTRIES : put;
        long first = put - kept;
        List<Long> entries = new ArrayList<>();
        for (long k = first; k != put; k++) {
            entries.add(b.getLong((int) LibosLog.ringOffset(k)));
        }
        List<Record> records = new ArrayList<>();
        String undecoded = "";
        long i = put;
        while (i != first) {
            if (i - first < LibosLog.RECORD_FIXED_ENTRIES) {
                undecoded = "a record cut by the ring's wrap";
                break;
            }
            long ts = b.getLong((int) LibosLog.ringOffset(i - 1));
            long md = b.getLong((int) LibosLog.ringOffset(i - 2));
            Optional<Statement> st = meta.at(md);
            if (st.isEmpty()) {
                undecoded = meta == Metadata.NONE
                        ? "no logging section to find each record's argument count (libosLogMetadata) in"
                        : String.format("metadata address %#x is not in the logging section", md);
                break;
            }
            int argc = st.get().argumentCount();
            if (argc > LibosLog.MAX_ARGS || i - first < LibosLog.RECORD_FIXED_ENTRIES + argc) {
                undecoded = argc > LibosLog.MAX_ARGS ? "a record with " + argc + " arguments"
                        : "a record cut by the ring's wrap";
                break;
            }
            List<Long> args = new ArrayList<>();
            for (long k = i - LibosLog.RECORD_FIXED_ENTRIES - argc; k < i - LibosLog.RECORD_FIXED_ENTRIES; k++) {
                args.add(b.getLong((int) LibosLog.ringOffset(k)));
            }
            records.addFirst(new Record(ts, md, List.copyOf(args), printf(st.get().format(), args)));
            i -= LibosLog.RECORD_FIXED_ENTRIES + argc;
        }
        return new Decoded(name, put, List.copyOf(entries), List.copyOf(records), undecoded);
    }

    /**
     * The printf subset LibOS's decoder substitutes: %d %i %u %x %X %p %c and %s with the length
     * modifiers h, l, ll, z; each argument is one u64. A %s argument is an address in the firmware's
     * logging section, shown as such (its string is not in the buffer).
     */
    static String printf(String format, List<Long> args) {
        StringBuilder sb = new StringBuilder();
        int a = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                sb.append(c);
                continue;
            }
            int j = i + 1;
            while (j < format.length() && "-+ #0123456789.hlzjt".indexOf(format.charAt(j)) >= 0) {
                j++;
            }
            if (j == format.length()) {
                sb.append(format, i, j);
                break;
            }
            char conv = format.charAt(j);
            if (conv == '%') {
                sb.append('%');
                i = j;
                continue;
            }
            long v = a < args.size() ? args.get(a) : 0;
            a++;
            switch (conv) {
                case 'd', 'i' -> sb.append(v);
                case 'u' -> sb.append(Long.toUnsignedString(v));
                case 'x' -> sb.append(Long.toHexString(v));
                case 'X' -> sb.append(Long.toHexString(v).toUpperCase(java.util.Locale.ROOT));
                case 'p' -> sb.append("0x").append(Long.toHexString(v));
                case 'c' -> sb.append((char) (v & 0xff));
                case 's' -> sb.append(String.format("<string at %#x>", v));
                default -> sb.append(format, i, j + 1);
            }
            i = j;
        }
        return sb.toString();
    }
}
