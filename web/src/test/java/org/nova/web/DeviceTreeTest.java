package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page's snapshot of the real driver core. */
class DeviceTreeTest {
    private ToyBus toy;

    @BeforeEach
    void bus() {
        toy = new ToyBus();
        toy.driver("alpha", "widget");
        toy.add("widget0", "widget");
        toy.add("spare0", "spare");
        toy.bus.setDriverOverride("spare0", "alpha");
    }

    @AfterEach
    void close() {
        toy.close();
    }

    @SuppressWarnings("unchecked")
    private static <T> T get(Object map, String key) {
        return (T) ((Map<String, Object>) map).get(key);
    }

    @Test
    void busesDevicesAndDriversAsTheShellShowsThem() {
        Map<String, Object> tree = DeviceTree.snapshot(toy.core(), null, null, null);
        List<Object> buses = get(tree, "buses");
        assertEquals(1, buses.size());
        Object bus = buses.get(0);
        assertEquals(ToyBus.NAME, get(bus, "name"));
        assertEquals(true, get(bus, "autoprobe"));
        List<Object> devices = get(bus, "devices");
        assertEquals(2, devices.size());
        Object widget = devices.get(0);
        assertEquals("widget0", get(widget, "name"));
        assertEquals("alpha", get(widget, "driver"));
        assertEquals(DeviceTree.BOUND, get(widget, "state"));
        assertEquals(1, (int) get(widget, "devres"));
        assertEquals(null, (Object) get(widget, "override"));
        assertEquals(null, (Object) get(widget, "parent"));
        Object spare = devices.get(1);
        assertEquals(null, (Object) get(spare, "driver"));
        assertEquals(DeviceTree.UNBOUND, get(spare, "state"));
        assertEquals("alpha", get(spare, "override"));
        List<Object> drivers = get(bus, "drivers");
        assertEquals("alpha", get(drivers.get(0), "name"));
        assertEquals("toy.bundle", get(drivers.get(0), "bundle"));
        assertEquals(List.of("widget0"), get(drivers.get(0), "devices"));
        assertEquals(1, (int) get(tree, "devresTotal"));
        assertEquals(List.of(), get(tree, "gpus"), "no nova.core: no GPUs");
        assertEquals(List.of(), get(tree, "drm"));
        assertEquals(List.of(), get(tree, "vgpus"));
    }

    @Test
    void lastSeqIsTheNewestUeventsSeqnum() {
        long bind = toy.awaitUevent("BIND", "widget0").seqnum();
        long seq = get(DeviceTree.snapshot(toy.core(), null, null, null), "lastSeq");
        assertTrue(seq >= bind, seq + " < " + bind);
        toy.bus.unbind("widget0");
        long unbind = toy.awaitUevent("UNBIND", "widget0").seqnum();
        assertEquals(unbind, (long) get(DeviceTree.snapshot(toy.core(), null, null, null), "lastSeq"));
    }

    @Test
    void theSnapshotIsJson() {
        String json = Json.write(DeviceTree.snapshot(toy.core(), null, null, null));
        assertTrue(json.contains("{\"name\":\"widget0\",\"driver\":\"alpha\",\"state\":\"bound\",\"parent\":null,"
                + "\"devres\":1,\"override\":null,\"devpath\":\"/devices/widget0\"}"), json);
    }
}
