package org.nova.bus.pci.internal.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.driver.Modalias;
import org.nova.hw.SysfsPciDevice;

/**
 * The driver and module lines of {@code lspci -k} and {@code -v}: pciutils' ls-kernel.c
 * ({@code show_kernel}). "Kernel driver in use" names the driver this runtime bound, or else the
 * one the running kernel bound (the sysfs {@code driver} link of a host function). "Kernel
 * modules" lists the modules whose aliases in the kernel's modules.alias
 * ({@code /lib/modules/$(uname -r)/modules.alias}, written by depmod) cover the function's
 * sysfs {@code modalias}, compared as kmod compares them ({@link Modalias#matches}, fnmatch),
 * each module once, in the file's order; there is no such line for a function without a
 * modalias (simulated, or through VFIO) or when the file cannot be read, as lspci prints none
 * when libkmod cannot load its indexes.
 *
 * <p>One instance serves one listing: the aliases are read once, when the first function that
 * has a modalias asks; the parsed file is kept while its size and modification time stay the
 * same, so a later listing sees a changed file.
 */
final class LsKernel {
    /** The depmod output lspci's libkmod context reads, under /lib/modules/RELEASE (ls-kernel.c show_kernel_init). */
    private static final String MODULES_ALIAS = "modules.alias";
    /** The keyword of an alias line of modules.alias: "alias PATTERN MODULE" (depmod's output_aliases). */
    private static final String ALIAS = "alias";
    /** The fields of an alias line. */
    private static final int ALIAS_FIELDS = 3;

    /** The bus prefix of the aliases lspci can match: a PCI modalias starts with it (pci_uevent, drivers/pci/pci-driver.c). */
    private static final String PCI_PREFIX = "pci:";
    /** The characters fnmatch gives a meaning: the literal prefix of a pattern ends at the first. */
    private static final String FNMATCH_SPECIALS = "*?[\\";

    /**
     * One alias line, with the literal part its pattern starts with: an alias that does not start
     * with it cannot match, which spares the fnmatch of nearly every line (kmod's index is a trie
     * for the same reason).
     */
    private record Alias(String pattern, String module, String literal) {
        static Alias of(String pattern, String module) {
            int end = pattern.length();
            for (int i = 0; i < pattern.length(); i++) {
                if (FNMATCH_SPECIALS.indexOf(pattern.charAt(i)) >= 0) {
                    end = i;
                    break;
                }
            }
            return new Alias(pattern, module, pattern.substring(0, end));
        }

        boolean matches(String modalias) {
            return modalias.startsWith(literal) && Modalias.matches(pattern, modalias);
        }
    }

    /** A modules.alias as read, with what identified the file's version (size, modification time). */
    private record Read(Path file, long size, long modified, List<Alias> aliases) {
    }

    /** The last file read: a listing re-reads it only when its size or modification time changed. */
    private static volatile Read lastRead;

    private final Path file;
    private List<Alias> aliases;

    /** @param file the modules.alias to read, or null for none */
    LsKernel(Path file) {
        this.file = file;
    }

    /** The running kernel's modules.alias: os.version is uname's release on Linux. */
    static LsKernel system() {
        return new LsKernel(Path.of("/lib/modules", System.getProperty("os.version"), MODULES_ALIAS));
    }

    /** show_kernel: the driver in use, then the modules. */
    void show(StringBuilder sb, PciDeviceInfo d) {
        Optional<String> driver = d.driver().or(() -> d.sysfs().flatMap(SysfsPciDevice::driver));
        driver.ifPresent(name -> sb.append("\tKernel driver in use: ").append(name).append('\n'));
        Optional<String> modalias = d.sysfs().flatMap(SysfsPciDevice::modalias);
        if (modalias.isEmpty()) {
            return;
        }
        List<String> modules = modules(modalias.get());
        if (!modules.isEmpty()) {
            sb.append("\tKernel modules: ").append(String.join(", ", modules)).append('\n');
        }
    }

    /** @return the modules whose aliases match, each once, in the order modules.alias lists them */
    List<String> modules(String modalias) {
        Set<String> out = new LinkedHashSet<>();
        for (Alias a : aliases()) {
            if (a.matches(modalias)) {
                out.add(a.module());
            }
        }
        return new ArrayList<>(out);
    }

    private List<Alias> aliases() {
        if (aliases == null) {
            aliases = file == null ? List.of() : read(file);
        }
        return aliases;
    }

    private static List<Alias> read(Path file) {
        try {
            long size = Files.size(file);
            long modified = Files.getLastModifiedTime(file).toMillis();
            Read last = lastRead;
            if (last != null && last.file().equals(file) && last.size() == size && last.modified() == modified) {
                return last.aliases();
            }
            List<Alias> aliases;
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                aliases = parse(r);
            }
            lastRead = new Read(file, size, modified, aliases);
            return aliases;
        } catch (IOException e) {
            // lspci prints no module line when libkmod cannot load the kernel's indexes
            return List.of();
        }
    }

    /** Parses modules.alias: its "alias pci:... MODULE" lines; comments and other buses' aliases are skipped. */
    static List<Alias> parse(Reader in) throws IOException {
        List<Alias> out = new ArrayList<>();
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        String keyword = ALIAS + " " + PCI_PREFIX;
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (!line.startsWith(keyword)) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            if (f.length == ALIAS_FIELDS) {
                out.add(Alias.of(f[1], f[2]));
            }
        }
        return List.copyOf(out);
    }

    /** A listing's module lookups over given modules.alias text (tests). */
    static LsKernel of(String modulesAlias) {
        LsKernel k = new LsKernel(null);
        try {
            k.aliases = parse(new StringReader(modulesAlias));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return k;
    }
}
