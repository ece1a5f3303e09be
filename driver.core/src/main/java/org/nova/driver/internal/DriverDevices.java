package org.nova.driver.internal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/**
 * A driver's devices ({@code klist_devices} of drivers/base/base.h's driver_private). Guarded by
 * the core's lock; {@link Binding} alone writes the two sets, everyone else reads copies. Sets in
 * insertion order, so that a device leaves in O(1) however many the driver has.
 */
final class DriverDevices {
    /** In bind order: driver_detach releases the latest first. */
    final SequencedSet<DeviceImpl> bound = new LinkedHashSet<>();
    final SequencedSet<DeviceImpl> probing = new LinkedHashSet<>();

    /** @return the bound devices in bind order, as a copy. */
    List<DeviceImpl> bound() {
        return List.copyOf(bound);
    }

    /** @return the device driver_detach releases next: the latest bound, else one still probing, else null. */
    DeviceImpl nextToDetach() {
        if (!bound.isEmpty()) {
            return bound.getLast();
        }
        return probing.isEmpty() ? null : probing.getFirst();
    }
}
