package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The bus's match index on its own: which drivers a device is offered, which devices a driver meets. */
class MatchIndexTest extends CoreTestBase {
    private final MatchIndex index = new MatchIndex();
    private long seq;

    private DriverImpl driver(String name) {
        return new DriverImpl((BusImpl) bus, TestDriver.of(name).descriptor(), seq++);
    }

    private DeviceImpl device(String name) {
        return new DeviceImpl(core, (BusImpl) bus, name, null, new TestBus.TestDev(name), seq++);
    }

    private static List<String> names(DriverImpl[] drivers) {
        return java.util.Arrays.stream(drivers).map(d -> d.desc.name()).toList();
    }

    private static List<String> deviceNames(List<DeviceImpl> devices) {
        return devices.stream().map(d -> d.name).toList();
    }

    @Test
    void aDeviceIsOfferedTheDriversSharingAKeyAndTheUnkeyedInRegistrationOrder() {
        DriverImpl wild = driver("wild");
        DriverImpl nic = driver("nic");
        DriverImpl gpu = driver("gpu");
        DriverImpl both = driver("both");
        index.addDriver(wild, null);
        index.addDriver(nic, Set.of("8086:1533"));
        index.addDriver(gpu, Set.of("10de:2684"));
        index.addDriver(both, Set.of("10de:2684", "8086:1533"));
        List<DriverImpl> all = List.of(wild, nic, gpu, both);

        DeviceImpl card = device("card");
        index.addDevice(card, Set.of("10de:2684"));
        assertEquals(List.of("wild", "gpu", "both"), names(index.driversFor(card, all)));

        DeviceImpl unkeyed = device("unkeyed");
        index.addDevice(unkeyed, null);
        assertEquals(List.of("wild", "nic", "gpu", "both"), names(index.driversFor(unkeyed, all)),
                "a device without keys is offered every driver");

        DeviceImpl none = device("none");
        index.addDevice(none, Set.of());
        assertEquals(List.of("wild"), names(index.driversFor(none, all)), "an empty key set meets only unkeyed drivers");
    }

    @Test
    void leavingDriversAreNotOffered() {
        DriverImpl gpu = driver("gpu");
        DriverImpl other = driver("other");
        index.addDriver(gpu, Set.of("10de:2684"));
        index.addDriver(other, null);
        DeviceImpl card = device("card");
        index.addDevice(card, Set.of("10de:2684"));
        gpu.leaving();
        assertEquals(List.of("other"), names(index.driversFor(card, List.of(gpu, other))));
        assertEquals(List.of("other"), names(index.driversFor(device("plain"), List.of(gpu, other))));
    }

    @Test
    void aDriverMeetsTheDevicesSharingAKeyAndTheUnkeyedInTheOrderAdded() {
        DeviceImpl a = device("a");
        DeviceImpl b = device("b");
        DeviceImpl c = device("c");
        DeviceImpl d = device("d");
        index.addDevice(a, Set.of("k1"));
        index.addDevice(b, Set.of("k2"));
        index.addDevice(c, null);
        index.addDevice(d, Set.of("k1", "k2"));
        List<DeviceImpl> all = List.of(a, b, c, d);

        DriverImpl k1 = driver("k1");
        index.addDriver(k1, Set.of("k1"));
        assertEquals(List.of("a", "c", "d"), deviceNames(index.devicesFor(k1, all)));
        DriverImpl any = driver("any");
        index.addDriver(any, null);
        assertEquals(List.of("a", "b", "c", "d"), deviceNames(index.devicesFor(any, all)));
    }

    @Test
    void removedEntriesAreForgotten() {
        DriverImpl gpu = driver("gpu");
        index.addDriver(gpu, Set.of("10de:2684"));
        DeviceImpl card = device("card");
        index.addDevice(card, Set.of("10de:2684"));
        DeviceImpl spare = device("spare");
        index.addDevice(spare, Set.of("10de:2684"));

        index.removeDevice(card);
        assertEquals(List.of("spare"), deviceNames(index.devicesFor(gpu, List.of(spare))));
        index.removeDriver(gpu);
        assertEquals(List.of(), names(index.driversFor(spare, List.of())));
        DriverImpl again = driver("again");
        index.addDriver(again, Set.of("10de:2684"));
        assertEquals(List.of("again"), names(index.driversFor(spare, List.of(again))),
                "a driver indexed again under the same key is found");
    }

    @Test
    void manyDevicesUnderOneKeyLeaveOneByOneAndTheRestKeepTheirOrder() {
        DriverImpl storage = driver("storage");
        index.addDriver(storage, Set.of("class:01"));
        List<DeviceImpl> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            DeviceImpl d = device("d" + i);
            index.addDevice(d, Set.of("class:01", "id:" + i));
            all.add(d);
        }
        List<DeviceImpl> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (i % 2 == 0) {
                index.removeDevice(all.get(i));
            } else {
                kept.add(all.get(i));
            }
        }
        assertEquals(deviceNames(kept), deviceNames(index.devicesFor(storage, kept)));
        for (DeviceImpl d : kept) {
            assertEquals(List.of("storage"), names(index.driversFor(d, List.of(storage))));
            index.removeDevice(d);
        }
        assertEquals(List.of(), deviceNames(index.devicesFor(storage, List.of())),
                "every device gone, the driver meets none");
    }

    @Test
    void entriesUnderSeveralKeysAreListedOnceInTheOrderTheyCame() {
        DeviceImpl a = device("a");
        DeviceImpl b = device("b");
        DeviceImpl c = device("c");
        index.addDevice(a, Set.of("k1", "k2"));
        index.addDevice(b, Set.of("k2"));
        index.addDevice(c, Set.of("k1"));
        DriverImpl first = driver("first");
        DriverImpl second = driver("second");
        index.addDriver(first, Set.of("k1", "k2"));
        index.addDriver(second, Set.of("k2"));
        assertEquals(List.of("a", "b", "c"), deviceNames(index.devicesFor(first, List.of(a, b, c))),
                "the order added across keys, each device once");
        assertEquals(List.of("first", "second"), names(index.driversFor(a, List.of(first, second))),
                "registration order, each driver once");
        index.removeDriver(first);
        assertEquals(List.of("second"), names(index.driversFor(a, List.of(second))));
        assertEquals(List.of(), names(index.driversFor(c, List.of(second))));
    }

    @Test
    void aDeviceKeepsItsCandidatesUntilTheDriversChange() {
        DeviceImpl card = device("card");
        index.addDevice(card, Set.of("k1", "k2"));
        DriverImpl a = driver("a");
        index.addDriver(a, Set.of("k1"));
        assertEquals(List.of("a"), names(index.driversFor(card, List.of(a))));
        assertEquals(List.of("a"), names(index.driversFor(card, List.of(a))), "asked again, the same");
        DriverImpl b = driver("b");
        index.addDriver(b, Set.of("k2"));
        assertEquals(List.of("a", "b"), names(index.driversFor(card, List.of(a, b))), "a driver added is seen");
        DriverImpl c = driver("c");
        index.addDriver(c, null);
        assertEquals(List.of("a", "b", "c"), names(index.driversFor(card, List.of(a, b, c))),
                "an unkeyed driver added is seen");
        index.removeDriver(a);
        assertEquals(List.of("b", "c"), names(index.driversFor(card, List.of(b, c))), "a driver removed is gone");
        b.leaving();
        assertEquals(List.of("c"), names(index.driversFor(card, List.of(b, c))),
                "a driver leaving after the candidates were kept is left out");
    }

    @Test
    void aDriverIndexedAgainKeepsItsPlaceInRegistrationOrder() {
        DriverImpl first = driver("first");
        DriverImpl second = driver("second");
        index.addDriver(first, Set.of("k1"));
        index.addDriver(second, Set.of("k1"));
        DeviceImpl card = device("card");
        index.addDevice(card, Set.of("k1"));
        // what BusImpl.reindex does when a driver's dynamic ids change
        index.removeDriver(first);
        index.addDriver(first, Set.of("k1"));
        assertEquals(List.of("first", "second"), names(index.driversFor(card, List.of(first, second))));
    }

    /**
     * Random adds and removals of keyed and unkeyed devices and drivers: what the index offers
     * always equals the linear answer (every device, in the order added, that shares a key with
     * the driver or has none; every driver, in registration order, that shares a key with the
     * device or has none), whatever was unlinked from the middle, the head or the tail of a list.
     */
    @Test
    void randomAddsAndRemovalsAnswerAsALinearWalk() {
        java.util.Random r = new java.util.Random(16);
        List<Object> keys = List.of("a", "b", "c", "d");
        java.util.Map<DeviceImpl, Set<Object>> devs = new java.util.LinkedHashMap<>();
        java.util.Map<DriverImpl, Set<Object>> drvs = new java.util.LinkedHashMap<>();
        for (int step = 0; step < 3_000; step++) {
            int op = r.nextInt(10);
            if (op < 4) {
                DeviceImpl d = device("dev" + step);
                Set<Object> k = randomKeys(r, keys);
                index.addDevice(d, k);
                devs.put(d, k);
            } else if (op < 7 && !devs.isEmpty()) {
                DeviceImpl d = new ArrayList<>(devs.keySet()).get(r.nextInt(devs.size()));
                index.removeDevice(d);
                devs.remove(d);
            } else if (op < 8 || drvs.size() < 2) {
                DriverImpl d = driver("drv" + step);
                Set<Object> k = randomKeys(r, keys);
                index.addDriver(d, k);
                drvs.put(d, k);
            } else {
                DriverImpl d = new ArrayList<>(drvs.keySet()).get(r.nextInt(drvs.size()));
                index.removeDriver(d);
                drvs.remove(d);
            }
            for (var drv : drvs.entrySet()) {
                List<DeviceImpl> expected = devs.entrySet().stream()
                        .filter(e -> shareAKey(drv.getValue(), e.getValue())).map(java.util.Map.Entry::getKey).toList();
                assertEquals(deviceNames(expected), deviceNames(index.devicesFor(drv.getKey(), devs.keySet())),
                        "step " + step + ": devices for " + drv.getKey().desc.name());
            }
            for (var dev : devs.entrySet()) {
                List<String> expected = drvs.entrySet().stream().filter(e -> shareAKey(e.getValue(), dev.getValue()))
                        .map(e -> e.getKey().desc.name()).toList();
                assertEquals(expected, names(index.driversFor(dev.getKey(), drvs.keySet())),
                        "step " + step + ": drivers for " + dev.getKey().name);
            }
        }
    }

    /** Null (no keys: matches anything) one time in six, else one or two keys. */
    private static Set<Object> randomKeys(java.util.Random r, List<Object> keys) {
        if (r.nextInt(6) == 0) {
            return null;
        }
        Object a = keys.get(r.nextInt(keys.size()));
        return r.nextBoolean() ? Set.of(a) : new java.util.HashSet<>(List.of(a, keys.get(r.nextInt(keys.size()))));
    }

    private static boolean shareAKey(Set<Object> driverKeys, Set<Object> deviceKeys) {
        return driverKeys == null || deviceKeys == null || driverKeys.stream().anyMatch(deviceKeys::contains);
    }
}
