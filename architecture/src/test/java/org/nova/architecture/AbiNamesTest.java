package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * The firmware ABI stays inside nova.core and nvidia.spec: no other bundle's code spells a name of
 * the ABI descriptions as a string (a structure, constant, function or event name, or a field name
 * that is more than a plain lowercase word), and none calls a string-keyed accessor of the ABI
 * runtime. Read from the built classes (string constants and call sites), so what a helper method
 * or a constant folded in by javac spells counts too.
 */
class AbiNamesTest {
    /** The bundles that are the ABI layer. */
    static final Set<String> ABI_LAYER = Set.of("nova.core", "nvidia.spec");
    /** Where the ABI runtime and the generated bindings live (internal names). */
    static final String ABI_PACKAGE = "org/nova/nvidia/gsp/";
    /**
     * The string-keyed accessors of the ABI runtime (GspStruct's and GspAbi's, and what the
     * generated release classes inherit of them): called with a String, they take an ABI name. The
     * typed bindings' accessors that take a String take a value (a name to write into a struct),
     * and {@code GspBindings.of} a firmware version: neither is an ABI name.
     */
    static final Set<String> STRING_KEYED = Set.of("has", "field", "get", "put", "getString", "putString",
            "constant", "function", "event", "struct");
    /** A field name that is a plain lowercase word ("size", "flags") says nothing of the ABI. */
    private static boolean distinctive(String field) {
        return !field.matches("[a-z]+");
    }

    /** @return every name the ABI descriptions give that code must not spell outside the layer */
    static Set<String> abiNames() {
        Path dir = Workspace.repo().resolve("nvidia.spec/src/main/resources/org/nova/nvidia/gsp/abi");
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".abi")).toList()) {
                for (String line : Files.readAllLines(f)) {
                    String[] w = line.trim().split("\\s+");
                    switch (w[0]) {
                        case "struct", "constant", "function", "event" -> names.add(w[1]);
                        case "field" -> {
                            if (distinctive(w[1])) {
                                names.add(w[1]);
                            }
                        }
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** @return the violations in one class file */
    static List<String> scan(String bundle, byte[] classFile, Set<String> names) {
        List<String> out = new ArrayList<>();
        ClassReader reader = new ClassReader(classFile);
        String cls = reader.getClassName().replace('/', '.');
        reader.accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String method, String desc, String sig, String[] ex) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitLdcInsn(Object value) {
                        if (value instanceof String s && names.contains(s)) {
                            out.add(bundle + ": " + cls + "." + method + " spells the ABI name \"" + s + "\"");
                        }
                    }

                    @Override
                    public void visitMethodInsn(int op, String owner, String name, String descriptor, boolean itf) {
                        boolean stringParam = List.of(Type.getArgumentTypes(descriptor)).contains(Type.getType(String.class));
                        if (owner.startsWith(ABI_PACKAGE) && stringParam && STRING_KEYED.contains(name)) {
                            out.add(bundle + ": " + cls + "." + method + " calls the string-keyed "
                                    + owner.replace('/', '.') + "." + name);
                        }
                    }
                };
            }
        }, 0);
        return out;
    }

    @Test
    void noBundleOutsideTheAbiLayerSpellsTheAbi() {
        Set<String> names = abiNames();
        assertTrue(names.size() > 100, "only " + names.size() + " ABI names read from the descriptions");
        List<String> violations = new ArrayList<>();
        int classes = 0;
        for (Workspace.Bundle b : Workspace.bundles().values()) {
            if (ABI_LAYER.contains(b.name())) {
                continue;
            }
            try (JarFile jar = new JarFile(b.jar().toFile())) {
                for (String entry : Collections.list(jar.entries()).stream().map(e -> e.getName())
                        .filter(n -> n.endsWith(".class") && !n.endsWith("module-info.class")).toList()) {
                    classes++;
                    violations.addAll(scan(b.name(), Workspace.read(jar, entry), names));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertTrue(classes > 100, "only " + classes + " classes scanned");
        assertTrue(violations.isEmpty(), "the firmware ABI spelled outside nova.core/nvidia.spec:\n  "
                + String.join("\n  ", violations));
    }

    @Test
    void theScanSeesAnAbiStringAndAStringKeyedCall() {
        ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS | ClassWriter.COMPUTE_FRAMES);
        w.visit(Opcodes.V21, Opcodes.ACC_PUBLIC, "x/Driver", null, "java/lang/Object", null);
        MethodVisitor m = w.visitMethod(Opcodes.ACC_STATIC, "fill", "()V", null, null);
        m.visitCode();
        m.visitLdcInsn("hClient");
        m.visitInsn(Opcodes.POP);
        m.visitInsn(Opcodes.ACONST_NULL);
        m.visitLdcInsn("size");
        m.visitMethodInsn(Opcodes.INVOKEINTERFACE, "org/nova/nvidia/gsp/GspStruct", "field",
                "(Ljava/lang/String;)Ljava/lang/Object;", true);
        m.visitInsn(Opcodes.POP);
        m.visitInsn(Opcodes.RETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        w.visitEnd();
        assertEquals(List.of("b: x.Driver.fill spells the ABI name \"hClient\"",
                "b: x.Driver.fill calls the string-keyed org.nova.nvidia.gsp.GspStruct.field"),
                scan("b", w.toByteArray(), Set.of("hClient", "NVA081_CTRL_VGPU_INFO")));
    }
}
