package org.nova.it.lifecycle.slowstart;

/** Registered by the slow driver for each device it has probed; the check command needs one. */
public interface Probed {
    /** @return the device's name */
    String device();
}
