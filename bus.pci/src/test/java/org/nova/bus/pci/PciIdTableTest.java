package org.nova.bus.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A typed id table: the indices it writes as driver_data and the info it reads back. */
class PciIdTableTest {
    /** An info type with something to read, as a driver's board description would be. */
    record Board(String name, int bars) {
    }

    static final Board FIRST = new Board("first", 1);
    static final Board SECOND = new Board("second", 2);

    @Test
    void eachEntryCarriesItsIndexAndGivesItsInfoBack() {
        PciIdTable<Board> t = PciIdTable.of(PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005), FIRST),
                PciIdTable.entry(PciDeviceId.ofClass(0x030000, 0xff0000).asOverrideOnly(), SECOND));
        assertEquals(List.of(PciDeviceId.of(0x1b36, 0x0005),
                PciDeviceId.ofClass(0x030000, 0xff0000).asOverrideOnly().withDriverData(1)), t.ids());
        assertEquals(FIRST, t.info(t.ids().get(0)));
        assertEquals(2, t.info(t.ids().get(1)).bars(), "the info comes back with its type");
        assertEquals(t.ids(), PciIdTable.of(List.of(PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005), FIRST),
                PciIdTable.entry(PciDeviceId.ofClass(0x030000, 0xff0000).asOverrideOnly(), SECOND))).ids());
    }

    @Test
    void idsWithoutAnEntrysIndexHaveNoInfo() {
        PciIdTable<Board> t = PciIdTable.of(PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005), FIRST));
        // driver_data 0 (a new_id without it, the driver_override match) is entry 0's
        assertEquals(FIRST, t.info(PciDeviceId.of(0x1234, 0x11e8)));
        assertThrows(IllegalArgumentException.class, () -> t.info(PciDeviceId.of(0x1234, 0x11e8).withDriverData(1)));
        assertThrows(IllegalArgumentException.class, () -> t.info(PciDeviceId.of(0x1234, 0x11e8).withDriverData(-1)),
                "driver_data is unsigned: ~0 is past the end, not before it");
        PciIdTable<Board> empty = PciIdTable.of();
        assertEquals(List.of(), empty.ids());
        assertThrows(IllegalArgumentException.class, () -> empty.info(PciDeviceId.of(0x1234, 0x11e8)));
    }

    @Test
    void theTableOwnsDriverDataAndEveryEntryHasAnInfo() {
        assertThrows(IllegalArgumentException.class,
                () -> PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005).withDriverData(3), FIRST));
        assertThrows(NullPointerException.class, () -> PciIdTable.entry(PciDeviceId.of(0x1b36, 0x0005), null));
        assertThrows(NullPointerException.class, () -> PciIdTable.entry(null, FIRST));
    }
}
