package org.nova.driver.internal;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A uevent's environment as lib/kobject_uevent.c's {@code struct kobj_uevent_env} holds it: the
 * variables in the order they were added, at most {@value #NUM_ENVP} of them in at most
 * {@value #BUFFER_SIZE} bytes of {@code KEY=value\0} text (include/linux/kobject.h's
 * UEVENT_NUM_ENVP, 64 since Linux 5.8, and UEVENT_BUFFER_SIZE). {@code add_uevent_var} refuses a
 * variable past either limit with -ENOMEM, and the uevent is then not sent; {@link #put} throws
 * {@link Full}, and {@link Uevents} drops the event the same way.
 *
 * <p>Two arrays rather than a {@link java.util.LinkedHashMap}: every device's ADD and BIND build
 * one of these (about eight variables), and a hash table's nodes were a quarter of what binding
 * 10k devices allocated. Lookups scan the few keys, and only when a one-word filter of the keys'
 * hash codes ({@link #hashBits}) says the key may be there: a new variable, which is nearly
 * every put, is appended without a scan. Once {@link #freeze() frozen}
 * (when the event is posted), the map is read-only and may be shared between threads.
 *
 * <p>The byte limit is checked against an upper bound first: a UTF-16 char takes at most three
 * bytes of UTF-8 (a surrogate pair four for two chars), so while three bytes a char fit in
 * {@value #BUFFER_SIZE}, no variable can overflow the buffer and no string is measured. Only an
 * environment whose bound passes the limit counts its bytes exactly (and from then on keeps the
 * exact count), so {@link Full} is thrown exactly where the kernel's byte count says, and
 * measuring every variable's UTF-8 length, a fifth of the dispatcher's time, is gone.
 *
 * <p>Not thread-safe while it is being filled: one dispatcher builds it.
 */
final class UeventEnv extends AbstractMap<String, String> {
    /** UEVENT_NUM_ENVP: the most variables one uevent carries. */
    static final int NUM_ENVP = 64;
    /** UEVENT_BUFFER_SIZE: the bytes of {@code KEY=value\0} text one uevent carries. */
    static final int BUFFER_SIZE = 2048;
    /** Room for the core's variables and a bus's, without growing (PCI adds five). */
    private static final int INITIAL = 12;

    /** add_uevent_var's -ENOMEM: a variable past {@link #NUM_ENVP} or {@link #BUFFER_SIZE}. */
    static final class Full extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Full(String message) {
            super(message);
        }
    }

    private String[] keys = new String[INITIAL];
    private String[] values = new String[INITIAL];
    private int size;
    /** Bit {@code hash & 63} set for the hash code of every key held: a key whose bit is clear is not held. */
    private long hashBits;
    /**
     * Bytes of {@code KEY=value\0} text held, as the kernel's {@code buflen} counts them; -1 while
     * not counted ({@link #bound} alone showed there is room).
     */
    private int buflen;
    /** An upper bound of {@link #buflen}: three bytes a char ({@link #maxBytes}). */
    private int bound;
    private boolean frozen;

    /** Makes the map read-only; {@link #put} throws from here on. */
    UeventEnv freeze() {
        frozen = true;
        return this;
    }

    /**
     * Adds or replaces a variable.
     *
     * @throws Full when the variable would be the {@value #NUM_ENVP}+1st or take the text past
     *     {@value #BUFFER_SIZE} bytes; the map is unchanged
     * @throws UnsupportedOperationException once frozen
     * @throws NullPointerException for a null key or value
     */
    @Override
    public String put(String key, String value) {
        Objects.requireNonNull(key, "uevent variable name");
        Objects.requireNonNull(value, () -> "uevent variable " + key);
        if (frozen) {
            throw new UnsupportedOperationException("a posted uevent's environment is read-only");
        }
        int hash = key.hashCode();
        int i = indexOf(key, hash);
        if (i >= 0) {
            String old = values[i];
            int newBound = bound - maxBytes(key, old) + maxBytes(key, value);
            if (newBound <= BUFFER_SIZE) {
                buflen = -1;
            } else {
                int grown = exactBuflen() - bytes(key, old) + bytes(key, value);
                requireRoom(key, grown);
                buflen = grown;
            }
            values[i] = value;
            bound = newBound;
            return old;
        }
        if (size == NUM_ENVP) {
            throw new Full("uevent environment full: " + key + " would be variable " + (NUM_ENVP + 1)
                    + ", past UEVENT_NUM_ENVP (" + NUM_ENVP + ")");
        }
        int newBound = bound + maxBytes(key, value);
        if (newBound <= BUFFER_SIZE) {
            buflen = -1;
        } else {
            int grown = exactBuflen() + bytes(key, value);
            requireRoom(key, grown);
            buflen = grown;
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, Math.min(NUM_ENVP, size * 2));
            values = Arrays.copyOf(values, keys.length);
        }
        keys[size] = key;
        values[size] = value;
        size++;
        hashBits |= 1L << hash;
        bound = newBound;
        return null;
    }

    /** @return the exact {@link #buflen}, counted now if it was not */
    private int exactBuflen() {
        if (buflen < 0) {
            int n = 0;
            for (int i = 0; i < size; i++) {
                n += bytes(keys[i], values[i]);
            }
            buflen = n;
        }
        return buflen;
    }

    /** @return an upper bound of {@link #bytes}: three bytes of UTF-8 a UTF-16 char at most, and the '=' and NUL */
    private static int maxBytes(String key, String value) {
        return 3 * (key.length() + value.length()) + 2;
    }

    private void requireRoom(String key, int total) {
        if (total > BUFFER_SIZE) {
            throw new Full("uevent environment full: " + key + " would take the variables to " + total
                    + " bytes, past UEVENT_BUFFER_SIZE (" + BUFFER_SIZE + ")");
        }
    }

    /** @return the bytes {@code KEY=value\0} takes in the kernel's buffer */
    private static int bytes(String key, String value) {
        return utf8Length(key) + 1 + utf8Length(value) + 1;
    }

    private static int utf8Length(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }

    private int indexOf(Object key) {
        return key instanceof String k ? indexOf(k, k.hashCode()) : -1;
    }

    private int indexOf(String key, int hash) {
        if ((hashBits & 1L << hash) == 0) {
            return -1;
        }
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public int size() {
        return size;
    }

    /** The variables in the order added; read-only (removal is not a uevent operation). */
    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int i = next++;
                        return new SimpleImmutableEntry<>(keys[i], values[i]);
                    }
                };
            }

            @Override
            public int size() {
                return size;
            }
        };
    }
}
