package org.nova.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The Felix Web Console's password format, so that the console's own {@code password} property
 * means the same to this bundle as to the console (its internal class {@code Password}, Web
 * Console 5.0): either plain text, or {@code {ALGORITHM}} followed by an optional hex salt and
 * {@code -}, an optional iteration count and {@code -}, and the Base64 of the digest. The digest
 * is taken of the UTF-8 bytes of salt + password, then of its own output, iteration times.
 *
 * <p>The console's built-in default is {@value #DEFAULT_HASH}, the unsalted SHA-256 of "admin":
 * this bundle never lets that password in ({@link #isWellKnown}).
 */
final class ConsolePassword {
    /** The digest this bundle hashes with, as the console spells it. */
    static final String ALGORITHM = "sha-256";
    /** How many times a password this bundle hashes is digested (the console's DEFAULT_ITERATIONS). */
    static final int ITERATIONS = 1000;
    /** Bytes of salt (the console's DEFAULT_SALT_SIZE), written as hex. */
    static final int SALT_BYTES = 8;
    /** Random bytes in a generated password: 96 bits, 16 characters of URL-safe Base64. */
    static final int GENERATED_BYTES = 12;
    /** The console's DEFAULT_PASSWORD: "admin" hashed once, unsalted (OsgiManager, Web Console 5.0). */
    static final String DEFAULT_HASH = "{sha-256}jGl25bVBBBW96Qi9Te4V37Fnqchz/Eu4qB9vKrRIqRg=";
    /** The console's DEFAULT_USER_NAME and the clear text of {@link #DEFAULT_HASH}. */
    static final String WELL_KNOWN = "admin";
    /** Separates salt, iteration count and digest. */
    private static final char DELIMITER = '-';

    private ConsolePassword() {
    }

    /**
     * @param stored the console's {@code password} property: plain or hashed
     * @param given what the client sent
     * @return whether they match (compared in time independent of where they differ)
     */
    static boolean matches(String stored, String given) {
        int close = stored.startsWith("{") ? stored.indexOf('}') : -1;
        if (close < 0) {
            return MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
        }
        String algorithm = stored.substring(1, close);
        String rest = stored.substring(close + 1);
        String salt = "";
        int iterations = 1;
        int dash = rest.indexOf(DELIMITER);
        if (dash >= 0) {
            salt = rest.substring(0, dash);
            rest = rest.substring(dash + 1);
            int second = rest.indexOf(DELIMITER);
            if (second >= 0) {
                try {
                    iterations = Integer.parseInt(rest.substring(0, second));
                } catch (NumberFormatException e) {
                    return false;
                }
                rest = rest.substring(second + 1);
            }
        }
        byte[] expected;
        try {
            expected = Base64.getDecoder().decode(rest);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, digest(algorithm, salt, iterations, given));
    }

    /** @return {@code plain} in the console's salted form, {@value #ALGORITHM} × {@value #ITERATIONS} */
    static String hash(String plain, SecureRandom random) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        String hex = HexFormat.of().formatHex(salt);
        return "{" + ALGORITHM + "}" + hex + DELIMITER + ITERATIONS + DELIMITER
                + Base64.getEncoder().encodeToString(digest(ALGORITHM, hex, ITERATIONS, plain));
    }

    /** @return a new random password: letters, digits, '-' and '_' */
    static String generate(SecureRandom random) {
        byte[] bytes = new byte[GENERATED_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @return whether {@code stored} is the console's well-known default password, hashed or not */
    static boolean isWellKnown(String stored) {
        return matches(stored, WELL_KNOWN);
    }

    private static byte[] digest(String algorithm, String salt, int iterations, String password) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the console password names digest '" + algorithm
                    + "', which this JVM does not have", e);
        }
        byte[] bytes = (salt + password).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < iterations; i++) {
            bytes = md.digest(bytes);
        }
        return bytes;
    }
}
