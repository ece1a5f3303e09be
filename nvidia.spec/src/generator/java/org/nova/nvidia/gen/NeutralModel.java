package org.nova.nvidia.gen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The union of every release's description: each structure, field, constant, function and event
 * any release declares, with the releases that have it. The release-neutral interfaces are
 * generated from it, so code written against them serves every release and meets an absence
 * explicitly (a {@code has...} method, an {@code Optional}) instead of a silent zero.
 */
final class NeutralModel {
    /** A field as every release that has it declares it. */
    record Field(String name, boolean scalar, boolean wide, List<String> releases) {
        /** @return the Java type of its value: long if any release makes it a u64 */
        String javaType() {
            return wide ? "long" : "int";
        }
    }

    /** A structure and the union of its fields, in first-declared order. */
    record Struct(String name, List<String> releases, Map<String, Field> fields) {
    }

    /** A named number and the releases that have it. */
    record Named(String name, List<String> releases) {
    }

    final List<AbiDescription> releases;
    final Map<String, Struct> structs = new LinkedHashMap<>();
    final Map<String, Named> constants;
    final Map<String, Named> functions;
    final Map<String, Named> events;

    /**
     * @param releases every release, oldest first
     * @throws IllegalArgumentException if a field is a scalar in one release and bytes in another
     */
    NeutralModel(List<AbiDescription> releases) {
        this.releases = releases;
        for (AbiDescription a : releases) {
            for (AbiDescription.Struct s : a.structs) {
                Struct n = structs.computeIfAbsent(s.name(), k -> new Struct(k, new ArrayList<>(), new LinkedHashMap<>()));
                n.releases().add(a.version);
                for (AbiDescription.Field f : s.fields()) {
                    Field old = n.fields().get(f.name());
                    boolean wide = f.type().equals("u64");
                    if (old == null) {
                        List<String> rs = new ArrayList<>();
                        rs.add(a.version);
                        n.fields().put(f.name(), new Field(f.name(), f.scalar(), wide, rs));
                    } else {
                        if (old.scalar() != f.scalar()) {
                            throw new IllegalArgumentException(s.name() + "." + f.name() + " is " + f.type() + " in "
                                    + a.version + " but " + (old.scalar() ? "a scalar" : "bytes") + " in "
                                    + old.releases());
                        }
                        old.releases().add(a.version);
                        if (wide && !old.wide()) {
                            n.fields().put(f.name(), new Field(f.name(), true, true, old.releases()));
                        }
                    }
                }
            }
        }
        constants = named(a -> a.constants);
        functions = named(a -> a.functions);
        events = named(a -> a.events);
    }

    private Map<String, Named> named(Function<AbiDescription, Map<String, Integer>> of) {
        Map<String, Named> out = new LinkedHashMap<>();
        for (AbiDescription a : releases) {
            for (String n : of.apply(a).keySet()) {
                out.computeIfAbsent(n, k -> new Named(k, new ArrayList<>())).releases().add(a.version);
            }
        }
        return out;
    }

    /** @return whether every release has something present in {@code in} */
    boolean everywhere(List<String> in) {
        return in.size() == releases.size();
    }

    /** @return "in every release" or the releases that have it and those that lack it */
    String presence(List<String> in) {
        if (everywhere(in)) {
            return "every release";
        }
        List<String> lack = releases.stream().map(r -> r.version).filter(v -> !in.contains(v)).toList();
        return "only " + String.join(", ", in) + "; absent in " + String.join(", ", lack);
    }
}
