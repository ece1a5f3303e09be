package org.nova.architecture;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table "Who may import whom" of docs/architecture.md, parsed: for each bundle, the bundles
 * whose exported packages it may import, each possibly narrowed to some of its packages, or
 * "any exported package".
 *
 * @param rows the rules by importing bundle, in the table's order
 */
record ImportRules(Map<String, Rule> rows) {
    /** Start and end markers around the table in the document. */
    static final String BEGIN = "<!-- imports:", END = "<!-- end imports -->";
    /** The row value that allows every exported package. */
    static final String ANY = "any exported package";
    /** The last segment of a test-support package, which no bundle imports from another. */
    static final String TESTING = ".testing";
    /** One allowed exporter in a row: {@code hw.api (org.nova.hw.pci only)}. */
    private static final Pattern ENTRY = Pattern.compile("([\\w.]+)(?:\\s*\\(([^)]*) only\\))?");

    /** A row: {@code any}, or the allowed exporters with their package restriction (empty = all). */
    record Rule(boolean any, Map<String, Set<String>> exporters) {
        /** @return why importing {@code pkg} exported by {@code exporter} breaks this rule, if it does */
        Optional<String> check(String exporter, String pkg) {
            if (any) {
                return Optional.empty();
            }
            Set<String> only = exporters.get(exporter);
            if (only == null) {
                return Optional.of("the table does not let it import " + exporter);
            }
            if (!only.isEmpty() && !only.contains(pkg)) {
                return Optional.of("of " + exporter + " it may import only " + only);
            }
            return Optional.empty();
        }
    }

    /**
     * Parses the marked table of the document.
     *
     * @throws IllegalArgumentException naming the line when the table is missing or malformed
     */
    static ImportRules parse(String markdown) {
        int begin = markdown.indexOf(BEGIN);
        int end = markdown.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("docs/architecture.md has no table between '" + BEGIN
                    + "' and '" + END + "'");
        }
        Map<String, Rule> rows = new LinkedHashMap<>();
        for (String line : markdown.substring(begin, end).split("\n")) {
            String l = line.trim();
            if (!l.startsWith("|") || l.startsWith("|---") || l.startsWith("| bundle")) {
                continue;
            }
            String[] cells = l.substring(1, l.length() - 1).split("\\|");
            if (cells.length != 2) {
                throw new IllegalArgumentException("import table row without two cells: " + line);
            }
            String bundle = cells[0].trim();
            String allowed = cells[1].trim();
            if (allowed.equals(ANY)) {
                rows.put(bundle, new Rule(true, Map.of()));
                continue;
            }
            Map<String, Set<String>> exporters = new LinkedHashMap<>();
            if (!allowed.equals("—") && !allowed.equals("-")) {
                for (String item : splitTopLevel(allowed)) {
                    Matcher m = ENTRY.matcher(item.trim());
                    if (!m.matches()) {
                        throw new IllegalArgumentException("cannot read '" + item + "' in row: " + line);
                    }
                    Set<String> only = m.group(2) == null ? Set.of()
                            : Set.of(m.group(2).trim().split("\\s*,\\s*"));
                    exporters.put(m.group(1), only);
                }
            }
            rows.put(bundle, new Rule(false, exporters));
        }
        return new ImportRules(rows);
    }

    /** Splits on commas outside parentheses. */
    private static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : s.toCharArray()) {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (c == ',' && depth == 0) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /**
     * The violations of these rules by a set of bundles.
     *
     * @param exports  exported package -> exporting bundle, over every bundle
     * @param imports  bundle -> the org.nova packages it imports
     * @param privates private package -> bundle that contains it
     * @return one line per violation, naming importer, package and why
     */
    List<String> violations(Map<String, String> exports, Map<String, List<String>> imports, Map<String, String> privates) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : imports.entrySet()) {
            String importer = e.getKey();
            Rule rule = rows.get(importer);
            if (rule == null) {
                out.add(importer + ": no row in the import table of docs/architecture.md");
                continue;
            }
            for (String pkg : e.getValue()) {
                String exporter = exports.get(pkg);
                if (exporter == null) {
                    String owner = privates.get(pkg);
                    out.add(importer + " imports " + pkg + ", which no bundle exports"
                            + (owner == null ? "" : " (a private package of " + owner + ")"));
                } else if (!exporter.equals(importer) && pkg.endsWith(TESTING)) {
                    out.add(importer + " imports " + pkg + ": test support is for tests and benchmarks, not bundles");
                } else if (!exporter.equals(importer)) {
                    rule.check(exporter, pkg).ifPresent(why -> out.add(importer + " imports " + pkg + ": " + why));
                }
            }
        }
        return out;
    }
}
