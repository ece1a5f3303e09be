package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.driver.BusRegistration;
import org.nova.driver.Device;
import org.nova.driver.WhyReport;

/**
 * Deterministic choice among matching drivers: specificity, then service.ranking, then age
 * (service.id) — whatever the order in which the drivers register.
 */
class ChoiceTest extends CoreTestBase {

    /** A scenario: the drivers, the expected winner and the words of the rule in why(). */
    record Scenario(String name, Supplier<List<TestDriver>> drivers, String winner, String rule) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Scenario> scenarios() {
        return List.of(
                // the most specific wins even against a higher ranking and an older service
                new Scenario("specificity", () -> List.of(
                        TestDriver.of("classdrv", "acme:*:*").ranking(100).serviceId(1),
                        TestDriver.of("devdrv", "acme:widget:*").ranking(50).serviceId(2),
                        TestDriver.of("subdrv", "acme:widget:7").ranking(0).serviceId(3),
                        TestDriver.of("unrelated", "other:*:*").ranking(1000).serviceId(0)),
                        "subdrv", "more specific"),
                // equal specificity: the higher ranking wins even against an older service
                new Scenario("ranking", () -> List.of(
                        TestDriver.of("r0", "acme:widget:*").ranking(0).serviceId(1),
                        TestDriver.of("r10", "acme:widget:*").ranking(10).serviceId(3),
                        TestDriver.of("r5", "acme:widget:*").ranking(5).serviceId(2),
                        TestDriver.of("generic", "acme:*:*").ranking(99).serviceId(0)),
                        "r10", "service.ranking"),
                // equal specificity and ranking: the oldest (lowest service.id) wins
                new Scenario("age", () -> List.of(
                        TestDriver.of("young", "acme:widget:*").ranking(3).serviceId(30),
                        TestDriver.of("old", "acme:widget:*").ranking(3).serviceId(10),
                        TestDriver.of("middle", "acme:widget:*").ranking(3).serviceId(20),
                        TestDriver.of("lowrank", "acme:widget:*").ranking(2).serviceId(1)),
                        "old", "registered earlier"));
    }

    static Stream<Arguments> scenariosAndPermutations() {
        List<Arguments> out = new ArrayList<>();
        for (Scenario s : scenarios()) {
            for (List<Integer> p : permutations(List.of(0, 1, 2, 3))) {
                out.add(Arguments.of(s, p));
            }
        }
        return out.stream();
    }

    static List<List<Integer>> permutations(List<Integer> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<Integer>> out = new ArrayList<>();
        for (Integer head : items) {
            List<Integer> rest = new ArrayList<>(items);
            rest.remove(head);
            for (List<Integer> tail : permutations(rest)) {
                List<Integer> p = new ArrayList<>();
                p.add(head);
                p.addAll(tail);
                out.add(p);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("scenariosAndPermutations")
    void theWinnerDoesNotDependOnRegistrationOrder(Scenario s, List<Integer> order) {
        // 1. drivers in this order, then the device
        List<TestDriver> drivers = s.drivers().get();
        BusRegistration b1 = newCoreWithBus();
        for (int i : order) {
            b1.registerDriver(drivers.get(i).descriptor());
        }
        Device d1 = b1.addDevice("d0", null, new TestBus.TestDev("acme:widget:7"));
        assertEquals(Optional.of(s.winner()), d1.driver());
        checkWhy(s, b1.why("d0"));

        // 2. probing blocked (framework start-up): the device first, drivers in this order, then unblock
        List<TestDriver> drivers2 = s.drivers().get();
        DriverCoreImpl c2 = newCore();
        TestBus t2 = new TestBus("test", c2);
        BusRegistration b2 = c2.registerBus(t2);
        c2.setProbingBlocked(true);
        Device d2 = b2.addDevice("d0", null, new TestBus.TestDev("acme:widget:7"));
        for (int i : order) {
            b2.registerDriver(drivers2.get(i).descriptor());
        }
        c2.setProbingBlocked(false);
        assertTrue(c2.waitForDeviceProbe(SETTLE));
        assertEquals(Optional.of(s.winner()), d2.driver());
        for (TestDriver d : drivers2) {
            assertEquals(d.name.equals(s.winner()) ? c2.testDriverRemove() ? 2 : 1 : 0, d.probeCalls(),
                    d.name + " probed only if it is the winner");
        }
        checkWhy(s, b2.why("d0"));
    }

    private static void checkWhy(Scenario s, WhyReport why) {
        assertEquals(Optional.of(s.winner()), why.boundTo());
        assertEquals(s.winner(), why.candidates().get(0).driver());
        assertEquals(1, why.candidates().get(0).rank());
        assertTrue(why.verdict().startsWith(s.winner() + " is tried first"), why.verdict());
        assertTrue(why.verdict().contains(s.rule()), why.verdict());
        // ranks 1..n for matches, in the order the core would try them, 0 for the rest
        int expected = 1;
        boolean seenNonMatch = false;
        for (WhyReport.Candidate c : why.candidates()) {
            if (c.result().matches()) {
                assertTrue(!seenNonMatch, "matches come first");
                assertEquals(expected++, c.rank());
            } else {
                seenNonMatch = true;
                assertEquals(0, c.rank());
            }
        }
    }
}
