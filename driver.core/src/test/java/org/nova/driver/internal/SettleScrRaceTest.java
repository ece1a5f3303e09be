package org.nova.driver.internal;

import static org.nova.driver.internal.Proxies.none;
import static org.nova.driver.internal.Proxies.proxy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.nova.driver.SettleReport;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.dto.BundleDTO;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * Felix SCR can fail to describe a component whose configuration it is replacing at that moment
 * (a NullPointerException inside getComponentConfigurationDTOs, seen at start-up). The settle
 * condition takes that component as changing and looks again; it used to throw, which killed the
 * thread that unblocks probing at boot and left every device unbound.
 */
class SettleScrRaceTest {
    @Test
    void aComponentScrCannotDescribeYetIsPendingNotAFailure() {
        FrameworkStartLevel level = proxy(FrameworkStartLevel.class,
                (p, m, a) -> m.getName().equals("getStartLevel") ? 1 : none(m.getReturnType()));
        Bundle system = proxy(Bundle.class, (p, m, a) -> switch (m.getName()) {
            case "getState" -> Bundle.ACTIVE;
            case "adapt" -> a[0] == FrameworkStartLevel.class ? level : null;
            default -> none(m.getReturnType());
        });
        BundleContext context = proxy(BundleContext.class, (p, m, a) -> switch (m.getName()) {
            case "getBundle" -> system;
            case "getBundles" -> new Bundle[] {system};
            case "registerService" -> proxy(ServiceRegistration.class, (p2, m2, a2) -> none(m2.getReturnType()));
            default -> none(m.getReturnType());
        });
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = "racy";
        d.immediate = true;
        d.bundle = new BundleDTO();
        d.bundle.symbolicName = "racy.bundle";
        ComponentConfigurationDTO active = new ComponentConfigurationDTO();
        active.state = ComponentConfigurationDTO.ACTIVE;
        AtomicInteger looks = new AtomicInteger();
        ServiceComponentRuntime scr = proxy(ServiceComponentRuntime.class, (p, m, a) -> switch (m.getName()) {
            case "getComponentDescriptionDTOs" -> List.of(d);
            case "isComponentEnabled" -> true;
            case "getComponentConfigurationDTOs" -> {
                if (looks.incrementAndGet() <= 2) {
                    throw new NullPointerException("Cannot invoke \"java.util.Map.size()\" because \"m\" is null");
                }
                yield List.of(active);
            }
            default -> none(m.getReturnType());
        });
        Settle settle = new Settle(context, new DriverCoreImpl(), () -> scr, () -> null);
        try {
            SettleReport r = settle.await(Duration.ofSeconds(20), false);
            assertTrue(r.settled(), () -> "not settled: " + r.pending());
            assertTrue(looks.get() > 2, "SCR was asked again after it failed");
        } finally {
            settle.close();
        }
    }
}
