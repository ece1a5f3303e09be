package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * Configuration values as {@code cm:set} takes them (issue 14, fuzzing): KEY=VALUE words checked
 * against a Metatype definition with every kind of attribute the project's configurations use
 * (string, bounded integer, options, boolean, an unbounded list, a bounded long list) and, for a
 * PID no Metatype describes, the untyped reading. Contract: the words become typed properties,
 * one per key, or the whole set is refused with EINVAL naming the key; nothing else is thrown.
 */
class ConfigValuesFuzzTest {
    /** Words per input. */
    private static final int MAX_WORDS = 6;
    /** Longest value an input writes. */
    private static final int MAX_VALUE = 64;

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void words(FuzzedDataProvider in) {
        AttributeDefinition[] ads = ConfigDefinitionsTest.OCD.getAttributeDefinitions(ObjectClassDefinition.ALL);
        boolean typed = in.consumeBoolean();
        List<String> words = new ArrayList<>();
        int n = in.consumeInt(0, MAX_WORDS);
        for (int i = 0; i < n; i++) {
            String key = in.consumeBoolean() ? ads[in.consumeInt(0, ads.length - 1)].getID() : in.consumeString(8);
            String sep = in.consumeBoolean() ? "=" : in.consumeString(2);
            words.add(key + sep + in.consumeString(MAX_VALUE));
        }
        try {
            Hashtable<String, Object> props = typed
                    ? ConfigDefinitions.parse("fuzz", ConfigDefinitionsTest.OCD, words)
                    : ConfigDefinitions.parseUntyped("fuzz", words);
            assertEquals(words.size(), props.size(), "one property per word");
        } catch (DriverException e) {
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("fuzz: "), "the refusal names the PID: " + e.getMessage());
        }
    }
}
