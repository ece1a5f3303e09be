package org.nova.bus.pci.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * The rules of a write to {@code sriov_numvfs} (drivers/pci/iov.c {@code sriov_numvfs_store}) as a
 * pure decision: what to do, or which errno to fail with.
 */
public final class SriovNumvfs {
    /** What a valid write asks for. */
    public enum Action {
        /** The count equals the current one: succeed without calling the driver. */
        NOTHING,
        /** sriov_configure(0). */
        DISABLE,
        /** sriov_configure(n). */
        ENABLE
    }

    private SriovNumvfs() {
    }

    /**
     * Parses the value as kstrtou16 does.
     *
     * @return the count
     * @throws DriverException EINVAL if the value is not a number, ERANGE if it does not fit a u16
     */
    public static int parse(String device, String value) {
        int n = SysfsInput.parseU16(value);
        String shown = value == null ? "" : value.strip();
        if (n == SysfsInput.U16_RANGE) {
            throw new DriverException(Errno.ERANGE, "sriov_numvfs of " + device + ": '" + shown
                    + "' is out of range 0..65535");
        }
        if (n < 0) {
            throw new DriverException(Errno.EINVAL, "sriov_numvfs of " + device + ": '" + shown
                    + "' is not a number 0..65535");
        }
        return n;
    }

    /**
     * The checks of sriov_numvfs_store, in the kernel's order.
     *
     * @param device the PF's name, for messages
     * @param n the parsed count
     * @param total TotalVFs
     * @param current the VFs enabled now
     * @param bound whether a driver is bound to the PF
     * @param supportsConfigure whether that driver has sriov_configure
     * @return the action
     * @throws DriverException ERANGE above TotalVFs; ENOENT without a driver or sriov_configure;
     *     EBUSY when enabling while VFs are enabled
     */
    public static Action decide(String device, int n, int total, int current, boolean bound, boolean supportsConfigure) {
        if (n > total) {
            throw new DriverException(Errno.ERANGE, "sriov_numvfs of " + device + ": " + n + " exceeds TotalVFs "
                    + total);
        }
        if (n == current) {
            return Action.NOTHING;
        }
        if (!bound) {
            throw new DriverException(Errno.ENOENT, "no driver bound to " + device + "; cannot configure SR-IOV");
        }
        if (!supportsConfigure) {
            throw new DriverException(Errno.ENOENT, "the driver of " + device
                    + " does not support SR-IOV configuration via sysfs");
        }
        if (n == 0) {
            return Action.DISABLE;
        }
        if (current != 0) {
            throw new DriverException(Errno.EBUSY, device + ": " + current + " VFs already enabled. Disable before enabling "
                    + n + " VFs");
        }
        return Action.ENABLE;
    }
}
