package org.nova.vgpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Dictionary;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIds;
import org.nova.config.ConfigStatus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The driver's probe decisions: only VFs of NVIDIA GPUs, deferred while the PF is not bound to nova.core. */
class VgpuVfioDriverTest {
    private final FakeFirmware fw = new FakeFirmware();

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Map<String, Object> answers) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            if (answers.containsKey(m.getName())) {
                return answers.get(m.getName());
            }
            if (m.isDefault()) {
                return java.lang.reflect.InvocationHandler.invokeDefault(p, m, a);
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }

    /** The latest properties of the driver's answer to its configuration. */
    private Dictionary<String, ?> answer;

    @SuppressWarnings("unchecked")
    private BundleContext context() {
        ServiceRegistration<?> registration = (ServiceRegistration<?>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                    if (m.getName().equals("setProperties")) {
                        answer = (Dictionary<String, ?>) a[0];
                        return null;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (p, m, a) -> {
                    if (m.getName().equals("registerService")) {
                        answer = (Dictionary<String, ?>) a[2];
                        return registration;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    private VgpuVfioDriver driver() {
        return new VgpuVfioDriver(fw, fw, proxy(DriverCore.class, Map.of()), context(), Map.of());
    }

    /** The PF, bound to {@code driver} (empty: to none). */
    private static PciDevice pf(Optional<String> driver) {
        return proxy(PciDevice.class, Map.of("slot", FakeFirmware.PF, "ids", new PciIds(0x10de, 0x2684, 0x10de,
                0x2684, 0x030000, 0xa1), "device", proxy(Device.class, Map.of("driver", driver))));
    }

    private static PciDevice vf(PciDevice pf) {
        return proxy(PciDevice.class, Map.of("slot", "0000:00:06.1", "isVirtfn", pf != null,
                "physfn", Optional.ofNullable(pf)));
    }

    @Test
    void onlyVfsOfGpusNovaCoreDrivesBind() {
        VgpuVfioDriver d = driver();
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> d.probe(vf(null),
                VgpuVfioDriver.ID_TABLE.get(0))).errno());
        // a PF another driver holds is not one of nova.core's GPUs: no deferral, no binding
        fw.bound = false;
        DriverException e = assertThrows(DriverException.class, () -> d.probe(vf(pf(Optional.of("virtio-pci"))),
                VgpuVfioDriver.ID_TABLE.get(0)));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("virtio-pci"), e.getMessage());
    }

    @Test
    void probeDefersWhileThePfIsNotBoundToNovaCore() {
        VgpuVfioDriver d = driver();
        fw.bound = false;
        DriverException e = assertThrows(DriverException.class, () -> d.probe(vf(pf(Optional.empty())),
                VgpuVfioDriver.ID_TABLE.get(0)));
        assertInstanceOf(ProbeDeferException.class, e);
        assertEquals(Errno.EPROBE_DEFER, e.errno());
        fw.bound = true;
        fw.vgpu = false;
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> d.probe(vf(pf(Optional.empty())),
                VgpuVfioDriver.ID_TABLE.get(0))).errno());
    }

    @Test
    void everyConfigurationIsAnsweredAndAnEntryThatIsNotVfEqualsTypeIsRefused() {
        VgpuVfioDriver d = driver();
        assertEquals(ConfigStatus.APPLIED, answer.get(ConfigStatus.STATE), "no configuration: the defaults");
        assertEquals(VgpuVfioDriver.PID, answer.get(ConfigStatus.PID));
        Map<String, Object> good = Map.of("service.pid", VgpuVfioDriver.PID, VgpuVfioDriver.PROP_CREATE,
                new String[] {"00:06.1=NVIDIA L40-1Q"});
        d.modified(good);
        assertEquals(ConfigStatus.APPLIED, answer.get(ConfigStatus.STATE));
        for (String bad : new String[] {"00:06.1", "00:06.1=", "=NVIDIA L40-1Q", "zz=NVIDIA L40-1Q"}) {
            d.modified(Map.of("service.pid", VgpuVfioDriver.PID, VgpuVfioDriver.PROP_CREATE, new String[] {bad}));
            assertEquals(ConfigStatus.REFUSED, answer.get(ConfigStatus.STATE), bad);
            assertEquals("EINVAL", answer.get(ConfigStatus.ERRNO));
            String reason = (String) answer.get(ConfigStatus.REASON);
            assertTrue(reason.startsWith("create: '" + bad + "'"), reason);
        }
        assertThrows(DriverException.class, () -> VgpuVfioDriver.parse(Map.of(VgpuVfioDriver.PROP_CREATE, "00:06.1")));
    }
}
