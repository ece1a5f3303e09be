package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which locations update reads as URLs, and which it takes from the module's build instead. */
class UpdateCommandTest {
    @Test
    void theLaunchersLocationsAreNoUrls() {
        assertFalse(UpdateCommand.isUrl("jar/nova.drm-0.1.0-SNAPSHOT.jar"), "the bnd launcher's embedded location");
        assertFalse(UpdateCommand.isUrl("notaurl"));
        assertFalse(UpdateCommand.isUrl(""));
        assertFalse(UpdateCommand.isUrl("nosuchprotocol:/x"));
    }

    @Test
    void urlsAreUrls() {
        assertTrue(UpdateCommand.isUrl("file:/tmp/driver.jar"));
        assertTrue(UpdateCommand.isUrl("https://example.org/driver.jar"));
    }
}
