package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No code outside a bundle names that bundle's {@code internal} packages — not another bundle's
 * main code (the framework would refuse it anyway), and not the tests, benchmarks and integration
 * tests, which run on plain class paths where nothing else stops them. Read from the sources, so
 * an import, a fully qualified name and a javadoc link all count. An internal package of a test
 * bundle that a module builds for itself (integration-tests' TinyBundles) belongs to the module that
 * declares it. This module's own sources are left out: their test data name internal packages on
 * purpose.
 */
class InternalPackagesTest {
    /** A package name with an {@code internal} segment; class names (capitalised) end it. */
    private static final Pattern INTERNAL = Pattern.compile("org\\.nova(?:\\.[a-z][a-z0-9_]*)*?\\.internal(?:\\.[a-z][a-z0-9_]*)*");

    /** @return the bundle owning an internal package: the bundle whose private package it is or extends */
    static Optional<String> owner(String pkg, Map<String, String> privates) {
        String p = pkg;
        while (true) {
            String o = privates.get(p);
            if (o != null) {
                return Optional.of(o);
            }
            int dot = p.lastIndexOf('.');
            if (dot < 0 || !p.substring(0, dot).contains(".internal")) {
                return Optional.empty();
            }
            p = p.substring(0, dot);
        }
    }

    /** The package statement of a source file. */
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** This module, whose test data name internal packages on purpose. */
    private static final String SELF = "architecture";

    /** @return violations in one source text of module {@code module} */
    static List<String> scan(String module, String file, String text, Map<String, String> privates) {
        List<String> out = new ArrayList<>();
        Matcher m = INTERNAL.matcher(text);
        while (m.find()) {
            String pkg = m.group();
            Optional<String> owner = owner(pkg, privates);
            if (owner.isEmpty()) {
                out.add(file + " names " + pkg + ", an internal package no bundle contains");
            } else if (!owner.get().equals(module)) {
                out.add(file + " (" + module + ") names " + pkg + ", internal to " + owner.get());
            }
        }
        return out;
    }

    @Test
    void noModuleReachesIntoAnotherBundlesInternals() {
        Map<String, String> privates = new HashMap<>();
        Workspace.bundles().values().forEach(b -> b.packages("Private-Package").forEach(p -> privates.put(p, b.name())));
        // internal packages no bundle contains belong to the module that declares them
        for (Path module : Workspace.modules()) {
            forEachSource(module, (f, text) -> {
                Matcher m = PACKAGE.matcher(text);
                if (m.find() && m.group(1).contains(".internal")) {
                    privates.putIfAbsent(m.group(1), module.getFileName().toString());
                }
            });
        }
        List<String> violations = new ArrayList<>();
        int[] files = {0};
        for (Path module : Workspace.modules()) {
            if (module.getFileName().toString().equals(SELF)) {
                continue;
            }
            forEachSource(module, (f, text) -> {
                files[0]++;
                violations.addAll(scan(module.getFileName().toString(), Workspace.repo().relativize(f).toString(), text, privates));
            });
        }
        assertTrue(files[0] > 100, "the scan found only " + files[0] + " Java files under " + Workspace.repo());
        assertTrue(violations.isEmpty(), "references to other bundles' internal packages:\n  "
                + String.join("\n  ", violations));
    }

    /** Calls {@code action} with every Java source of a module and its text. */
    private static void forEachSource(Path module, BiConsumer<Path, String> action) {
        Path src = module.resolve("src");
        if (!Files.isDirectory(src)) {
            return;
        }
        try (Stream<Path> s = Files.walk(src)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                action.accept(f, Files.readString(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theScanSeesImportsNamesAndLinks() {
        Map<String, String> privates = Map.of("org.nova.bus.pci.internal", "bus.pci", "org.nova.driver.internal", "driver.core");
        assertEquals(List.of(), scan("bus.pci", "A.java", "import org.nova.bus.pci.internal.shell.Lspci;", privates));
        assertEquals(List.of("B.java (benchmarks) names org.nova.bus.pci.internal, internal to bus.pci"),
                scan("benchmarks", "B.java", "import org.nova.bus.pci.internal.PciMatch;", privates));
        assertEquals(1, scan("bus.pci", "C.java", "new org.nova.driver.internal.DriverCoreImpl()", privates).size());
        assertEquals(1, scan("samples", "D.java", "/** {@link org.nova.driver.internal.BusImpl} */", privates).size());
        assertFalse(scan("x", "E.java", "org.nova.gpu.internal.Gpu", privates).isEmpty(), "an unknown internal package is reported");
    }
}
