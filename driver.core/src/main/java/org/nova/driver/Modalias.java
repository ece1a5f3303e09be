package org.nova.driver;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A device's MODALIAS ({@link Uevent#MODALIAS}) and the patterns drivers declare for it: the
 * string a bus writes into its ADD uevent (lib/kobject_uevent.c, each bus's {@code uevent}
 * callback) and the rule modprobe uses to find the modules whose aliases cover it. kmod (libkmod/libkmod-module.c
 * {@code kmod_module_new_from_lookup}, libkmod-index.c) compares a device's alias with every
 * alias pattern of modules.alias with {@code fnmatch(pattern, alias, 0)}: no flags, so {@code *}
 * also crosses {@code /} and {@code .}, and a backslash quotes the next character.
 *
 * <p>The pattern syntax is the bus's own (scripts/mod/file2alias.c writes it from a driver's id
 * table; {@code org.nova.bus.pci.PciAlias} does so for PCI); this class knows no bus.
 *
 * <p>Stateless; every method is safe from any thread.
 */
public final class Modalias {
    /**
     * The capability namespace a driver bundle declares each alias pattern of its id tables in
     * (Provide-Capability): this runtime's modules.alias, read from the manifest without loading a
     * class. Attributes {@link #ALIAS_ATTR}, {@link #BUS_ATTR}, {@link #DRIVER_ATTR}.
     */
    public static final String NAMESPACE = "nova.driver.alias";
    /** The capability attribute holding one alias pattern (file2alias.c's MODULE_ALIAS string). */
    public static final String ALIAS_ATTR = "alias";
    /** The capability attribute naming the bus of the pattern ("pci", "auxiliary"). */
    public static final String BUS_ATTR = "bus";
    /** The capability attribute naming the driver whose id table gave the pattern. */
    public static final String DRIVER_ATTR = "driver";

    /**
     * One alias a bundle declares: a {@value #NAMESPACE} capability of its manifest.
     *
     * @param bus the {@value #BUS_ATTR} attribute, "" if absent
     * @param driver the {@value #DRIVER_ATTR} attribute, "" if absent
     * @param pattern the {@value #ALIAS_ATTR} attribute, the fnmatch pattern
     */
    public record Declared(String bus, String driver, String pattern) {
    }

    private Modalias() {
    }

    /**
     * The aliases a Provide-Capability header declares: its {@value #NAMESPACE} clauses that carry
     * an {@value #ALIAS_ATTR} attribute, in header order. Parses the header syntax of the OSGi Core
     * specification (3.2.4: clauses separated by commas, parameters by semicolons, quoted strings
     * with backslash escapes, typed attributes {@code name:type=value}, directives {@code :=}
     * ignored), so that a bundle's aliases can be read from its jar without installing it.
     *
     * @param provideCapability the header's value; null or empty declares nothing
     * @return the declared aliases
     * @throws IllegalArgumentException if a quoted string is not closed
     */
    public static List<Declared> declared(String provideCapability) {
        List<Declared> out = new ArrayList<>();
        if (provideCapability == null) {
            return out;
        }
        for (String clause : split(provideCapability, ',')) {
            List<String> parts = split(clause, ';');
            if (parts.isEmpty() || !parts.get(0).trim().equals(NAMESPACE)) {
                continue;
            }
            Map<String, String> attrs = new HashMap<>();
            for (String p : parts.subList(1, parts.size())) {
                int eq = p.indexOf('=');
                if (eq <= 0 || p.charAt(eq - 1) == ':') {
                    continue; // a directive, or no parameter at all
                }
                String name = p.substring(0, eq).trim();
                int colon = name.indexOf(':');
                if (colon >= 0) {
                    name = name.substring(0, colon).trim();
                }
                attrs.put(name, unquote(p.substring(eq + 1).trim()));
            }
            String pattern = attrs.get(ALIAS_ATTR);
            if (pattern != null) {
                out.add(new Declared(attrs.getOrDefault(BUS_ATTR, ""), attrs.getOrDefault(DRIVER_ATTR, ""), pattern));
            }
        }
        return out;
    }

    /** Splits at {@code sep} outside quoted strings; quotes and escapes are kept for {@link #unquote}. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unclosed quoted string in header: " + s);
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString());
        }
        return out;
    }

    /** The value of an argument: a quoted string loses its quotes and escapes, a token is itself. */
    private static String unquote(String v) {
        if (v.length() < 2 || v.charAt(0) != '"' || v.charAt(v.length() - 1) != '"') {
            return v;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() - 1) {
                c = v.charAt(++i);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /**
     * Compares the alias patterns a driver's real id table gives with those its bundle's manifest
     * declares for it ({@value #NAMESPACE} capabilities naming the bus and the driver): the
     * manifest is written at build time, the table is what the bus matches with, and an autoload
     * by a stale manifest would load a bundle that then binds nothing (or miss one that would).
     *
     * @param bus the bus name
     * @param driver the driver name
     * @param fromTable the patterns of the driver's id table (for PCI: {@code PciAlias.patterns})
     * @param declared the patterns its bundle declares for it
     * @return a sentence naming the driver and what is missing on either side; empty when the
     *     two agree as sets
     */
    public static Optional<String> drift(String bus, String driver, Collection<String> fromTable,
            Collection<String> declared) {
        Set<String> missing = new TreeSet<>(fromTable);
        missing.removeAll(declared);
        Set<String> extra = new TreeSet<>(declared);
        extra.removeAll(fromTable);
        if (missing.isEmpty() && extra.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder().append(bus).append(" driver ").append(driver)
                .append(": the manifest's ").append(NAMESPACE).append(" capabilities differ from its id table");
        if (!missing.isEmpty()) {
            sb.append("; not declared: ").append(String.join(" ", missing));
        }
        if (!extra.isEmpty()) {
            sb.append("; declared but not in the table: ").append(String.join(" ", extra));
        }
        return Optional.of(sb.toString());
    }

    /**
     * POSIX {@code fnmatch(pattern, string, 0)}: {@code *} any run of characters, {@code ?} one
     * character, {@code [...]} one character of a set (ranges {@code a-z}, negated by a leading
     * {@code !} or {@code ^}, a {@code ]} first is literal), {@code \} quotes the next character.
     * A {@code [} without its closing {@code ]} is an ordinary character, as in glibc.
     *
     * @param pattern an alias pattern, as a driver declares it
     * @param alias a device's MODALIAS
     * @return true if the pattern covers the alias
     * @throws NullPointerException if either is null
     */
    public static boolean matches(String pattern, String alias) {
        int p = 0;
        int s = 0;
        int starP = -1;
        int starS = -1;
        while (s < alias.length()) {
            if (p < pattern.length()) {
                char c = pattern.charAt(p);
                if (c == '*') {
                    starP = ++p;
                    starS = s;
                    continue;
                }
                int next = single(pattern, p, alias.charAt(s));
                if (next > 0) {
                    p = next;
                    s++;
                    continue;
                }
            }
            if (starP < 0) {
                return false;
            }
            // the last '*' takes one more character and the rest of the pattern tries again
            p = starP;
            s = ++starS;
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    /**
     * Matches one pattern element (not {@code *}) at {@code p} against {@code ch}.
     *
     * @return the index after the element if it matches {@code ch}, else -1
     */
    private static int single(String pattern, int p, char ch) {
        char c = pattern.charAt(p);
        if (c == '?') {
            return p + 1;
        }
        if (c == '\\' && p + 1 < pattern.length()) {
            return pattern.charAt(p + 1) == ch ? p + 2 : -1;
        }
        if (c == '[') {
            int end = bracketEnd(pattern, p);
            if (end > 0) {
                return inBracket(pattern, p + 1, end, ch) ? end + 1 : -1;
            }
        }
        return c == ch ? p + 1 : -1;
    }

    /** @return the index of the {@code ]} closing the bracket expression opened at {@code open}, or -1 */
    private static int bracketEnd(String pattern, int open) {
        int i = open + 1;
        if (i < pattern.length() && (pattern.charAt(i) == '!' || pattern.charAt(i) == '^')) {
            i++;
        }
        if (i < pattern.length() && pattern.charAt(i) == ']') {
            i++;
        }
        for (; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length()) {
                i++;
            } else if (c == ']') {
                return i;
            }
        }
        return -1;
    }

    /** Is {@code ch} in the set {@code pattern[from, end)} (the text between the brackets)? */
    private static boolean inBracket(String pattern, int from, int end, char ch) {
        int i = from;
        boolean negate = pattern.charAt(i) == '!' || pattern.charAt(i) == '^';
        if (negate) {
            i++;
        }
        boolean found = false;
        boolean first = true;
        while (i < end) {
            char lo = pattern.charAt(i);
            if (lo == '\\' && i + 1 < end) {
                lo = pattern.charAt(++i);
            } else if (lo == ']' && !first) {
                break;
            }
            first = false;
            i++;
            char hi = lo;
            if (i + 1 < end && pattern.charAt(i) == '-') {
                hi = pattern.charAt(i + 1);
                if (hi == '\\' && i + 2 < end) {
                    hi = pattern.charAt(i + 2);
                    i++;
                }
                i += 2;
            }
            if (lo <= ch && ch <= hi) {
                found = true;
            }
        }
        return found != negate;
    }
}
