package org.nova.runtime;

/**
 * The limits of one long fuzzing run ({@code -Pfuzz}, docs/testing.md) of every fuzz test of this
 * module: whichever comes first ends it. Without {@code -Pfuzz} a fuzz test runs its corpus once
 * and these do not apply. (Each module with fuzz tests has this class: test code is not shared
 * between modules.)
 */
final class FuzzLimits {
    /** Executions of one fuzz test in the long run (issue 14: at least 10^6 per fuzzer). */
    static final long EXECUTIONS = 1_000_000;
    /** The long run's time limit per fuzz test, as @FuzzTest's maxDuration reads it. */
    static final String DURATION = "30m";

    private FuzzLimits() {
    }
}
