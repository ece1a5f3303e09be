package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Hashtable;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.nova.runtime.ConfigAnswers.Answer;

/** Which change an answer is for: matching the answered properties to the stored configuration. */
class ConfigAnswersTest {
    private static Answer answer(Map<String, Object> props) {
        return new Answer("p", null, "Owner", true, null, null, props);
    }

    private static Hashtable<String, Object> stored(Object... kv) {
        Hashtable<String, Object> h = new Hashtable<>();
        for (int i = 0; i < kv.length; i += 2) {
            h.put((String) kv[i], kv[i + 1]);
        }
        return h;
    }

    @Test
    void anAnswerIsForTheConfigurationWhosePropertiesItAnswered() {
        Hashtable<String, Object> s = stored("service.pid", "p", "slot", "00:03.0", "path", new String[] {"/a", "/b"});
        Map<String, Object> same = Map.of("service.pid", "p", "slot", "00:03.0", "path", new String[] {"/a", "/b"});
        assertTrue(ConfigAnswers.inForce(answer(same), s, false, Map.of()), "arrays compare by content");
        assertFalse(ConfigAnswers.inForce(answer(Map.of("service.pid", "p", "slot", "00:04.0", "path",
                new String[] {"/a", "/b"})), s, false, Map.of()), "another value");
        assertFalse(ConfigAnswers.inForce(answer(Map.of("service.pid", "p", "slot", "00:03.0")), s, false, Map.of()),
                "a key missing");
        assertFalse(ConfigAnswers.inForce(null, s, false, Map.of()), "no answer yet");
    }

    @Test
    void aKeyOnlyTheAnswerHasMustBeTheComponentsDeclaredDefault() {
        Hashtable<String, Object> s = stored("service.pid", "p", "enabled", true);
        assertTrue(ConfigAnswers.inForce(answer(Map.of("service.pid", "p", "enabled", true, "bridge", "vfio0")), s,
                true, Map.of("bridge", "vfio0", "enabled", false)), "DS merged the declared default");
        assertFalse(ConfigAnswers.inForce(answer(Map.of("service.pid", "p", "enabled", true, "bridge", "vfio7")), s,
                true, Map.of("bridge", "vfio0")), "a value of an earlier configuration");
        assertFalse(ConfigAnswers.inForce(answer(Map.of("service.pid", "p", "enabled", true, "devices", "x")), s,
                true, Map.of()), "a key of an earlier configuration");
    }

    @Test
    void withoutAConfigurationTheAnswerIsForNoneOrThereIsNoAnswer() {
        Answer defaults = answer(Map.of("enabled", false));
        Answer configured = answer(Map.of("service.pid", "p", "enabled", true));
        assertTrue(ConfigAnswers.inForce(defaults, null, true, Map.of()), "an optional owner answers for none");
        assertFalse(ConfigAnswers.inForce(configured, null, true, Map.of()), "still the deleted configuration's");
        assertFalse(ConfigAnswers.inForce(null, null, true, Map.of()), "between its deactivation and the next activation");
        assertTrue(ConfigAnswers.inForce(null, null, false, Map.of()), "a required configuration's owner withdrew");
        assertFalse(ConfigAnswers.inForce(configured, null, false, Map.of()), "not withdrawn yet");
    }

    @Test
    void filterValuesAreEscaped() {
        assertEquals("a\\(b\\)\\*\\\\c~d", ConfigAnswers.escape("a(b)*\\c~d"));
    }
}
