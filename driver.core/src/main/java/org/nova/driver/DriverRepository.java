package org.nova.driver;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A folder of driver bundles searched by device alias: this runtime's
 * {@code /lib/modules/$(uname -r)} with depmod's modules.alias. Each {@code *.jar} of the folder
 * is indexed by reading its manifest alone (Bundle-SymbolicName, Bundle-Version and its
 * {@value Modalias#NAMESPACE} capabilities, {@link Modalias#declared}): no class of any bundle
 * is loaded, and a jar that is not a bundle is skipped with one log line. {@link #lookup} is
 * modprobe's alias resolution (kmod's {@code kmod_module_new_from_lookup}): every bundle with a
 * pattern that covers the alias, each once, in file-name order, as kmod returns every module an
 * alias resolves to and modprobe loads them all.
 *
 * <p>The index follows the folder: {@link #refresh} re-reads the jars that appeared or changed
 * (size or modification time) since the last look and forgets those that went. A folder that
 * does not exist gives one log line, the first time it is looked at (a WARN for a folder the
 * user configured, an INFO for the default one), and an empty index; it is indexed if it appears
 * later.
 *
 * <p>Thread-safe: {@link #refresh} and {@link #lookup} hold the repository's monitor.
 */
public final class DriverRepository {
    private static final Logger LOG = LoggerFactory.getLogger(DriverRepository.class);
    /** The file-name ending of the bundles the folder holds. */
    public static final String JAR_SUFFIX = ".jar";

    /**
     * One bundle of the repository.
     *
     * @param jar the jar file
     * @param symbolicName its Bundle-SymbolicName (without directives)
     * @param version its Bundle-Version, "0.0.0" if absent
     * @param aliases the aliases its manifest declares
     */
    public record Candidate(Path jar, String symbolicName, String version, List<Modalias.Declared> aliases) {
        public Candidate {
            aliases = List.copyOf(aliases);
        }
    }

    /**
     * A bundle an alias resolves to.
     *
     * @param candidate the bundle
     * @param alias the first of its declared aliases whose pattern covers the device's alias
     */
    public record Match(Candidate candidate, Modalias.Declared alias) {
    }

    /** What a jar looked like when it was read: re-read when either changes. */
    private record Stamp(long size, long modified) {
    }

    /** An indexed jar: a bundle, or null for a jar that is not one (logged once). */
    private record Entry(Stamp stamp, Candidate candidate) {
    }

    private final Path dir;
    /** Whether the user named the folder: a missing one is then a WARN, else an INFO. */
    private final boolean configured;
    /** The indexed jars by file name, in file-name order; guarded by this. */
    private final TreeMap<String, Entry> index = new TreeMap<>();
    /** Whether the missing folder was reported; guarded by this. */
    private boolean missingReported;

    /**
     * A repository of the folder; nothing is read until the first {@link #refresh} or
     * {@link #lookup}.
     *
     * @param dir the folder of driver bundles, named by the user (a missing one is a WARN)
     */
    public DriverRepository(Path dir) {
        this(dir, true);
    }

    /**
     * A repository of the folder; nothing is read until the first {@link #refresh} or
     * {@link #lookup}.
     *
     * @param dir the folder of driver bundles
     * @param configured true if the user named it (a missing folder is a WARN), false for a
     *     default the user may never have asked for (a missing folder is an INFO)
     */
    public DriverRepository(Path dir, boolean configured) {
        this.dir = dir.toAbsolutePath().normalize();
        this.configured = configured;
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /**
     * Brings the index up to date with the folder: new and changed jars are read (their
     * manifests only), removed ones forgotten.
     *
     * @return the bundles of the folder, in file-name order
     */
    public synchronized List<Candidate> refresh() {
        if (!Files.isDirectory(dir)) {
            if (!missingReported) {
                LOG.atLevel(configured ? Level.WARN : Level.INFO).log(
                        "driver repository {} does not exist: no driver is found by alias until it does", dir);
                missingReported = true;
            }
            index.clear();
            return List.of();
        }
        missingReported = false;
        Map<String, Path> seen = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + JAR_SUFFIX)) {
            for (Path p : ds) {
                seen.put(p.getFileName().toString(), p);
            }
        } catch (IOException e) {
            LOG.warn("driver repository {} cannot be listed: {}", dir, e.toString());
            return candidates();
        }
        index.keySet().retainAll(seen.keySet());
        for (Map.Entry<String, Path> e : seen.entrySet()) {
            Stamp stamp = stamp(e.getValue());
            Entry old = index.get(e.getKey());
            if (stamp == null || (old != null && old.stamp().equals(stamp))) {
                continue;
            }
            index.put(e.getKey(), new Entry(stamp, read(e.getValue())));
        }
        return candidates();
    }

    /**
     * modprobe's alias lookup: the bundles of the folder whose declared patterns cover the alias.
     * Refreshes the index first.
     *
     * @param modalias a device's MODALIAS
     * @return every matching bundle once, in file-name order, with the first pattern that matched
     */
    public synchronized List<Match> lookup(String modalias) {
        refresh();
        return search(modalias);
    }

    /**
     * {@link #lookup} on the index as it is, without looking at the folder (the search alone, as
     * the benchmark measures it).
     *
     * @param modalias a device's MODALIAS
     * @return every matching bundle once, in file-name order
     */
    public synchronized List<Match> search(String modalias) {
        List<Match> out = new ArrayList<>();
        for (Entry e : index.values()) {
            if (e.candidate() == null) {
                continue;
            }
            for (Modalias.Declared d : e.candidate().aliases()) {
                if (Modalias.matches(d.pattern(), modalias)) {
                    out.add(new Match(e.candidate(), d));
                    break;
                }
            }
        }
        return out;
    }

    private List<Candidate> candidates() {
        return index.values().stream().map(Entry::candidate).filter(c -> c != null).toList();
    }

    private static Stamp stamp(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return a.isRegularFile() ? new Stamp(a.size(), a.lastModifiedTime().toMillis()) : null;
        } catch (IOException e) {
            return null; // gone while listed
        }
    }

    /** Reads a jar's manifest; a jar that is not a bundle is logged and indexed as such. */
    private static Candidate read(Path jar) {
        Manifest m;
        try (JarFile f = new JarFile(jar.toFile())) {
            m = f.getManifest();
        } catch (IOException e) {
            LOG.warn("driver repository: {} skipped, not a readable jar: {}", jar, e.getMessage());
            return null;
        }
        Attributes main = m == null ? null : m.getMainAttributes();
        String bsn = main == null ? null : main.getValue("Bundle-SymbolicName");
        if (bsn == null || bsn.isBlank()) {
            LOG.warn("driver repository: {} skipped, not a bundle (no Bundle-SymbolicName in its manifest)", jar);
            return null;
        }
        String version = main.getValue("Bundle-Version");
        List<Modalias.Declared> aliases;
        try {
            aliases = Modalias.declared(main.getValue("Provide-Capability"));
        } catch (IllegalArgumentException e) {
            LOG.warn("driver repository: {} skipped, its Provide-Capability cannot be read: {}", jar, e.getMessage());
            return null;
        }
        return new Candidate(jar, bsn.split(";")[0].trim(), version == null ? "0.0.0" : version.trim(), aliases);
    }
}
