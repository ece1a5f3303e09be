package org.nova.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The lines the samples' shell commands print, and which of them fail a self-test. */
class CheckTest {
    @Test
    void aCheckPrintsItsVerdictNameAndDetail() {
        assertEquals("PASS liveness: wrote 0x12345678 read 0xedcba987",
                Check.of("liveness", true, "wrote 0x12345678 read 0xedcba987").toString());
        assertEquals("FAIL dma: first difference at 8", Check.of("dma", false, "first difference at 8").toString());
        assertEquals("INFO mmio-wildcard-eventfd: count 0 -> 0", Check.info("mmio-wildcard-eventfd", "count 0 -> 0").toString());
    }

    @Test
    void onlyAFailFailsASelftest() {
        assertTrue(Check.of("a", true, "").ok());
        assertTrue(Check.info("b", "").ok(), "a report is not a failure");
        assertFalse(Check.of("c", false, "").ok());
    }
}
