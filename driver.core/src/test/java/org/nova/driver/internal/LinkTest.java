package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.Uevent;

/** Device links supplier -> consumer. */
class LinkTest extends CoreTestBase {
    private final TestDriver sdrv = TestDriver.of("sdrv", "sup:*:*");
    private final TestDriver cdrv = TestDriver.of("cdrv", "con:*:*");

    private Device s;
    private Device c;

    private void devices() {
        s = add("S", "sup:x:1");
        c = add("C", "con:x:1");
    }

    private DeviceLink boundPair(Set<LinkFlag> flags) {
        devices();
        DeviceLink l = core.addLink(s, c, flags);
        register(sdrv);
        register(cdrv);
        settle();
        assertTrue(s.isBound());
        assertTrue(c.isBound());
        assertEquals(DeviceLink.State.ACTIVE, l.state());
        return l;
    }

    @Test
    void aConsumerDoesNotProbeBeforeItsSupplierIsBound() {
        devices();
        DeviceLink l = core.addLink(s, c, Set.of());
        assertEquals(DeviceLink.State.DORMANT, l.state());
        assertSame(s, l.supplier());
        assertSame(c, l.consumer());
        register(cdrv);
        assertEquals(0, cdrv.probeCalls(), "the consumer's driver is not called before the supplier binds");
        assertTrue(c.isProbeDeferred());
        assertTrue(bus.why("C").verdict().contains("supplier S"), bus.why("C").verdict());
        DriverException e = assertThrows(DriverException.class, () -> bus.bind("C", "cdrv"));
        assertEquals(Errno.EAGAIN, e.errno());
        assertEquals(0, cdrv.probeCalls());

        register(sdrv);
        settle();
        assertEquals(Optional.of("cdrv"), c.driver());
        assertEquals(DeviceLink.State.ACTIVE, l.state());
        List<String> probes = type.entries("probe");
        assertTrue(probes.indexOf("probed:sdrv:S") < probes.indexOf("probe:cdrv:C"), probes.toString());
        await("binds", () -> bindOrder().size() == 2);
        assertEquals(List.of("S", "C"), bindOrder());
    }

    @Test
    void unbindingTheSupplierUnbindsTheConsumerFirst() {
        DeviceLink l = boundPair(Set.of());
        int mark = type.log.size();
        bus.unbind("S");
        assertEquals(List.of("remove:cdrv:C", "remove:sdrv:S"), type.since(mark, "remove"));
        assertFalse(c.isBound());
        assertFalse(s.isBound());
        assertEquals(DeviceLink.State.DORMANT, l.state());
        await("two UNBIND", () -> unbindOrder().size() == 2);
        assertEquals(List.of("C", "S"), unbindOrder());
        // the supplier coming back does not rebind the consumer without AUTOPROBE_CONSUMER
        bus.bind("S", "sdrv");
        settle();
        assertFalse(c.isBound());
        assertEquals(DeviceLink.State.AVAILABLE, l.state());
        bus.probe("C");
        assertTrue(c.isBound());
        assertEquals(List.of(l), core.links(c));
    }

    private List<String> unbindOrder() {
        return delivered.stream().filter(x -> x.rec().action() == Uevent.Action.UNBIND).map(x -> x.rec().device())
                .toList();
    }

    @Test
    void removingTheSupplierDeviceUnbindsTheConsumerFirstAndPurgesTheLinks() {
        boundPair(Set.of());
        int mark = type.log.size();
        bus.removeDevice(s);
        assertEquals(List.of("remove:cdrv:C", "remove:sdrv:S"), type.since(mark, "remove"));
        assertEquals(List.of(), core.links(c));
        assertEquals(List.of(), core.links(s));
        bus.probe("C");
        assertTrue(c.isBound(), "no supplier holds it back any more");
    }

    @Test
    void autoprobeConsumerReprobesTheConsumerWhenTheSupplierBinds() {
        DeviceLink l = boundPair(Set.of(LinkFlag.AUTOPROBE_CONSUMER));
        bus.unbind("S");
        assertFalse(c.isBound());
        bus.bind("S", "sdrv");
        settle();
        assertEquals(Optional.of("cdrv"), c.driver());
        assertEquals(DeviceLink.State.ACTIVE, l.state());
    }

    @Test
    void autoremoveConsumerDeletesTheLinkWhenTheConsumerUnbinds() {
        DeviceLink l = boundPair(Set.of(LinkFlag.AUTOREMOVE_CONSUMER));
        assertEquals(List.of(l), core.links(s));
        bus.unbind("C");
        assertEquals(List.of(), core.links(c));
        assertEquals(List.of(), core.links(s));
        assertTrue(s.isBound());
    }

    @Test
    void autoremoveConsumerDeletesTheLinkWhenTheConsumerFailsToProbe() {
        devices();
        register(sdrv);
        core.addLink(s, c, Set.of(LinkFlag.AUTOREMOVE_CONSUMER));
        register(TestDriver.of("broken", "con:*:*").probe((d, drv) -> {
            throw new IllegalStateException("broken");
        }));
        assertFalse(c.isBound());
        assertEquals(List.of(), core.links(c));
    }

    @Test
    void autoremoveSupplierDeletesTheLinkWhenTheSupplierUnbinds() {
        DeviceLink l = boundPair(EnumSet.of(LinkFlag.AUTOREMOVE_SUPPLIER, LinkFlag.AUTOREMOVE_CONSUMER));
        bus.unbind("C");
        assertEquals(List.of(l), core.links(c), "AUTOREMOVE_SUPPLIER wins over _CONSUMER: the consumer's unbind keeps it");
        bus.bind("C", "cdrv");
        int mark = type.log.size();
        bus.unbind("S");
        assertEquals(List.of("remove:cdrv:C", "remove:sdrv:S"), type.since(mark, "remove"));
        assertEquals(List.of(), core.links(c));
        assertEquals(List.of(), core.links(s));
    }

    @Test
    void anExistingLinkIsReturnedAsIs() {
        devices();
        DeviceLink l1 = core.addLink(s, c, Set.of(LinkFlag.AUTOREMOVE_CONSUMER));
        DeviceLink l2 = core.addLink(s, c, Set.of());
        assertSame(l1, l2);
        assertEquals(Set.of(LinkFlag.AUTOREMOVE_CONSUMER), l2.flags());
        assertEquals(1, core.links(s).size());
    }

    @Test
    void closingALinkLetsAHeldBackConsumerProbe() {
        devices();
        DeviceLink l = core.addLink(s, c, Set.of());
        register(cdrv);
        assertTrue(c.isProbeDeferred());
        l.close();
        settle();
        assertTrue(c.isBound());
        assertEquals(List.of(), core.links(c));
    }

    @Test
    void aStatelessLinkHoldsNothingBack() {
        devices();
        core.addLink(s, c, Set.of(LinkFlag.STATELESS));
        register(cdrv);
        assertTrue(c.isBound());
    }

    private void invalid(Device sup, Device con, Set<LinkFlag> flags) {
        List<DeviceLink> before = core.links(sup);
        List<DeviceLink> beforeC = core.links(con);
        DriverException e = assertThrows(DriverException.class, () -> core.addLink(sup, con, flags),
                () -> sup.name() + " -> " + con.name() + " " + flags);
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertEquals(before, core.links(sup));
        assertEquals(beforeC, core.links(con));
    }

    @Test
    void forbiddenFlagCombinations() {
        devices();
        invalid(s, c, EnumSet.of(LinkFlag.STATELESS, LinkFlag.AUTOREMOVE_CONSUMER));
        invalid(s, c, EnumSet.of(LinkFlag.STATELESS, LinkFlag.AUTOREMOVE_SUPPLIER));
        invalid(s, c, EnumSet.of(LinkFlag.STATELESS, LinkFlag.AUTOPROBE_CONSUMER));
        invalid(s, c, EnumSet.of(LinkFlag.AUTOPROBE_CONSUMER, LinkFlag.AUTOREMOVE_CONSUMER));
        invalid(s, c, EnumSet.of(LinkFlag.AUTOPROBE_CONSUMER, LinkFlag.AUTOREMOVE_SUPPLIER));
        assertEquals(List.of(), core.links(s));
    }

    @Test
    void selfLinksAncestorLinksCyclesAndDeadDevicesAreInvalid() {
        devices();
        invalid(s, s, Set.of());
        Device parent = add("P", "none:p:1");
        Device kid = add("K", parent, "none:k:1");
        Device grandkid = add("G", kid, "none:g:1");
        invalid(kid, parent, Set.of());
        invalid(grandkid, parent, Set.of());
        // direct and transitive cycles
        core.addLink(s, c, Set.of());
        invalid(c, s, Set.of());
        Device e = add("E", "none:e:1");
        core.addLink(c, e, Set.of());
        invalid(e, s, Set.of());
        // device_is_dependent also walks children: S -> X, X's child Y; Y -> S would close a loop
        Device x = add("X", "none:x:1");
        Device y = add("Y", x, "none:y:1");
        core.addLink(s, x, Set.of());
        invalid(y, s, Set.of());
        // ... and consumers of children: P's child K supplies Z; Z -> P would close a loop
        Device z = add("Z", "none:z:1");
        core.addLink(kid, z, Set.of());
        invalid(z, parent, Set.of());
        // a removed device
        Device gone = add("gone", "none:gone:1");
        bus.removeDevice(gone);
        invalid(gone, c, Set.of());
        invalid(c, gone, Set.of());
        // the valid links made above still tear down cleanly
        bus.removeDevice(s);
    }
}
