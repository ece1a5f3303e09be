package org.nova.web;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON text (RFC 8259) of the values the page sends: maps with string keys become objects in
 * their iteration order, lists arrays, strings strings, integers and booleans themselves, null
 * null. Nothing else is accepted, so a snapshot cannot leak an object's toString() by accident.
 */
final class Json {
    /** The highest code point RFC 8259 requires to be escaped (the C0 controls). */
    private static final char LAST_CONTROL = 0x1f;

    private Json() {
    }

    /**
     * @return the JSON text of {@code value}
     * @throws IllegalArgumentException for a value of any other type, naming it
     */
    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Map<?, ?> m -> {
                sb.append('{');
                Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
                while (it.hasNext()) {
                    Map.Entry<?, ?> e = it.next();
                    if (!(e.getKey() instanceof String k)) {
                        throw new IllegalArgumentException("JSON object key is not a string: " + e.getKey());
                    }
                    quote(sb, k);
                    sb.append(':');
                    write(sb, e.getValue());
                    if (it.hasNext()) {
                        sb.append(',');
                    }
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(sb, l.get(i));
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                // '<' escaped too: the text may end up inside an HTML page, where "</script>" would end a script
                case '<' -> sb.append("\\u003c");
                default -> {
                    if (c <= LAST_CONTROL) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
