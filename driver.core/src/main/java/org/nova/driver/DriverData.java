package org.nova.driver;

import org.nova.devres.DevresException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver's per-device data as the binding's oldest device resource, for bus implementations:
 * registered before the driver's probe, it is released after every resource the driver acquired,
 * and closes the data then if it is {@link AutoCloseable} (the Rust bus adapters drop a driver's
 * data last, after its devres). It shows in the device's devres under its label.
 *
 * <p>Use from a {@link BusType#probe}: {@code return DriverData.register(device, "pci:driver-data")
 * .set(driver.probe(...));}. A probe that throws leaves nothing to close; the core's release of
 * the device's devres removes the entry.
 */
public final class DriverData implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(DriverData.class);
    private final String device;
    private volatile Object data;

    private DriverData(String device) {
        this.device = device;
    }

    /**
     * Registers the binding's driver-data entry on {@code device}'s devres.
     *
     * @param label the devres entry's name ("pci:driver-data")
     * @return the entry; {@link #set} it with what the driver's probe returned
     * @throws DriverException ENOMEM if fault injection failed the registration (the
     *         allocation it stands for), ENODEV if the device is gone
     */
    public static DriverData register(Device device, String label) {
        DriverData d = new DriverData(device.name());
        try {
            device.devres().addAction(label, d);
        } catch (DevresException e) {
            throw new DriverException(e.isInjected() ? Errno.ENOMEM : Errno.ENODEV,
                    device.name() + ": " + e.getMessage(), e);
        }
        return d;
    }

    /** @return {@code data}, now owned by the entry */
    public <T> T set(T data) {
        this.data = data;
        return data;
    }

    /** The devres release: closes the data if it is AutoCloseable (once). */
    @Override
    public void run() {
        Object d = data;
        data = null;
        if (d instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("{}: closing the driver data failed: {}", device, e.toString());
            }
        }
    }
}
