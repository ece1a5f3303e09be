package org.nova.driver.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.nova.driver.DriverDescriptor;
import org.nova.driver.DriverException;
import org.nova.driver.MatchResult;
import org.nova.driver.WhyReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which driver a device gets: drivers/base/base.h's {@code driver_match_device} (the bus's match,
 * with the generic driver_override rule of drivers/base/driver.c applied first) and the order in
 * which the matching drivers are tried. The kernel tries drivers in registration order; here the
 * most specific match goes first, then the higher {@code service.ranking}, then the older
 * registration (DESIGN §2), so the choice does not depend on the order bundles start in.
 * {@link #why} explains a choice for {@code drv:why}.
 *
 * <p>Holds no state. Locking: calls the bus's {@code match} without the core's lock; reads the
 * device's binding and deferral state under it.
 */
final class DriverMatch {
    private static final Logger LOG = LoggerFactory.getLogger(DriverMatch.class);

    /** One driver's answer for a device, with the keys that order the trials. */
    record Candidate(DriverImpl driver, MatchResult result) {
    }

    /** Most specific first, then higher service.ranking, then older (lower service.id). */
    static final Comparator<Candidate> TRIAL_ORDER = (a, b) -> compare(a.driver(), a.result(), b.driver(), b.result());

    /** {@link #TRIAL_ORDER} of two answers, without making candidates of them. */
    private static int compare(DriverImpl a, MatchResult ra, DriverImpl b, MatchResult rb) {
        int c = Integer.compare(rb.specificity(), ra.specificity());
        if (c != 0) {
            return c;
        }
        DriverDescriptor da = a.desc;
        DriverDescriptor db = b.desc;
        c = Integer.compare(db.ranking(), da.ranking());
        return c != 0 ? c : Long.compare(da.serviceId(), db.serviceId());
    }

    private final DriverCoreImpl core;

    DriverMatch(DriverCoreImpl core) {
        this.core = core;
    }

    /** driver_match_device: a driver_override naming another driver excludes this one; else the bus decides. */
    MatchResult match(DeviceImpl dev, DriverImpl drv) {
        String override = dev.overrideValue();
        if (override != null && !override.equals(drv.desc.name())) {
            return MatchResult.noMatch("driver_override names " + override);
        }
        try {
            return dev.bus.type.match(dev, drv.desc);
        } catch (RuntimeException e) {
            LOG.warn("bus {} match of {} with {} failed: {}", dev.bus.name(), dev.name(), drv.desc.name(), e.toString());
            return MatchResult.noMatch("match failed: " + e);
        }
    }

    /**
     * The drivers' answers, matches first in trial order, then non-matches in registration order:
     * of every driver with {@code all}, else of the candidates the bus's index admits.
     */
    List<Candidate> rank(DeviceImpl dev, boolean all) {
        List<DriverImpl> drivers = all ? dev.bus.driverList() : Arrays.asList(dev.bus.candidates(dev));
        List<Candidate> out = new ArrayList<>(drivers.size());
        int matches = 0;
        for (DriverImpl d : drivers) {
            Candidate c = new Candidate(d, match(dev, d));
            if (c.result().kind() == MatchResult.Kind.NO_MATCH) {
                out.add(c);
            } else {
                out.add(matches++, c);
            }
        }
        if (matches == 2) {
            // what the stable sort below does with two: swap only if the second goes first
            if (TRIAL_ORDER.compare(out.get(0), out.get(1)) > 0) {
                out.set(1, out.set(0, out.get(1)));
            }
        } else if (matches > 2) {
            out.subList(0, matches).sort(TRIAL_ORDER);
        }
        return out;
    }

    /** @return the driver that would be tried first now, if one matches: the head of {@link #rank}. */
    Optional<String> firstChoice(DeviceImpl dev) {
        DriverImpl first = null;
        MatchResult firstResult = null;
        for (DriverImpl d : dev.bus.candidates(dev)) {
            MatchResult r = match(dev, d);
            if (r.kind() != MatchResult.Kind.NO_MATCH
                    && (first == null || compare(d, r, first, firstResult) < 0)) {
                first = d;
                firstResult = r;
            }
        }
        return first == null || !firstResult.matches() ? Optional.empty() : first.name;
    }

    /** {@code drv:why}: every driver's answer in trial order, and a sentence on the outcome. */
    WhyReport why(DeviceImpl dev) {
        List<Candidate> ranked = rank(dev, true);
        List<WhyReport.Candidate> out = new ArrayList<>();
        int rank = 0;
        for (Candidate c : ranked) {
            boolean m = c.result().kind() != MatchResult.Kind.NO_MATCH;
            out.add(new WhyReport.Candidate(c.driver().desc.name(), c.result(), c.driver().desc.ranking(),
                    c.driver().desc.serviceId(), m ? ++rank : 0));
        }
        Optional<String> bound = dev.driver();
        Optional<String> override = dev.driverOverride();
        return new WhyReport(dev.name(), bound, override, out, verdict(dev, ranked, bound));
    }

    private String verdict(DeviceImpl dev, List<Candidate> ranked, Optional<String> bound) {
        List<Candidate> matching = ranked.stream().filter(c -> c.result().kind() != MatchResult.Kind.NO_MATCH).toList();
        StringBuilder sb = new StringBuilder();
        if (matching.isEmpty()) {
            sb.append("no driver on bus ").append(dev.bus.name()).append(" matches ").append(dev.name());
            String override = dev.overrideValue();
            if (override != null) {
                sb.append(" (driver_override = ").append(override).append(")");
            } else {
                core.autoload.explain(dev).ifPresent(a -> sb.append("; ").append(a));
            }
            return sb.toString();
        }
        Candidate first = matching.get(0);
        sb.append(first.driver().desc.name()).append(" is tried first");
        if (matching.size() > 1) {
            sb.append(": ").append(whyBefore(first, matching.get(1)));
            // the kernel's bus_for_each_drv walks the drivers in registration order
            List<DriverImpl> registered = dev.bus.driverList();
            Candidate kernelFirst = matching.stream()
                    .min(Comparator.comparingInt((Candidate c) -> registered.indexOf(c.driver()))).orElseThrow();
            if (kernelFirst != first) {
                sb.append(" (the kernel, trying drivers in registration order, would try ")
                        .append(kernelFirst.driver().desc.name()).append(" first)");
            }
        } else {
            sb.append(": the only driver that matches");
        }
        // one consistent reading: probes of the device may be running
        boolean deferred;
        String deferReason;
        DriverException lastError;
        core.lock.lock();
        try {
            deferred = dev.deferral.isDeferred();
            deferReason = dev.deferral.reason();
            lastError = dev.binding.lastProbeError();
        } finally {
            core.lock.unlock();
        }
        if (bound.isPresent()) {
            sb.append("; bound to ").append(bound.get());
            if (!bound.get().equals(first.driver().desc.name())) {
                sb.append(" (bound before a better driver arrived, or the better one failed its probe)");
            }
        } else if (deferred) {
            sb.append("; probe deferred: ").append(deferReason);
        } else if (lastError != null) {
            sb.append("; unbound, last probe failed: ").append(lastError.getMessage());
        } else {
            sb.append("; unbound");
        }
        return sb.toString();
    }

    /** Which key of {@link #TRIAL_ORDER} put {@code first} before {@code second}. */
    private static String whyBefore(Candidate first, Candidate second) {
        if (first.result().specificity() != second.result().specificity()) {
            return "its match is more specific (" + first.result().specificity() + " > "
                    + second.result().specificity() + ")";
        }
        if (first.driver().desc.ranking() != second.driver().desc.ranking()) {
            return "equally specific, higher service.ranking (" + first.driver().desc.ranking() + " > "
                    + second.driver().desc.ranking() + ")";
        }
        return "equally specific and ranked, registered earlier (service.id " + first.driver().desc.serviceId()
                + " < " + second.driver().desc.serviceId() + ")";
    }
}
