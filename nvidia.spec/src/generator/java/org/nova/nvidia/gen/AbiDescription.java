package org.nova.nvidia.gen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One release's ABI description ({@code *.abi}) as read by the generator. The format, one
 * declaration per line ({@code #} starts a comment):
 * <pre>
 * version 535.113.01
 * package r535_113_01
 * source &lt;where the facts come from&gt;
 * function NAME NUMBER [noreply]
 * event NAME NUMBER
 * constant NAME NUMBER
 * struct NAME SIZE
 *   field NAME u8|u16|u32|u64|bytes OFFSET [SIZE]
 * end
 * </pre>
 * Offsets must increase, fields must not overlap nor pass the structure's size, scalars must be
 * naturally aligned.
 */
final class AbiDescription {
    /** A field: its C name, type ({@code u8 u16 u32 u64 bytes}), offset and size in bytes. */
    record Field(String name, String type, int offset, int size) {
        boolean scalar() {
            return !type.equals("bytes");
        }
    }

    /** A structure: its C name, size in bytes and fields in offset order. */
    record Struct(String name, int size, List<Field> fields) {
        Field field(String n) {
            return fields.stream().filter(f -> f.name().equals(n)).findFirst().orElse(null);
        }
    }

    String version;
    String pkg;
    String source = "";
    String file;
    String sha256;
    final Map<String, Integer> functions = new LinkedHashMap<>();
    final Map<String, Integer> events = new LinkedHashMap<>();
    final Map<String, Integer> constants = new LinkedHashMap<>();
    final List<String> noReply = new ArrayList<>();
    final List<Struct> structs = new ArrayList<>();

    /** @return the package of this release's generated bindings */
    String javaPackage() {
        return "org.nova.nvidia.gsp." + pkg;
    }

    Struct struct(String n) {
        return structs.stream().filter(s -> s.name().equals(n)).findFirst().orElse(null);
    }

    static int num(String s) {
        return s.startsWith("0x") ? Integer.parseUnsignedInt(s.substring(2), 16) : Integer.parseInt(s);
    }

    /**
     * Reads a description.
     *
     * @throws IllegalArgumentException naming the file and line of the first error
     */
    static AbiDescription parse(Path p) throws IOException {
        AbiDescription a = new AbiDescription();
        a.file = p.getFileName().toString();
        try {
            a.sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Field> fields = null;
        String sname = null;
        int ssize = 0;
        int lineNo = 0;
        for (String raw : Files.readAllLines(p)) {
            lineNo++;
            String line = raw.strip();
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            String[] t = line.split("\\s+");
            String where = p.getFileName() + ":" + lineNo + ": ";
            try {
                switch (t[0]) {
                    case "version" -> a.version = t[1];
                    case "package" -> a.pkg = t[1];
                    case "source" -> a.source = line.substring("source".length()).strip();
                    case "function" -> {
                        a.functions.put(t[1], num(t[2]));
                        if (t.length > 3 && t[3].equals("noreply")) {
                            a.noReply.add(t[1]);
                        }
                    }
                    case "event" -> a.events.put(t[1], num(t[2]));
                    case "constant" -> a.constants.put(t[1], num(t[2]));
                    case "struct" -> {
                        sname = t[1];
                        ssize = num(t[2]);
                        fields = new ArrayList<>();
                    }
                    case "field" -> fields.add(field(t, fields, sname, ssize));
                    case "end" -> {
                        a.structs.add(new Struct(sname, ssize, List.copyOf(fields)));
                        fields = null;
                    }
                    default -> throw new IllegalArgumentException("unknown declaration " + t[0]);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
        }
        if (a.version == null || a.pkg == null) {
            throw new IllegalArgumentException(p + ": version and package are required");
        }
        return a;
    }

    private static Field field(String[] t, List<Field> fields, String sname, int ssize) {
        int size = switch (t[2]) {
            case "u8" -> 1;
            case "u16" -> 2;
            case "u32" -> 4;
            case "u64" -> 8;
            case "bytes" -> num(t[4]);
            default -> throw new IllegalArgumentException("unknown type " + t[2]);
        };
        int off = num(t[3]);
        if (!fields.isEmpty()) {
            Field last = fields.getLast();
            if (off < last.offset() + last.size()) {
                throw new IllegalArgumentException(t[1] + " at " + off + " overlaps " + last.name());
            }
        }
        if (off + size > ssize) {
            throw new IllegalArgumentException(t[1] + " passes the end of " + sname);
        }
        if (!t[2].equals("bytes") && off % size != 0) {
            throw new IllegalArgumentException(t[1] + " at " + off + " is misaligned");
        }
        return new Field(t[1], t[2], off, size);
    }

    /** Orders releases by their numeric version components (535.113.01 before 570.144 before 1000.1). */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
