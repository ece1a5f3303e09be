package org.nova.vgpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciIds;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.osgi.framework.BundleContext;

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

    private VgpuVfioDriver driver() {
        return new VgpuVfioDriver(fw, fw, proxy(DriverCore.class, Map.of()), proxy(BundleContext.class, Map.of()),
                Map.of());
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
}
