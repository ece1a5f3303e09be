package org.nova.architecture;

import java.util.ArrayList;
import java.util.List;

/** Just enough of the OSGi manifest header syntax (Core spec 3.2.4) to list a header's names. */
final class OsgiHeader {
    private OsgiHeader() {
    }

    /**
     * @param header a header value such as {@code a.b;version="[1.1,2)",c.d}
     * @return the clause names ({@code a.b}, {@code c.d}), without attributes and directives
     */
    static List<String> names(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                add(out, clause.toString());
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        add(out, clause.toString());
        return out;
    }

    private static void add(List<String> out, String clause) {
        String name = clause.split(";")[0].trim();
        if (!name.isEmpty()) {
            out.add(name);
        }
    }
}
