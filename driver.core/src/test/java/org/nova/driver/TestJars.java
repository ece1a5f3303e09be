package org.nova.driver;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Jars for repository tests: a manifest as bnd writes it, and a class entry that must never load. */
public final class TestJars {
    private TestJars() {
    }

    /**
     * Writes a jar.
     *
     * @param dir the folder
     * @param file the file name
     * @param bsn the Bundle-SymbolicName, null for a jar that is not a bundle
     * @param aliases the alias patterns, each a {@value Modalias#NAMESPACE} capability with
     *     bus=pci and the bundle's name as driver
     * @return the jar
     */
    public static Path write(Path dir, String file, String bsn, List<String> aliases) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (bsn != null) {
            a.putValue("Bundle-ManifestVersion", "2");
            a.putValue("Bundle-SymbolicName", bsn + ";singleton:=true");
            a.putValue("Bundle-Version", "1.2.3");
        }
        if (!aliases.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (String alias : aliases) {
                sb.append(sb.isEmpty() ? "" : ",").append(Modalias.NAMESPACE).append(";alias=\"").append(alias)
                        .append("\";bus=pci;driver=").append(bsn);
            }
            a.putValue("Provide-Capability", sb.toString());
        }
        Path p = dir.resolve(file);
        try (OutputStream out = Files.newOutputStream(p); JarOutputStream j = new JarOutputStream(out, m)) {
            j.putNextEntry(new JarEntry("x/Bad.class"));
            j.write(new byte[] {1, 2, 3}); // not a class: loading it would fail loudly
            j.closeEntry();
        }
        return p;
    }
}
