package org.nova.bus.auxiliary;

import org.nova.devres.Devres;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A registered auxiliary device, held by the parent driver (Rust's {@code auxiliary::Registration}).
 * It lives inside a {@link Devres} of the parent's binding: the device is deleted
 * when the parent unbinds, or earlier when the parent closes the Devres.
 */
@ProviderType
public interface AuxiliaryRegistration {
    /** @return the registered device */
    AuxiliaryDevice device();
}
