package org.nova.driver;

import java.time.Duration;
import java.util.List;

/**
 * What {@link DriverCore#settle} found. The caller owns the report; the core keeps nothing of it.
 *
 * @param settled whether the condition held before the timeout
 * @param waited how long the call waited
 * @param pending when not settled, what was still in progress at the timeout, one line each
 *     (a bundle still starting, a component being activated, a probe still running); empty when
 *     settled
 * @param notSatisfied what will not come up by itself, one line each, whether settled or not: a
 *     bundle of the run configuration that did not resolve or start, a component whose mandatory
 *     references have no target (with the references), a component whose activation failed
 */
public record SettleReport(boolean settled, Duration waited, List<String> pending, List<String> notSatisfied) {
    public SettleReport {
        pending = List.copyOf(pending);
        notSatisfied = List.copyOf(notSatisfied);
    }
}
