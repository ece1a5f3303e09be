package org.nova.devres;

import java.io.Serial;

/**
 * Access to a {@link Revocable} was refused because it has been revoked (for a
 * {@link Devres}: its device unbound). The revoked value was not touched.
 */
public class RevokedException extends IllegalStateException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String resource;

    /**
     * @param resource the name of the revoked resource
     */
    public RevokedException(String resource) {
        super(resource + " has been revoked");
        this.resource = resource;
    }

    /**
     * @return the name of the revoked resource
     */
    public String resource() {
        return resource;
    }
}
