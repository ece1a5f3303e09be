package org.nova.nvidia.gen;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes one release's bindings, package {@code org.nova.nvidia.gsp.<pkg>}: per structure a
 * class with its size, field offsets and the release-neutral interface implemented (a field the
 * release lacks answers {@code hasX()} false and throws {@code AbsentFieldException}), and
 * {@code Abi}: function, event and constant numbers, implementing {@code GspBindings}.
 */
final class ReleaseWriter {
    private final AbiDescription a;
    private final NeutralModel model;

    ReleaseWriter(AbiDescription a, NeutralModel model) {
        this.a = a;
        this.model = model;
    }

    /**
     * Version of every release package. 2.0.0: the static per-field accessors of 1.0.0 became the
     * instance methods of the release-neutral interfaces, and descriptions that were another
     * release's layout lost fields. Raise it with every incompatible change of the generated API.
     */
    static final String RELEASE_PACKAGE_VERSION = "2.0.0";

    /** @return source files by qualified name */
    Map<String, String> sources() {
        String pkg = a.javaPackage();
        Map<String, String> out = new LinkedHashMap<>();
        out.put(pkg + ".package-info", "/**\n * Generated GSP firmware ABI bindings for release " + a.version
                + ".\n * Source: " + a.source + "\n */\n@org.osgi.annotation.bundle.Export\n"
                + "@org.osgi.annotation.versioning.Version(\"" + RELEASE_PACKAGE_VERSION + "\")\npackage " + pkg + ";\n");
        for (AbiDescription.Struct s : a.structs) {
            out.put(pkg + "." + s.name(), struct(s));
        }
        out.put(pkg + ".Abi", abi());
        return out;
    }

    private static String f(String field) {
        return "F_" + field;
    }

    private String struct(AbiDescription.Struct s) {
        String neutral = NeutralWriter.PKG + "." + s.name();
        StringBuilder b = new StringBuilder();
        b.append("package ").append(a.javaPackage()).append(";\n\n");
        b.append("import java.lang.foreign.MemorySegment;\nimport java.util.List;\n"
                + "import org.nova.nvidia.gsp.AbsentFieldException;\n\n");
        b.append("/** {@code ").append(s.name()).append("} of firmware ").append(a.version)
                .append(" (generated from its ABI description). */\n");
        b.append("public final class ").append(s.name()).append(" implements ").append(neutral).append(" {\n");
        b.append("    /** The binding. */\n    public static final ").append(s.name()).append(" INSTANCE = new ")
                .append(s.name()).append("();\n");
        b.append("    /** Size in bytes. */\n    public static final int SIZE = ").append(s.size()).append(";\n");
        for (AbiDescription.Field x : s.fields()) {
            b.append("    /** Offset of {@code ").append(x.name()).append("} (").append(x.type()).append(", ")
                    .append(x.size()).append(" bytes). */\n");
            b.append("    public static final int ").append(constant(x.name())).append(" = ").append(x.offset())
                    .append(";\n");
        }
        for (AbiDescription.Field x : s.fields()) {
            b.append("    private static final Field ").append(f(x.name())).append(" = new Field(\"").append(x.name())
                    .append("\", \"").append(x.type()).append("\", ").append(x.offset()).append(", ")
                    .append(x.size()).append(");\n");
        }
        b.append("    private static final List<Field> FIELDS = List.of(")
                .append(String.join(", ", s.fields().stream().map(x -> f(x.name())).toList())).append(");\n");
        b.append("\n    private ").append(s.name()).append("() {\n    }\n\n");
        b.append("    @Override\n    public String name() {\n        return \"").append(s.name())
                .append("\";\n    }\n\n");
        b.append("    @Override\n    public int size() {\n        return SIZE;\n    }\n\n");
        b.append("    @Override\n    public List<Field> fields() {\n        return FIELDS;\n    }\n\n");
        b.append("    private static AbsentFieldException absent(String field) {\n        return new AbsentFieldException(\"")
                .append(a.version).append("\", \"").append(s.name()).append("\", field);\n    }\n");
        for (NeutralModel.Field n : model.structs.get(s.name()).fields().values()) {
            AbiDescription.Field x = s.field(n.name());
            String name = n.name();
            String absent = "throw absent(\"" + name + "\");";
            b.append("\n    @Override\n    public boolean has").append(NeutralWriter.cap(name)).append("() {\n        return ")
                    .append(x != null).append(";\n    }\n");
            if (n.scalar()) {
                String jt = n.javaType();
                String cast = jt.equals("long") ? "" : "(int) ";
                method(b, jt + " " + name + "(byte[] b, int base)",
                        x == null ? absent : "return " + cast + "get(b, base, " + f(name) + ");");
                method(b, "void " + name + "(byte[] b, int base, " + jt + " value)",
                        x == null ? absent : "put(b, base, " + f(name) + ", value);");
                method(b, jt + " " + name + "(MemorySegment m, long base)",
                        x == null ? absent : "return " + cast + "get(m, base, " + f(name) + ");");
                method(b, "void " + name + "(MemorySegment m, long base, " + jt + " value)",
                        x == null ? absent : "put(m, base, " + f(name) + ", value);");
            } else {
                method(b, "int " + name + "Offset()", x == null ? absent : "return " + f(name) + ".offset();");
                method(b, "int " + name + "Length()", x == null ? absent : "return " + f(name) + ".size();");
                method(b, "String " + name + "String(byte[] b, int base)",
                        x == null ? absent : "return getString(b, base, " + f(name) + ");");
                method(b, "void " + name + "String(byte[] b, int base, String value)",
                        x == null ? absent : "putString(b, base, " + f(name) + ", value);");
                method(b, "int " + name + "U32(byte[] b, int base, int i)",
                        x == null ? absent : "return (int) element(b, base, " + f(name) + ", 4, i);");
                method(b, "void " + name + "U32(byte[] b, int base, int i, int value)",
                        x == null ? absent : "element(b, base, " + f(name) + ", 4, i, value);");
                method(b, "long " + name + "U64(byte[] b, int base, int i)",
                        x == null ? absent : "return element(b, base, " + f(name) + ", 8, i);");
                method(b, "void " + name + "U64(byte[] b, int base, int i, long value)",
                        x == null ? absent : "element(b, base, " + f(name) + ", 8, i, value);");
            }
        }
        b.append("}\n");
        return b.toString();
    }

    private static void method(StringBuilder b, String signature, String body) {
        b.append("\n    @Override\n    public ").append(signature).append(" {\n        ").append(body)
                .append("\n    }\n");
    }

    private String abi() {
        StringBuilder b = new StringBuilder();
        b.append("package ").append(a.javaPackage()).append(";\n\n");
        b.append("import java.util.Collections;\nimport java.util.LinkedHashMap;\nimport java.util.List;\n"
                + "import java.util.Map;\nimport java.util.Optional;\nimport java.util.OptionalInt;\n"
                + "import org.nova.nvidia.gsp.GspStruct;\n\n");
        b.append("/** Firmware ").append(a.version).append(": functions, events and structures (generated). */\n");
        b.append("public final class Abi implements ").append(NeutralWriter.PKG).append(".GspBindings {\n");
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
        b.append("    private static final Map<String, Integer> CONSTANTS = map(").append(pairs(a.constants)).append(");\n");
        b.append("    private static final Map<String, Integer> FUNCTIONS = map(").append(pairs(a.functions)).append(");\n");
        b.append("    private static final Map<String, Integer> EVENTS = map(").append(pairs(a.events)).append(");\n");
        b.append("    private static final List<String> NO_REPLY = List.of(")
                .append(String.join(", ", a.noReply.stream().map(n -> "\"" + n + "\"").toList())).append(");\n");
        b.append("    private static final Map<String, GspStruct> STRUCTS;\n");
        b.append("    static {\n        var m = new LinkedHashMap<String, GspStruct>();\n");
        for (AbiDescription.Struct s : a.structs) {
            b.append("        m.put(\"").append(s.name()).append("\", ").append(s.name()).append(".INSTANCE);\n");
        }
        b.append("        STRUCTS = Collections.unmodifiableMap(m);\n    }\n\n");
        b.append("    private Abi() {\n    }\n\n");
        b.append("    private static Map<String, Integer> map(Object... kv) {\n");
        b.append("        var m = new LinkedHashMap<String, Integer>();\n");
        b.append("        for (int i = 0; i < kv.length; i += 2) {\n            m.put((String) kv[i], (Integer) kv[i + 1]);\n");
        b.append("        }\n        return Collections.unmodifiableMap(m);\n    }\n\n");
        b.append("    @Override\n    public String version() {\n        return VERSION;\n    }\n\n");
        b.append("    @Override\n    public String description() {\n        return DESCRIPTION;\n    }\n\n");
        b.append("    @Override\n    public String descriptionSha256() {\n        return DESCRIPTION_SHA256;\n    }\n\n");
        b.append("    @Override\n    public String bindingsPackage() {\n        return \"").append(a.javaPackage())
                .append("\";\n    }\n\n");
        b.append("    @Override\n    public Map<String, Integer> functions() {\n        return FUNCTIONS;\n    }\n\n");
        b.append("    @Override\n    public Map<String, Integer> events() {\n        return EVENTS;\n    }\n\n");
        b.append("    @Override\n    public Map<String, Integer> constants() {\n        return CONSTANTS;\n    }\n\n");
        b.append("    @Override\n    public List<String> noReply() {\n        return NO_REPLY;\n    }\n\n");
        b.append("    @Override\n    public Map<String, GspStruct> structs() {\n        return STRUCTS;\n    }\n");
        for (NeutralModel.Struct s : model.structs.values()) {
            String type = NeutralWriter.PKG + "." + s.name();
            boolean here = a.struct(s.name()) != null;
            if (model.everywhere(s.releases())) {
                method(b, type + " " + s.name() + "()", "return " + s.name() + ".INSTANCE;");
            } else {
                method(b, "Optional<" + type + "> " + s.name() + "()",
                        here ? "return Optional.of(" + s.name() + ".INSTANCE);" : "return Optional.empty();");
            }
        }
        named(b, model.constants, a.constants, "");
        named(b, model.functions, a.functions, "FUNCTION_");
        named(b, model.events, a.events, "EVENT_");
        b.append("}\n");
        return b.toString();
    }

    private void named(StringBuilder b, Map<String, NeutralModel.Named> all, Map<String, Integer> mine, String prefix) {
        for (NeutralModel.Named n : all.values()) {
            String field = prefix + n.name();
            if (model.everywhere(n.releases())) {
                method(b, "int " + field + "()", "return " + field + ";");
            } else {
                method(b, "OptionalInt " + field + "()",
                        mine.containsKey(n.name()) ? "return OptionalInt.of(" + field + ");" : "return OptionalInt.empty();");
            }
        }
    }

    private static String pairs(Map<String, Integer> m) {
        return String.join(", ", m.entrySet().stream().map(e -> "\"" + e.getKey() + "\", " + e.getValue()).toList());
    }

    /** @return the offset constant's name of a field: {@code fbLength} → {@code FB_LENGTH_AT} */
    static String constant(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase() + "_AT";
    }
}
