package org.nova.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Gogo command line into its top-level statements: at ';' and newlines that are not
 * inside quotes or brackets, following Gogo's own tokenizer rules for quotes ('…' and "…", with
 * backslash escapes outside single quotes) and the brackets { } [ ] ( ).
 */
final class Statements {
    private Statements() {
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                cur.append(c);
                if (c == '\\' && quote == '"' && i + 1 < line.length()) {
                    cur.append(line.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            switch (c) {
                case '\\' -> {
                    cur.append(c);
                    if (i + 1 < line.length()) {
                        cur.append(line.charAt(++i));
                    }
                }
                case '\'', '"' -> {
                    quote = c;
                    cur.append(c);
                }
                case '{', '[', '(' -> {
                    depth++;
                    cur.append(c);
                }
                case '}', ']', ')' -> {
                    depth = Math.max(0, depth - 1);
                    cur.append(c);
                }
                case ';', '\n' -> {
                    if (depth == 0) {
                        flush(cur, out);
                    } else {
                        cur.append(c);
                    }
                }
                default -> cur.append(c);
            }
        }
        flush(cur, out);
        return out;
    }

    private static void flush(StringBuilder cur, List<String> out) {
        String s = cur.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        cur.setLength(0);
    }
}
