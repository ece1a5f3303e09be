package org.nova.driver;

import java.util.List;
import java.util.Optional;

/**
 * Why a device is (or would be) bound to a driver: the answer of every driver on its bus,
 * in the order the core would try them.
 *
 * @param device the device name
 * @param boundTo the driver bound now, if any
 * @param override the driver_override, if set
 * @param candidates every driver's answer, matching ones first in trial order
 * @param verdict one sentence naming the winner and the rule that chose it
 */
public record WhyReport(String device, Optional<String> boundTo, Optional<String> override,
        List<Candidate> candidates, String verdict) {

    /**
     * One driver's answer.
     *
     * @param driver the driver name
     * @param result the bus's match answer
     * @param ranking service.ranking
     * @param serviceId service.id (age)
     * @param rank the trial order among matches, 1 first; 0 for a non-match
     */
    public record Candidate(String driver, MatchResult result, int ranking, long serviceId, int rank) {
    }
}
