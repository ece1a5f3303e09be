package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverCore.UeventRecord;
import org.nova.driver.Uevent;

/** A uevent's environment keeps add_uevent_var's order and limits (lib/kobject_uevent.c, include/linux/kobject.h). */
class UeventEnvTest extends CoreTestBase {

    @Test
    void keepsTheOrderAddedAndEqualsAnOrderedMap() {
        UeventEnv env = new UeventEnv();
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) { // past the initial capacity
            env.put("K" + (19 - i), "v" + i);
            expected.put("K" + (19 - i), "v" + i);
        }
        assertEquals("v0", env.put("K19", "again"));
        expected.put("K19", "again");
        assertEquals(expected, env);
        assertEquals(expected.hashCode(), env.hashCode());
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(env.keySet()));
        assertNull(env.get("nosuch"));
        assertTrue(env.containsKey("K0"));
    }

    @Test
    void refusesTheVariablePastUeventNumEnvpAndKeepsTheRest() {
        UeventEnv env = new UeventEnv();
        for (int i = 0; i < UeventEnv.NUM_ENVP; i++) {
            env.put("V" + i, "");
        }
        UeventEnv.Full e = assertThrows(UeventEnv.Full.class, () -> env.put("ONE_MORE", "x"));
        assertTrue(e.getMessage().contains("UEVENT_NUM_ENVP (64)"), e.getMessage());
        assertEquals(UeventEnv.NUM_ENVP, env.size());
        env.put("V0", "replacing is no new variable");
        assertEquals("replacing is no new variable", env.get("V0"));
    }

    @Test
    void countsKeyEqualsValueNulAgainstUeventBufferSize() {
        UeventEnv env = new UeventEnv();
        // "A=" + 2045 chars + NUL = 2048 bytes: exactly full
        env.put("A", "x".repeat(UeventEnv.BUFFER_SIZE - 3));
        UeventEnv.Full e = assertThrows(UeventEnv.Full.class, () -> env.put("B", ""));
        assertTrue(e.getMessage().contains("UEVENT_BUFFER_SIZE (2048)"), e.getMessage());
        // a longer replacement is refused and leaves the old value; a shorter one makes room
        assertThrows(UeventEnv.Full.class, () -> env.put("A", "x".repeat(UeventEnv.BUFFER_SIZE)));
        assertEquals(UeventEnv.BUFFER_SIZE - 3, env.get("A").length());
        env.put("A", "short");
        env.put("B", "");
        // UTF-8 bytes count, not chars: 'é' is two
        UeventEnv utf = new UeventEnv();
        utf.put("U", "é".repeat((UeventEnv.BUFFER_SIZE - 3) / 2));
        assertThrows(UeventEnv.Full.class, () -> utf.put("W", "é"));
    }

    /**
     * Whether a put fits is decided on an upper bound while it is far from the limit and on the
     * exact byte count near it: random puts and replacements of ASCII, two-byte, three-byte and
     * four-byte (surrogate pair) text, into environments filling up to and past
     * UEVENT_BUFFER_SIZE, are accepted or refused exactly as a byte count of every put says.
     */
    @Test
    void refusesExactlyWhereTheUtf8ByteCountSays() {
        String[] alphabet = {"a", "\u00e9", "\u4e2d", "\ud83d\ude00"};
        java.util.Random r = new java.util.Random(2048);
        int refused = 0;
        int accepted = 0;
        for (int round = 0; round < 300; round++) {
            UeventEnv env = new UeventEnv();
            Map<String, String> model = new LinkedHashMap<>();
            for (int step = 0; step < 40; step++) {
                String key = "K" + r.nextInt(12);
                StringBuilder v = new StringBuilder();
                int len = r.nextInt(r.nextBoolean() ? 8 : 400);
                for (int c = 0; c < len; c++) {
                    v.append(alphabet[r.nextInt(alphabet.length)]);
                }
                String value = v.toString();
                Map<String, String> next = new LinkedHashMap<>(model);
                next.put(key, value);
                int bytes = 0;
                for (Map.Entry<String, String> e : next.entrySet()) {
                    bytes += (e.getKey() + "=" + e.getValue()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
                }
                if (bytes <= UeventEnv.BUFFER_SIZE) {
                    env.put(key, value);
                    model = next;
                    accepted++;
                } else {
                    assertThrows(UeventEnv.Full.class, () -> env.put(key, value), bytes + " bytes");
                    refused++;
                }
                assertEquals(model, env);
            }
        }
        assertTrue(refused > 100 && accepted > 100, refused + " refused, " + accepted + " accepted: both paths ran");
    }

    @Test
    void aFrozenEnvironmentIsReadOnly() {
        UeventEnv env = new UeventEnv();
        env.put("A", "1");
        env.freeze();
        assertThrows(UnsupportedOperationException.class, () -> env.put("B", "2"));
        assertThrows(UnsupportedOperationException.class, () -> env.entrySet().iterator().next().setValue("3"));
        assertThrows(UnsupportedOperationException.class, () -> env.remove("A"));
        assertThrows(NullPointerException.class, () -> new UeventEnv().put("X", null));
    }

    @Test
    void anEventWhoseVariablesDoNotFitIsNotSentAndTheNextIs() {
        Device d = add("big", "none:none:0");
        await("the ADD uevent", () -> !ueventsOf("big").isEmpty());
        Map<String, String> tooMany = new HashMap<>();
        for (int i = 0; i < UeventEnv.NUM_ENVP; i++) {
            tooMany.put("X" + i, "1");
        }
        bus.changed(d, tooMany);
        bus.changed(d, Map.of("N", "after"));
        await("the second CHANGE", () -> ueventsOf("big").stream().anyMatch(r -> "after".equals(r.env().get("N"))));
        List<UeventRecord> changes = ueventsOf("big").stream().filter(r -> r.action() == Uevent.Action.CHANGE).toList();
        assertEquals(1, changes.size(), "the oversized CHANGE was not sent: " + changes);
        assertTrue(Long.parseLong(changes.get(0).env().get(Uevent.SEQNUM)) > 0);
    }

    @Test
    void anEventWhoseBusCallbackFailsIsNotSent() {
        type.ueventVars = (dev, env) -> {
            if (dev.name().equals("broken")) {
                throw new IllegalStateException("no identity yet");
            }
            env.put("BUSVAR", dev.name());
        };
        add("broken", "none:none:0");
        add("fine", "none:none:1");
        await("fine's ADD", () -> !ueventsOf("fine").isEmpty());
        assertEquals("fine", ueventsOf("fine").get(0).env().get("BUSVAR"));
        assertTrue(ueventsOf("broken").isEmpty(), "broken's ADD was not sent: " + ueventsOf("broken"));
    }
}
