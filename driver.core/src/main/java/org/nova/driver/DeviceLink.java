package org.nova.driver;

import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A supplier → consumer dependency ({@code struct device_link}). A managed link keeps the
 * consumer from probing until the supplier is bound, and unbinding the supplier unbinds the
 * consumer first. Closing the link deletes it.
 */
@ProviderType
public interface DeviceLink extends AutoCloseable {
    /** The kernel's link states (enum device_link_state). */
    enum State { DORMANT, AVAILABLE, CONSUMER_PROBE, ACTIVE, SUPPLIER_UNBIND }

    Device supplier();

    Device consumer();

    Set<LinkFlag> flags();

    State state();

    /** Deletes the link; the consumer is no longer held back by the supplier. */
    @Override
    void close();
}
