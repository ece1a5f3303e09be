package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceId;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** new_id_store and remove_id_store rules and errors (drivers/pci/pci-driver.c). */
class DynamicIdsTest {
    static final int ANY = PciDeviceId.PCI_ANY_ID;
    static final List<PciDeviceId> TABLE = List.of(PciDeviceId.of(0x1234, 0x11e8).withDriverData(0),
            PciDeviceId.of(0x1b36, 0x0005).withDriverData(7));

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    @Test
    void twoFieldsDefaultTheRest() {
        DynamicIds d = new DynamicIds();
        PciDeviceId id = d.add("8086 10f5", TABLE, "drv");
        assertEquals(new PciDeviceId(0x8086, 0x10f5, ANY, ANY, 0, 0, 0, false), id);
        assertEquals(List.of(id), d.list());
    }

    @Test
    void allSevenFields() {
        DynamicIds d = new DynamicIds();
        PciDeviceId id = d.add("8086 10f5 1028 0001 020000 ff0000 7", TABLE, "drv");
        assertEquals(new PciDeviceId(0x8086, 0x10f5, 0x1028, 0x0001, 0x020000, 0xff0000, 7, false), id);
    }

    @Test
    void fewerThanTwoFieldsIsEinval() {
        DynamicIds d = new DynamicIds();
        assertEquals(Errno.EINVAL, errno(() -> d.add("", TABLE, "drv")));
        assertEquals(Errno.EINVAL, errno(() -> d.add("8086", TABLE, "drv")));
        assertEquals(Errno.EINVAL, errno(() -> d.add("8086 xyz", TABLE, "drv")));
        assertEquals(Errno.EINVAL, errno(() -> d.add("vendor device", TABLE, "drv")));
        assertTrue(d.list().isEmpty(), "nothing added");
    }

    @Test
    void existingMatchWithFewerThanSevenFieldsIsEexist() {
        DynamicIds d = new DynamicIds();
        assertEquals(Errno.EEXIST, errno(() -> d.add("1234 11e8", TABLE, "drv")), "static entry matches");
        d.add("8086 10f5", TABLE, "drv");
        assertEquals(Errno.EEXIST, errno(() -> d.add("8086 10f5", TABLE, "drv")), "dynamic entry matches");
        assertEquals(Errno.EEXIST, errno(() -> d.add("8086 10f5 1 2", TABLE, "drv")), "any subsystem covers it");
        assertEquals(1, d.list().size());
    }

    @Test
    void sevenFieldsSkipTheExistenceCheck() {
        DynamicIds d = new DynamicIds();
        d.add("1234 11e8 ffffffff ffffffff 0 0 0", TABLE, "drv");
        assertEquals(1, d.list().size());
    }

    @Test
    void overrideOnlyStaticEntryDoesNotCountAsExisting() {
        DynamicIds d = new DynamicIds();
        List<PciDeviceId> table = List.of(PciDeviceId.of(0x1234, 0x11e8).asOverrideOnly());
        d.add("1234 11e8", table, "drv");
        assertEquals(1, d.list().size());
    }

    @Test
    void driverDataMustBeOneOfTheTable() {
        DynamicIds d = new DynamicIds();
        assertEquals(Errno.EINVAL, errno(() -> d.add("8086 10f5 ffffffff ffffffff 0 0 3", TABLE, "drv")));
        d.add("8086 10f5 ffffffff ffffffff 0 0 7", TABLE, "drv");
        assertEquals(7, d.list().get(0).driverData());
    }

    @Test
    void driverDataCheckStopsAtTheTerminator() {
        List<PciDeviceId> table = List.of(PciDeviceId.of(1, 2), new PciDeviceId(0, 0, 0, 0, 0, 0, 9, false));
        assertEquals(Errno.EINVAL, errno(() -> new DynamicIds().add("8086 10f5 0 0 0 0 9", table, "drv")));
    }

    @Test
    void noTableAcceptsAnyDriverData() {
        DynamicIds d = new DynamicIds();
        d.add("8086 10f5 0 0 0 0 1234", List.of(), "drv");
        assertEquals(0x1234, d.list().get(0).driverData());
    }

    @Test
    void removeFirstMatchOnly() {
        DynamicIds d = new DynamicIds();
        d.add("8086 10f5 1 2 0 0 0", TABLE, "drv");
        d.add("8086 10f5 1 3 0 0 0", TABLE, "drv");
        PciDeviceId removed = d.remove("8086 10f5");
        assertEquals(2, removed.subdevice());
        assertEquals(1, d.list().size());
        assertEquals(3, d.list().get(0).subdevice());
    }

    @Test
    void removeComparesSubsystemAndClassUnderTheGivenMask() {
        DynamicIds d = new DynamicIds();
        d.add("8086 10f5 1 2 020000 ff0000 0", TABLE, "drv");
        assertEquals(Errno.ENODEV, errno(() -> d.remove("8086 10f5 1 9")));
        assertEquals(Errno.ENODEV, errno(() -> d.remove("8086 10f5 1 2 030000 ff0000")));
        d.remove("8086 10f5 1 2 02ffff ff0000");
        assertTrue(d.list().isEmpty());
    }

    @Test
    void removeErrors() {
        DynamicIds d = new DynamicIds();
        assertEquals(Errno.EINVAL, errno(() -> d.remove("8086")));
        assertEquals(Errno.ENODEV, errno(() -> d.remove("8086 10f5")));
    }
}
