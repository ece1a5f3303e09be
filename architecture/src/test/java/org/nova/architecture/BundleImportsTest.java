package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every bundle's Import-Package, as bnd computed it from the code, against the table of
 * docs/architecture.md; and the table against the bundles that exist. The checker itself is proven
 * on made-up manifests first, so a table that allows everything cannot pass unnoticed.
 */
class BundleImportsTest {
    /** Only the project's own packages are governed by the table. */
    private static final String PROJECT = "org.nova.";

    private static ImportRules rules() throws IOException {
        return ImportRules.parse(Files.readString(Workspace.repo().resolve("docs/architecture.md")));
    }

    @Test
    void theTableNamesEveryBundleAndOnlyBundles() throws IOException {
        assertEquals(Workspace.bundleNames(), rules().rows().keySet().stream().sorted().toList(),
                "the rows of the import table of docs/architecture.md vs the folders that have a bnd.bnd");
        for (ImportRules.Rule r : rules().rows().values()) {
            for (String exporter : r.exporters().keySet()) {
                assertTrue(Workspace.bundleNames().contains(exporter), "the table names '" + exporter
                        + "', which is not a bundle");
            }
        }
    }

    @Test
    void everyBundleImportsOnlyWhatTheTableAllows() throws IOException {
        Map<String, String> exports = new HashMap<>();
        Map<String, String> privates = new HashMap<>();
        Map<String, List<String>> imports = new TreeMap<>();
        for (Workspace.Bundle b : Workspace.bundles().values()) {
            b.packages("Export-Package").forEach(p -> exports.put(p, b.name()));
            b.packages("Private-Package").forEach(p -> privates.put(p, b.name()));
            imports.put(b.name(), b.packages("Import-Package").stream().filter(p -> p.startsWith(PROJECT)).toList());
        }
        List<String> violations = rules().violations(exports, imports, privates);
        assertTrue(violations.isEmpty(), "imports against docs/architecture.md:\n  " + String.join("\n  ", violations));
    }

    @Test
    void noBundleExportsAnInternalPackage() {
        List<String> bad = new ArrayList<>();
        for (Workspace.Bundle b : Workspace.bundles().values()) {
            b.packages("Export-Package").stream().filter(p -> p.contains(".internal")).forEach(p -> bad.add(b.name() + ": " + p));
        }
        assertTrue(bad.isEmpty(), "internal packages exported: " + bad);
    }

    @Test
    void theCheckerCatchesAForbiddenImport() {
        ImportRules r = ImportRules.parse(ImportRules.BEGIN + " -->\n| bundle | may import |\n|---|---|\n"
                + "| bus.pci | driver.core, hw.api (org.nova.hw.pci only) |\n| hw.sim | hw.api |\n| hw.api | — |\n"
                + "| runtime | " + ImportRules.ANY + " |\n" + ImportRules.END);
        Map<String, String> exports = Map.of("org.nova.hw", "hw.api", "org.nova.hw.pci", "hw.api",
                "org.nova.driver", "driver.core", "org.nova.hw.sim", "hw.sim");
        Map<String, String> privates = Map.of("org.nova.hw.sim.gpu", "hw.sim");
        assertEquals(List.of(), r.violations(exports, Map.of("bus.pci", List.of("org.nova.driver", "org.nova.hw.pci")), privates));
        assertEquals(List.of("bus.pci imports org.nova.hw.sim: the table does not let it import hw.sim"),
                r.violations(exports, Map.of("bus.pci", List.of("org.nova.hw.sim")), privates));
        assertEquals(List.of("bus.pci imports org.nova.hw: of hw.api it may import only [org.nova.hw.pci]"),
                r.violations(exports, Map.of("bus.pci", List.of("org.nova.hw")), privates));
        assertEquals(List.of("runtime imports org.nova.hw.sim.gpu, which no bundle exports (a private package of hw.sim)"),
                r.violations(exports, Map.of("runtime", List.of("org.nova.hw.sim.gpu")), privates));
        assertEquals(List.of("hw.api imports org.nova.hw.sim: the table does not let it import hw.sim"),
                r.violations(exports, Map.of("hw.api", List.of("org.nova.hw.sim")), privates));
        assertEquals(List.of(), r.violations(exports, Map.of("runtime", List.of("org.nova.hw.sim", "org.nova.hw")), privates));
        Map<String, String> withTesting = Map.of("org.nova.driver.testing", "driver.core");
        assertEquals(List.of("runtime imports org.nova.driver.testing: test support is for tests and benchmarks, not bundles"),
                r.violations(withTesting, Map.of("runtime", List.of("org.nova.driver.testing")), privates));
    }
}
