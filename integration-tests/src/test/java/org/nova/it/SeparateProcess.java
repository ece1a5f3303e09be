package org.nova.it;

/**
 * JUnit category of the integration tests that start the runtime as a process of their own
 * ({@link NovaProcess}, {@link org.nova.it.lifecycle.RuntimeProcess}) or boot a QEMU guest that runs
 * it. The switches the suite hands to its Pax Exam frameworks (test_remove,
 * {@link NovaOptions#TEST_REMOVE_PROPERTY}) never reach those processes, so a second run of the
 * suite with test_remove on would repeat them unchanged: CI's second run leaves this category out
 * ({@code -Dnova.it.excludedGroups=org.nova.it.SeparateProcess}).
 */
public interface SeparateProcess {
}
