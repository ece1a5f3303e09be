package org.nova.hw.sim.gpu;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.PACKED_REGISTRY_ENTRY;
import org.nova.nvidia.gsp.bindings.PACKED_REGISTRY_TABLE;

/**
 * GSP-RM reading SET_REGISTRY's PACKED_REGISTRY_TABLE: {@code numEntries} PACKED_REGISTRY_ENTRY
 * after the table header, each naming its key by {@code nameOffset} from the table's start (a
 * NUL-terminated string inside the table) and holding a DWORD in {@code data}. The table's
 * {@code size} counts the entries and names (as nova-core gsp/commands.rs fills it). Entries of
 * other types are skipped: the simulated GSP-RM has no use for them.
 */
final class SimRegistry {
    private SimRegistry() {
    }

    /**
     * @return the DWORD entries, key to value, in table order
     * @throws IllegalArgumentException naming what is malformed: a table larger than what
     *     arrived, entries that overrun it, a name outside the names or without its NUL
     */
    static Map<String, Integer> parse(GspBindings abi, byte[] p) {
        PACKED_REGISTRY_TABLE t = abi.PACKED_REGISTRY_TABLE();
        PACKED_REGISTRY_ENTRY e = abi.PACKED_REGISTRY_ENTRY();
        if (p.length < t.size()) {
            throw new IllegalArgumentException("SET_REGISTRY of " + p.length + " bytes, shorter than "
                    + t.name() + " (" + t.size() + ")");
        }
        long end = t.size() + Integer.toUnsignedLong(t.size(p, 0));
        long n = Integer.toUnsignedLong(t.numEntries(p, 0));
        if (end > p.length) {
            throw new IllegalArgumentException("the registry table declares " + end + " bytes, " + p.length
                    + " arrived");
        }
        long names = t.size() + n * e.size();
        if (names > end) {
            throw new IllegalArgumentException(n + " entries of " + e.size() + " bytes overrun the table's " + end
                    + " bytes");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int at = t.size() + i * e.size();
            long name = Integer.toUnsignedLong(e.nameOffset(p, at));
            if (name < names || name >= end) {
                throw new IllegalArgumentException("entry " + i + ": name offset " + name + " is outside the names ("
                        + names + ".." + end + ")");
            }
            int nul = (int) name;
            while (nul < end && p[nul] != 0) {
                nul++;
            }
            if (nul == end) {
                throw new IllegalArgumentException("entry " + i + ": the name at " + name + " has no NUL before the "
                        + "table ends");
            }
            if (e.type(p, at) == abi.REGISTRY_TABLE_ENTRY_TYPE_DWORD()) {
                out.put(new String(p, (int) name, nul - (int) name, StandardCharsets.US_ASCII), e.data(p, at));
            }
        }
        return Collections.unmodifiableMap(out);
    }
}
