package org.nova.driver;

import java.util.Objects;

/**
 * The answer of {@link BusType#match}: no match, a match of some specificity, or "defer"
 * ({@code bus->match} returning -EPROBE_DEFER).
 *
 * @param kind no match, match or defer
 * @param specificity how precisely the driver names the device; the most specific match wins
 *     (for PCI: vendor:device:subsystem &gt; vendor:device &gt; class/mask)
 * @param id the matched id entry, given back to {@link BusType#probe}
 * @param reason a line explaining the answer, shown by {@code drv:why}
 */
public record MatchResult(Kind kind, int specificity, Object id, String reason) {
    /** The three answers of a bus's match. */
    public enum Kind { NO_MATCH, MATCH, DEFER }

    public MatchResult {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(reason);
    }

    /** A non-match with its reason. */
    public static MatchResult noMatch(String reason) {
        return new MatchResult(Kind.NO_MATCH, 0, null, reason);
    }

    /** A match of a given specificity on an id entry. */
    public static MatchResult match(int specificity, Object id, String reason) {
        return new MatchResult(Kind.MATCH, specificity, id, reason);
    }

    /** The bus cannot tell yet: the device is deferred. */
    public static MatchResult defer(String reason) {
        return new MatchResult(Kind.DEFER, 0, null, reason);
    }

    public boolean matches() {
        return kind == Kind.MATCH;
    }
}
