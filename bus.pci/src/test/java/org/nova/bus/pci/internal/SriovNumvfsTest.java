package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** sriov_numvfs_store rules (drivers/pci/iov.c). */
class SriovNumvfsTest {
    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    @Test
    void notANumberIsEinvalTooLargeForAU16IsErange() {
        assertEquals(Errno.EINVAL, errno(() -> SriovNumvfs.parse("pf", "x")));
        // kstrtou16: -ERANGE for a number that does not fit
        assertEquals(Errno.ERANGE, errno(() -> SriovNumvfs.parse("pf", "70000")));
        assertEquals(Errno.EINVAL, errno(() -> SriovNumvfs.parse("pf", "-1")));
        assertEquals(4, SriovNumvfs.parse("pf", "4\n"));
    }

    @Test
    void aboveTotalIsErangeEvenWithoutDriver() {
        assertEquals(Errno.ERANGE, errno(() -> SriovNumvfs.decide("pf", 9, 8, 0, false, false)));
    }

    @Test
    void equalToCurrentIsANoOpEvenWithoutDriver() {
        assertEquals(SriovNumvfs.Action.NOTHING, SriovNumvfs.decide("pf", 0, 8, 0, false, false));
        assertEquals(SriovNumvfs.Action.NOTHING, SriovNumvfs.decide("pf", 4, 8, 4, true, true));
    }

    @Test
    void noDriverOrNoConfigureIsEnoent() {
        assertEquals(Errno.ENOENT, errno(() -> SriovNumvfs.decide("pf", 2, 8, 0, false, false)));
        assertEquals(Errno.ENOENT, errno(() -> SriovNumvfs.decide("pf", 2, 8, 0, true, false)));
        assertEquals(Errno.ENOENT, errno(() -> SriovNumvfs.decide("pf", 0, 8, 2, true, false)));
    }

    @Test
    void zeroDisables() {
        assertEquals(SriovNumvfs.Action.DISABLE, SriovNumvfs.decide("pf", 0, 8, 3, true, true));
    }

    @Test
    void enablingWhileEnabledIsEbusy() {
        assertEquals(Errno.EBUSY, errno(() -> SriovNumvfs.decide("pf", 2, 8, 3, true, true)));
        assertEquals(SriovNumvfs.Action.ENABLE, SriovNumvfs.decide("pf", 2, 8, 0, true, true));
    }
}
