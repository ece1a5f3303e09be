package org.nova.nvidia.gen;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Build-time generator of the GSP firmware ABI bindings: reads every {@code *.abi} description
 * in the directory given by {@code -Anova.abi.dir} and writes, per firmware release, a package
 * {@code org.nova.nvidia.gsp.<pkg>} with one class per structure (size, offsets, typed static
 * accessors) and {@code Abi} (function and event numbers, implementing
 * {@code org.nova.nvidia.gsp.GspAbi}), plus {@code org.nova.nvidia.gsp.GspAbiRegistry} listing
 * them. Runs as an annotation processor in nvidia.spec's own compilation (see its pom).
 *
 * <p>Description format, one declaration per line ({@code #} starts a comment):
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
 * Offsets must increase, fields must not overlap nor pass the structure's size.
 */
public final class AbiProcessor extends AbstractProcessor {
    private boolean done;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of("*");
    }

    @Override
    public Set<String> getSupportedOptions() {
        return Set.of("nova.abi.dir");
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    record Field(String name, String type, int offset, int size) {
    }

    record Struct(String name, int size, List<Field> fields) {
    }

    static final class Abi {
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
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
        if (done) {
            return false;
        }
        done = true;
        String dir = processingEnv.getOptions().get("nova.abi.dir");
        if (dir == null) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "-Anova.abi.dir is not set");
            return false;
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            List<Abi> abis = new ArrayList<>();
            for (Path p : files.filter(f -> f.toString().endsWith(".abi")).sorted().toList()) {
                Abi a = parse(p);
                write(a);
                abis.add(a);
            }
            writeRegistry(abis);
        } catch (IOException | IllegalArgumentException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "GSP ABI generation: " + e.getMessage());
        }
        return false;
    }

    static int num(String s) {
        return s.startsWith("0x") ? Integer.parseUnsignedInt(s.substring(2), 16) : Integer.parseInt(s);
    }

    static Abi parse(Path p) throws IOException {
        Abi a = new Abi();
        a.file = p.getFileName().toString();
        try {
            a.sha256 = java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
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
                    case "field" -> {
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
                        fields.add(new Field(t[1], t[2], off, size));
                    }
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

    private void write(Abi a) throws IOException {
        String pkg = "org.nova.nvidia.gsp." + a.pkg;
        try (Writer w = processingEnv.getFiler().createSourceFile(pkg + ".package-info").openWriter()) {
            w.write("/**\n * Generated GSP firmware ABI bindings for release " + a.version + ".\n * Source: "
                    + a.source + "\n */\n@org.osgi.annotation.bundle.Export\n"
                    + "@org.osgi.annotation.versioning.Version(\"1.0.0\")\npackage " + pkg + ";\n");
        }
        for (Struct s : a.structs) {
            StringBuilder b = new StringBuilder();
            b.append("package ").append(pkg).append(";\n\n");
            b.append("/** {@code ").append(s.name()).append("} of firmware ").append(a.version)
                    .append(" (generated from its ABI description). */\n");
            b.append("public final class ").append(s.name()).append(" implements org.nova.nvidia.gsp.GspStruct {\n");
            b.append("    /** The binding. */\n    public static final ").append(s.name()).append(" INSTANCE = new ")
                    .append(s.name()).append("();\n");
            b.append("    /** Size in bytes. */\n    public static final int SIZE = ").append(s.size()).append(";\n");
            for (Field f : s.fields()) {
                b.append("    /** Offset of {@code ").append(f.name()).append("} (").append(f.type()).append(", ")
                        .append(f.size()).append(" bytes). */\n");
                b.append("    public static final int ").append(constant(f.name())).append(" = ").append(f.offset())
                        .append(";\n");
            }
            b.append("    private static final java.util.List<Field> FIELDS = java.util.List.of(\n");
            for (int i = 0; i < s.fields().size(); i++) {
                Field f = s.fields().get(i);
                b.append("            new Field(\"").append(f.name()).append("\", \"").append(f.type()).append("\", ")
                        .append(f.offset()).append(", ").append(f.size()).append(")")
                        .append(i + 1 < s.fields().size() ? ",\n" : ");\n");
            }
            if (s.fields().isEmpty()) {
                b.setLength(b.length() - ("    private static final java.util.List<Field> FIELDS = java.util.List.of(\n").length());
                b.append("    private static final java.util.List<Field> FIELDS = java.util.List.of();\n");
            }
            b.append("\n    private ").append(s.name()).append("() {\n    }\n\n");
            b.append("    @Override\n    public String name() {\n        return \"").append(s.name())
                    .append("\";\n    }\n\n");
            b.append("    @Override\n    public int size() {\n        return SIZE;\n    }\n\n");
            b.append("    @Override\n    public java.util.List<Field> fields() {\n        return FIELDS;\n    }\n");
            for (Field f : s.fields()) {
                if (f.type().equals("bytes")) {
                    continue;
                }
                String jt = switch (f.type()) {
                    case "u64" -> "long";
                    default -> "int";
                };
                b.append("\n    /** @return {@code ").append(f.name()).append("} of the structure at {@code base} */\n");
                b.append("    public static ").append(jt).append(" ").append(f.name()).append("(byte[] b, int base) {\n");
                b.append("        return (").append(jt).append(") INSTANCE.get(b, base, \"").append(f.name())
                        .append("\");\n    }\n");
                b.append("\n    /** Sets {@code ").append(f.name()).append("} of the structure at {@code base}. */\n");
                b.append("    public static void ").append(f.name()).append("(byte[] b, int base, ").append(jt)
                        .append(" value) {\n");
                b.append("        INSTANCE.put(b, base, \"").append(f.name()).append("\", value);\n    }\n");
            }
            b.append("}\n");
            try (Writer w = processingEnv.getFiler().createSourceFile(pkg + "." + s.name()).openWriter()) {
                w.write(b.toString());
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("package ").append(pkg).append(";\n\n");
        b.append("/** Firmware ").append(a.version).append(": functions, events and structures (generated). */\n");
        b.append("public final class Abi implements org.nova.nvidia.gsp.GspAbi {\n");
        b.append("    /** The binding. */\n    public static final Abi INSTANCE = new Abi();\n");
        b.append("    /** The release. */\n    public static final String VERSION = \"").append(a.version).append("\";\n");
        b.append("    /** The description these bindings were generated from. */\n    public static final String DESCRIPTION = \"")
                .append(a.file).append("\";\n");
        b.append("    /** SHA-256 of that description when they were generated. */\n"
                + "    public static final String DESCRIPTION_SHA256 = \"").append(a.sha256).append("\";\n");
        for (var e : a.functions.entrySet()) {
            b.append("    /** {@code NV_VGPU_MSG_FUNCTION_").append(e.getKey()).append("}. */\n");
            b.append("    public static final int FUNCTION_").append(e.getKey()).append(" = ").append(e.getValue())
                    .append(";\n");
        }
        for (var e : a.events.entrySet()) {
            b.append("    /** {@code NV_VGPU_MSG_EVENT_").append(e.getKey()).append("}. */\n");
            b.append("    public static final int EVENT_").append(e.getKey()).append(" = 0x")
                    .append(Integer.toHexString(e.getValue())).append(";\n");
        }
        for (var e : a.constants.entrySet()) {
            b.append("    /** {@code ").append(e.getKey()).append("}. */\n");
            b.append("    public static final int ").append(e.getKey()).append(" = ").append(e.getValue()).append(";\n");
        }
        b.append("    private static final java.util.Map<String, Integer> CONSTANTS = map(");
        b.append(String.join(", ", a.constants.entrySet().stream().map(e -> "\"" + e.getKey() + "\", " + e.getValue())
                .toList())).append(");\n");
        b.append("    private static final java.util.Map<String, Integer> FUNCTIONS = map(");
        b.append(String.join(", ", a.functions.entrySet().stream().map(e -> "\"" + e.getKey() + "\", " + e.getValue())
                .toList())).append(");\n");
        b.append("    private static final java.util.Map<String, Integer> EVENTS = map(");
        b.append(String.join(", ", a.events.entrySet().stream().map(e -> "\"" + e.getKey() + "\", " + e.getValue())
                .toList())).append(");\n");
        b.append("    private static final java.util.List<String> NO_REPLY = java.util.List.of(");
        b.append(String.join(", ", a.noReply.stream().map(n -> "\"" + n + "\"").toList())).append(");\n");
        b.append("    private static final java.util.Map<String, org.nova.nvidia.gsp.GspStruct> STRUCTS;\n");
        b.append("    static {\n        var m = new java.util.LinkedHashMap<String, org.nova.nvidia.gsp.GspStruct>();\n");
        for (Struct s : a.structs) {
            b.append("        m.put(\"").append(s.name()).append("\", ").append(s.name()).append(".INSTANCE);\n");
        }
        b.append("        STRUCTS = java.util.Collections.unmodifiableMap(m);\n    }\n\n");
        b.append("    private Abi() {\n    }\n\n");
        b.append("    private static java.util.Map<String, Integer> map(Object... kv) {\n");
        b.append("        var m = new java.util.LinkedHashMap<String, Integer>();\n");
        b.append("        for (int i = 0; i < kv.length; i += 2) {\n            m.put((String) kv[i], (Integer) kv[i + 1]);\n");
        b.append("        }\n        return java.util.Collections.unmodifiableMap(m);\n    }\n\n");
        b.append("    @Override\n    public String version() {\n        return VERSION;\n    }\n\n");
        b.append("    @Override\n    public String description() {\n        return DESCRIPTION;\n    }\n\n");
        b.append("    @Override\n    public String descriptionSha256() {\n        return DESCRIPTION_SHA256;\n    }\n\n");
        b.append("    @Override\n    public String bindingsPackage() {\n        return \"").append(pkg)
                .append("\";\n    }\n\n");
        b.append("    @Override\n    public java.util.Map<String, Integer> functions() {\n        return FUNCTIONS;\n    }\n\n");
        b.append("    @Override\n    public java.util.Map<String, Integer> events() {\n        return EVENTS;\n    }\n\n");
        b.append("    @Override\n    public java.util.Map<String, Integer> constants() {\n        return CONSTANTS;\n    }\n\n");
        b.append("    @Override\n    public java.util.List<String> noReply() {\n        return NO_REPLY;\n    }\n\n");
        b.append("    @Override\n    public java.util.Map<String, org.nova.nvidia.gsp.GspStruct> structs() {\n"
                + "        return STRUCTS;\n    }\n}\n");
        try (Writer w = processingEnv.getFiler().createSourceFile(pkg + ".Abi").openWriter()) {
            w.write(b.toString());
        }
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

    private void writeRegistry(List<Abi> unsorted) throws IOException {
        List<Abi> abis = new ArrayList<>(unsorted);
        abis.sort((p, q) -> compareVersions(p.version, q.version));
        StringBuilder b = new StringBuilder();
        b.append("package org.nova.nvidia.gsp;\n\n/** Every release with generated bindings, oldest first. */\n");
        b.append("final class GspAbiRegistry {\n    static final java.util.List<GspAbi> ALL = java.util.List.of(");
        b.append(String.join(", ", abis.stream().map(a -> "org.nova.nvidia.gsp." + a.pkg + ".Abi.INSTANCE").toList()));
        b.append(");\n\n    private GspAbiRegistry() {\n    }\n}\n");
        try (Writer w = processingEnv.getFiler().createSourceFile("org.nova.nvidia.gsp.GspAbiRegistry").openWriter()) {
            w.write(b.toString());
        }
    }

    static String constant(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase() + "_AT";
    }
}
