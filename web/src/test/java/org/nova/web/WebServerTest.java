package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the page's HTTP server starts: with the interactive runtime, not for ./nova -c, or as told. */
class WebServerTest {
    @Test
    void theInteractiveRuntimeStartsIt() {
        assertTrue(WebServer.starts(null, null));
        assertTrue(WebServer.starts(null, "  "), "a blank command line runs nothing: interactive");
        assertEquals("interactive runtime", WebServer.reason(null, null));
    }

    @Test
    void aBatchCommandLineDoesNot() {
        assertFalse(WebServer.starts(null, "drv:settle"));
        assertEquals("batch command line", WebServer.reason(null, "drv:settle"));
    }

    @Test
    void thePropertyDecidesWhenSet() {
        assertTrue(WebServer.starts("true", "drv:settle"));
        assertFalse(WebServer.starts("false", null));
        assertFalse(WebServer.starts("yes", null), "only 'true' is true, as Boolean.parseBoolean reads it");
        assertEquals(WebServer.SERVER + "=true", WebServer.reason("true", "drv:settle"));
    }
}
