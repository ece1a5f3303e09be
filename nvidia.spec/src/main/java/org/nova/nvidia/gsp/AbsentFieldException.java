package org.nova.nvidia.gsp;

/**
 * A typed accessor of a release-neutral binding ({@code org.nova.nvidia.gsp.bindings}) was used
 * on a release whose structure has no such field. Callers that serve releases with and without
 * the field ask {@code hasX()} first; reaching this is a driver bug, never a value of zero.
 */
public final class AbsentFieldException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;
    private final String release;
    private final String struct;
    private final String field;

    /**
     * @param release the firmware release
     * @param struct the structure's C name
     * @param field the field it lacks
     */
    public AbsentFieldException(String release, String struct, String field) {
        super("firmware " + release + "'s " + struct + " has no field " + field);
        this.release = release;
        this.struct = struct;
        this.field = field;
    }

    /** @return the firmware release */
    public String release() {
        return release;
    }

    /** @return the structure's C name */
    public String struct() {
        return struct;
    }

    /** @return the field the release's structure lacks */
    public String field() {
        return field;
    }
}
