package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ConsolePasswordTest {
    private final SecureRandom random = new SecureRandom();

    @Test
    void theConsolesDefaultIsAdminHashedOnce() {
        assertTrue(ConsolePassword.matches(ConsolePassword.DEFAULT_HASH, "admin"));
        assertFalse(ConsolePassword.matches(ConsolePassword.DEFAULT_HASH, "admin "));
        assertTrue(ConsolePassword.isWellKnown(ConsolePassword.DEFAULT_HASH));
        assertTrue(ConsolePassword.isWellKnown("admin"), "the plain default counts too");
        assertFalse(ConsolePassword.isWellKnown("s3cret"));
    }

    @Test
    void plainTextComparesAsIs() {
        assertTrue(ConsolePassword.matches("s3cret", "s3cret"));
        assertFalse(ConsolePassword.matches("s3cret", "s3cre"));
        assertFalse(ConsolePassword.matches("s3cret", ""));
    }

    @Test
    void aHashIsSaltedIteratedAndChecksOnlyItsPassword() {
        String h = ConsolePassword.hash("pa55", random);
        assertTrue(h.matches("\\{sha-256\\}\\p{XDigit}{16}-1000-[A-Za-z0-9+/]{43}="), h);
        assertTrue(ConsolePassword.matches(h, "pa55"));
        assertFalse(ConsolePassword.matches(h, "pa56"));
        assertNotEquals(h, ConsolePassword.hash("pa55", random), "a new salt each time");
    }

    @Test
    void aSaltWithoutIterationCountMeansOneDigest() throws Exception {
        // the console writes "{alg}SALT-DIGEST" when the count is 1: digest of salt + password, once
        byte[] d = MessageDigest.getInstance("SHA-256").digest("abcdpw".getBytes(StandardCharsets.UTF_8));
        String stored = "{sha-256}abcd-" + Base64.getEncoder().encodeToString(d);
        assertTrue(ConsolePassword.matches(stored, "pw"));
        assertFalse(ConsolePassword.matches(stored, "abcdpw"));
    }

    @Test
    void malformedHashesNeverMatch() {
        assertFalse(ConsolePassword.matches("{sha-256}not*base64", "x"));
        assertFalse(ConsolePassword.matches("{sha-256}ab-x1-AAAA", "x"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConsolePassword.matches("{nosuch}AAAA", "x"));
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
    }

    @Test
    void generatedPasswordsAreLongAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String p = ConsolePassword.generate(random);
            assertEquals(16, p.length());
            assertTrue(p.matches("[A-Za-z0-9_-]+"), p);
            assertTrue(seen.add(p), "a repeat: " + p);
        }
    }
}
