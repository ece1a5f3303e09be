package org.nova.nvidia.gen;

import java.util.Map;

/**
 * Writes the release-neutral bindings, package {@value #PKG}: one interface per structure with a
 * typed accessor per field (the union of every release's fields), and {@code GspBindings}, the
 * typed view of a release (its structures, constants, functions and events). Each release's
 * generated classes implement them ({@link ReleaseWriter}).
 *
 * <p>Per field {@code f}: {@code hasF()}; a scalar has {@code f(byte[], int)} and
 * {@code f(MemorySegment, long)} getters and setters (int, or long if any release makes it a
 * u64); a byte range has {@code fOffset()}, {@code fLength()}, {@code fString} (NUL-terminated
 * ASCII) and {@code fU32}/{@code fU64} element accessors. A release that lacks the field answers
 * {@code hasF()} false and throws {@code AbsentFieldException} from every accessor.
 */
final class NeutralWriter {
    /** The package of the release-neutral bindings. */
    static final String PKG = "org.nova.nvidia.gsp.bindings";

    private final NeutralModel model;

    NeutralWriter(NeutralModel model) {
        this.model = model;
    }

    /** @return source files by qualified name */
    Map<String, String> sources() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        out.put(PKG + ".package-info", """
                /**
                 * Release-neutral GSP firmware ABI bindings, generated from every release's description
                 * (nvidia.spec {@code org/nova/nvidia/gsp/abi/*.abi}): an interface per structure with typed
                 * accessors, and {@link %s.GspBindings}, the typed view of one release. Code written against
                 * these serves every release; a field, structure or constant that a release lacks is reported
                 * as absent ({@code hasX()}, {@code Optional}) and never reads as zero.
                 */
                @org.osgi.annotation.bundle.Export
                @org.osgi.annotation.versioning.Version("1.0.0")
                package %s;
                """.formatted(PKG, PKG));
        for (NeutralModel.Struct s : model.structs.values()) {
            out.put(PKG + "." + s.name(), struct(s));
        }
        out.put(PKG + ".GspBindings", bindings());
        return out;
    }

    private String struct(NeutralModel.Struct s) {
        StringBuilder b = new StringBuilder();
        b.append("package ").append(PKG).append(";\n\nimport java.lang.foreign.MemorySegment;\n\n");
        b.append("/**\n * {@code ").append(s.name()).append("}, whichever release lays it out (present in ")
                .append(model.presence(s.releases())).append(").\n * Generated from the ABI descriptions.\n */\n");
        b.append("public interface ").append(s.name()).append(" extends org.nova.nvidia.gsp.GspStruct {\n");
        for (NeutralModel.Field f : s.fields().values()) {
            String n = f.name();
            String where = model.presence(f.releases());
            b.append("\n    /** @return whether this release has {@code ").append(n).append("} (").append(where)
                    .append(") */\n");
            b.append("    boolean has").append(cap(n)).append("();\n");
            if (f.scalar()) {
                String jt = f.javaType();
                b.append("\n    /** @return {@code ").append(n).append("} of the structure at {@code base}, zero-extended */\n");
                b.append("    ").append(jt).append(" ").append(n).append("(byte[] b, int base);\n");
                b.append("\n    /** Sets {@code ").append(n).append("} of the structure at {@code base}. */\n");
                b.append("    void ").append(n).append("(byte[] b, int base, ").append(jt).append(" value);\n");
                b.append("\n    /** @return {@code ").append(n).append("} of the structure at {@code base} of {@code m} */\n");
                b.append("    ").append(jt).append(" ").append(n).append("(MemorySegment m, long base);\n");
                b.append("\n    /** Sets {@code ").append(n).append("} of the structure at {@code base} of {@code m}. */\n");
                b.append("    void ").append(n).append("(MemorySegment m, long base, ").append(jt).append(" value);\n");
            } else {
                b.append("\n    /** @return the offset of {@code ").append(n).append("} in the structure */\n");
                b.append("    int ").append(n).append("Offset();\n");
                b.append("\n    /** @return the size of {@code ").append(n).append("} in bytes */\n");
                b.append("    int ").append(n).append("Length();\n");
                b.append("\n    /** @return {@code ").append(n).append("} as NUL-terminated ASCII */\n");
                b.append("    String ").append(n).append("String(byte[] b, int base);\n");
                b.append("\n    /** Writes {@code ").append(n).append("} as ASCII, NUL-padded. */\n");
                b.append("    void ").append(n).append("String(byte[] b, int base, String value);\n");
                b.append("\n    /**\n     * @return element {@code i} of {@code ").append(n).append("} read as an array of u32\n"
                        + "     * @throws IndexOutOfBoundsException past its end\n     */\n");
                b.append("    int ").append(n).append("U32(byte[] b, int base, int i);\n");
                b.append("\n    /** Sets element {@code i} of {@code ").append(n).append("} read as an array of u32. */\n");
                b.append("    void ").append(n).append("U32(byte[] b, int base, int i, int value);\n");
                b.append("\n    /**\n     * @return element {@code i} of {@code ").append(n).append("} read as an array of u64\n"
                        + "     * @throws IndexOutOfBoundsException past its end\n     */\n");
                b.append("    long ").append(n).append("U64(byte[] b, int base, int i);\n");
                b.append("\n    /** Sets element {@code i} of {@code ").append(n).append("} read as an array of u64. */\n");
                b.append("    void ").append(n).append("U64(byte[] b, int base, int i, long value);\n");
            }
        }
        b.append("}\n");
        return b.toString();
    }

    private String bindings() {
        StringBuilder b = new StringBuilder();
        b.append("package ").append(PKG).append(";\n\n");
        b.append("import java.util.List;\nimport java.util.Optional;\nimport java.util.OptionalInt;\n"
                + "import org.nova.nvidia.gsp.GspAbi;\n\n");
        b.append("""
                /**
                 * One firmware release's ABI, typed: its structures (release-neutral interfaces), constants,
                 * RPC functions and events by method. What only some releases have is an {@code Optional}.
                 * Each release's generated {@code Abi} implements it; choose one with {@link #of}.
                 */
                public interface GspBindings extends GspAbi {
                    /** @return every release with bindings, oldest first */
                    static List<GspBindings> releases() {
                        return GspAbi.all().stream().map(GspBindings.class::cast).toList();
                    }

                    /** @return the bindings of a firmware version, if there are any */
                    static Optional<GspBindings> of(String version) {
                        return GspAbi.forVersion(version).map(GspBindings.class::cast);
                    }
                """);
        for (NeutralModel.Struct s : model.structs.values()) {
            b.append("\n    /** @return {@code ").append(s.name()).append("} (").append(model.presence(s.releases()))
                    .append(") */\n");
            b.append("    ").append(model.everywhere(s.releases()) ? s.name() : "Optional<" + s.name() + ">")
                    .append(" ").append(s.name()).append("();\n");
        }
        named(b, model.constants, "", "{@code %s}");
        named(b, model.functions, "FUNCTION_", "RPC function {@code NV_VGPU_MSG_FUNCTION_%s}");
        named(b, model.events, "EVENT_", "event {@code NV_VGPU_MSG_EVENT_%s}");
        b.append("}\n");
        return b.toString();
    }

    private void named(StringBuilder b, Map<String, NeutralModel.Named> m, String prefix, String doc) {
        for (NeutralModel.Named n : m.values()) {
            b.append("\n    /** @return ").append(doc.formatted(n.name())).append(" (")
                    .append(model.presence(n.releases())).append(") */\n");
            b.append("    ").append(model.everywhere(n.releases()) ? "int" : "OptionalInt").append(" ").append(prefix)
                    .append(n.name()).append("();\n");
        }
    }

    static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
