package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A driver's devices ({@code klist_devices} of drivers/base/base.h's driver_private). Guarded by
 * the core's lock; {@link Binding} alone writes the two lists, everyone else reads copies.
 */
final class DriverDevices {
    /** In bind order: driver_detach releases the latest first. */
    final List<DeviceImpl> bound = new ArrayList<>();
    final List<DeviceImpl> probing = new ArrayList<>();

    /** @return the bound devices in bind order, as a copy. */
    List<DeviceImpl> bound() {
        return List.copyOf(bound);
    }

    /** @return the device driver_detach releases next: the latest bound, else one still probing, else null. */
    DeviceImpl nextToDetach() {
        if (!bound.isEmpty()) {
            return bound.get(bound.size() - 1);
        }
        return probing.isEmpty() ? null : probing.get(0);
    }
}
