package org.nova.samples.testdrv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDeviceId;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeType;

/** The test driver's configuration: every key read and every bad value refused with EINVAL naming it. */
class TestPciDriverConfigTest {
    private static Map<String, Object> config(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put(TestPciDriverConfig.KEY_NAME, "t0");
        m.put(TestPciDriverConfig.KEY_IDS, new String[] {"1234 11e8"});
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static String refusal(Object... kv) {
        DriverException e = assertThrows(DriverException.class, () -> TestPciDriverConfig.parse(config(kv)));
        assertEquals(Errno.EINVAL, e.errno());
        String prefix = Errno.EINVAL.name() + ": ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        return e.getMessage().substring(prefix.length());
    }

    @Test
    void defaultsBindWithTwoDevresSynchronously() {
        TestPciDriverConfig c = TestPciDriverConfig.parse(config());
        assertEquals("t0", c.name());
        assertEquals(List.of(PciDeviceId.of(0x1234, 0x11e8)), c.ids());
        assertEquals(TestPciDriverConfig.Outcome.OK, c.probe());
        assertEquals(TestPciDriverConfig.DEFAULT_DEVRES, c.devres());
        assertEquals(0, c.delayMs());
        assertEquals(ProbeType.DEFAULT_STRATEGY, c.probeType());
    }

    @Test
    void entriesTakeNewIdsFieldsAnyAndOverrideOnlyInOrder() {
        TestPciDriverConfig c = TestPciDriverConfig.parse(config(TestPciDriverConfig.KEY_IDS, new String[] {
            "1234 11e8 1af4 1100 00ff00 ffff00 2", "* * * * 030000 ff0000", "0x10de 0x2684 override_only",
            "1b36 5 * 1100"}));
        assertEquals(List.of(new PciDeviceId(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0xffff00, 2, false),
                PciDeviceId.ofClass(0x030000, 0xff0000), PciDeviceId.of(0x10de, 0x2684).asOverrideOnly(),
                new PciDeviceId(0x1b36, 5, PciDeviceId.PCI_ANY_ID, 0x1100, 0, 0, 0, false)), c.ids());
    }

    @Test
    void probeBehaviourKeysAreRead() {
        TestPciDriverConfig c = TestPciDriverConfig.parse(config("probe", "fail", "devres", 5, "fail_step", "3",
                "errno", "ENOMEM", "delay_ms", 250, "probe_type", "async"));
        assertEquals(TestPciDriverConfig.Outcome.FAIL, c.probe());
        assertEquals(5, c.devres());
        assertEquals(3, c.failStep());
        assertEquals(Errno.ENOMEM, c.errno());
        assertEquals(250, c.delayMs());
        assertEquals(ProbeType.PREFER_ASYNCHRONOUS, c.probeType());
        assertEquals(TestPciDriverConfig.Outcome.DEFER, TestPciDriverConfig.parse(config("probe", "defer")).probe());
        assertEquals(TestPciDriverConfig.Outcome.ENODEV, TestPciDriverConfig.parse(config("probe", "ENODEV")).probe());
    }

    @Test
    void badValuesAreRefusedNamingTheKey() {
        assertTrue(refusal("name", "").startsWith("name:"));
        assertTrue(refusal("name", "a/b").startsWith("name:"));
        assertTrue(refusal("ids", new String[0]).startsWith("ids:"));
        assertTrue(refusal("ids", Collections.nCopies(65, "1 2").toArray(String[]::new)).contains("1 to 64"));
        assertTrue(refusal("ids", new String[] {"1234"}).startsWith("ids: '1234'"));
        assertTrue(refusal("ids", new String[] {"1234 xyz"}).contains("field 2 'xyz'"));
        assertTrue(refusal("ids", new String[] {"1234 11e8 * * * 0"}).contains("field 5"), "class has no any");
        assertTrue(refusal("ids", new String[] {"1 2 3 4 5 6 7 8"}).startsWith("ids:"));
        assertTrue(refusal("ids", new String[] {"1ffffffff 2"}).contains("u32"));
        assertTrue(refusal("probe", "maybe").startsWith("probe: 'maybe'"));
        assertTrue(refusal("devres", "65").startsWith("devres:"));
        assertTrue(refusal("devres", "x").startsWith("devres:"));
        assertTrue(refusal("probe", "fail", "devres", 2, "fail_step", 4).startsWith("fail_step: '4'"));
        assertTrue(refusal("errno", "EWHAT").startsWith("errno: 'EWHAT'"));
        assertTrue(refusal("probe", "fail", "errno", "EPROBE_DEFER").startsWith("errno:"));
        assertTrue(refusal("delay_ms", -1).startsWith("delay_ms:"));
        assertTrue(refusal("probe_type", "eager").startsWith("probe_type:"));
    }

    @Test
    void failStepOneMoreThanTheAcquisitionsFailsAfterAllOfThem() {
        TestPciDriverConfig c = TestPciDriverConfig.parse(config("probe", "fail", "devres", 2, "fail_step", 3));
        assertEquals(3, c.failStep());
    }
}
