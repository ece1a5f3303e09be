package org.nova.devres;

/**
 * A snapshot of one entry on a {@link DevresScope}, as returned by
 * {@link DevresScope#entries()}. Holds no reference to the resource itself.
 *
 * @param name the name given when the entry was added (for group markers: the group id)
 * @param kind what the entry is
 * @param driver the driver label the entry was added under, or {@code null}
 * @param bundle the bundle label the entry was added under, or {@code null}
 * @param sequence the entry's sequence number; strictly increasing in order of addition
 */
public record DevresEntry(String name, Kind kind, String driver, String bundle, long sequence) {

    /** The kinds of entry on a scope's list. */
    public enum Kind {
        /** An {@link AutoCloseable} registered with {@link DevresScope#add}; closed on release. */
        RESOURCE,
        /** A {@link Runnable} registered with {@link DevresScope#addAction}; run on release. */
        ACTION,
        /** The marker opened by {@link DevresScope#openGroup}. */
        GROUP_OPEN,
        /** The marker added by {@link DevresScope#closeGroup}. */
        GROUP_CLOSE
    }
}
