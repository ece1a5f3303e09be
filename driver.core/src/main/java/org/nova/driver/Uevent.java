package org.nova.driver;

/**
 * Uevents as Event Admin events. Topic {@code org/nova/driver/uevent/<ACTION>}; the event's
 * properties are the uevent environment (ACTION, DEVPATH, SUBSYSTEM, DEVICE, DRIVER, SEQNUM and
 * the bus's variables such as MODALIAS). They are posted asynchronously and never from under a
 * lock of the core.
 */
public final class Uevent {
    /** Topic prefix; append the action. */
    public static final String TOPIC_PREFIX = "org/nova/driver/uevent/";
    /** Every uevent: for an EventHandler's event.topics. */
    public static final String TOPIC_ALL = TOPIC_PREFIX + "*";

    /** The kernel's kobject actions the driver model emits (lib/kobject_uevent.c). */
    public enum Action { ADD, REMOVE, BIND, UNBIND, CHANGE }

    public static final String ACTION = "ACTION";
    public static final String DEVPATH = "DEVPATH";
    public static final String SUBSYSTEM = "SUBSYSTEM";
    /** The device name (not a kernel variable: the kernel's is the last DEVPATH component). */
    public static final String DEVICE = "DEVICE";
    public static final String DRIVER = "DRIVER";
    public static final String MODALIAS = "MODALIAS";
    public static final String SEQNUM = "SEQNUM";

    private Uevent() {
    }
}
