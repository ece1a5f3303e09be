package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The suite-wide switch: with {@code -Dnova.driver.test_remove=true} every core of the suite runs
 * with test driver remove on. This proves the property reached the tests (a CI run that meant to
 * turn it on and did not would pass every other test unnoticed).
 */
class TestRemoveSwitchTest extends CoreTestBase {

    @Test
    void thePropertyReachesEveryCoreOfTheSuite() {
        assertEquals(Boolean.getBoolean(TEST_REMOVE_PROPERTY), core.testDriverRemove());
        assertEquals(TEST_REMOVE, newCore().testDriverRemove());
        register(TestDriver.of("drv", "acme:widget:*"));
        add("d0", "acme:widget:1");
        List<String> expected = TEST_REMOVE
                ? List.of("probe:drv:d0", "probed:drv:d0", "remove:drv:d0", "probe:drv:d0", "probed:drv:d0")
                : List.of("probe:drv:d0", "probed:drv:d0");
        assertEquals(expected, type.log);
    }
}
