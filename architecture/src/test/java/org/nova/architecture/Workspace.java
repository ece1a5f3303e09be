package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The repository and its built bundles, as the checks see them: the folders (every folder with a
 * bnd.bnd is a bundle named after it) and each bundle's jar, found on the test class path.
 */
final class Workspace {
    private Workspace() {
    }

    /** @return the repository's root, passed by the build as {@code nova.repo} */
    static Path repo() {
        String dir = System.getProperty("nova.repo");
        assertTrue(dir != null, "system property nova.repo is not set (the architecture module's pom sets it)");
        return Path.of(dir).toAbsolutePath().normalize();
    }

    /** @return every module folder of the reactor, bundles or not, sorted by name */
    static List<Path> modules() {
        try (Stream<Path> s = Files.list(repo())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("pom.xml"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the bundle folders' names (folders with a bnd.bnd), sorted */
    static List<String> bundleNames() {
        return modules().stream().filter(p -> Files.isRegularFile(p.resolve("bnd.bnd")))
                .map(p -> p.getFileName().toString()).toList();
    }

    /** A built bundle: its symbolic name, its jar and its manifest. */
    record Bundle(String name, Path jar, Manifest manifest) {
        String header(String name) {
            String v = manifest.getMainAttributes().getValue(name);
            return v == null ? "" : v;
        }

        /** @return the packages of an Export-Package, Import-Package or Private-Package header */
        List<String> packages(String header) {
            return OsgiHeader.names(header(header));
        }
    }

    /**
     * @return every bundle of the workspace by name, read from the jars on the class path
     *         (the architecture module depends on each); fails if one is missing or unpackaged
     */
    static Map<String, Bundle> bundles() {
        Map<String, Bundle> found = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(p)) {
                continue;
            }
            try (JarFile jar = new JarFile(p.toFile())) {
                Manifest m = jar.getManifest();
                String bsn = m == null ? null : m.getMainAttributes().getValue("Bundle-SymbolicName");
                if (bsn != null) {
                    String name = bsn.split(";")[0].trim();
                    if (bundleNames().contains(name)) {
                        found.put(name, new Bundle(name, p, m));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + p, e);
            }
        }
        List<String> missing = new ArrayList<>(bundleNames());
        missing.removeAll(found.keySet());
        assertTrue(missing.isEmpty(), "bundles not on the class path as packaged jars: " + missing
                + " (add them to architecture/pom.xml; run through mvn install so that the jars exist)");
        assertFalse(found.isEmpty(), "no bundle found");
        return found;
    }

    /** Reads one entry of a jar. */
    static byte[] read(JarFile jar, String entry) {
        try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + entry + " of " + jar.getName(), e);
        }
    }
}
