package org.nova.hw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.hw.pci.PciAddress;

/**
 * The defaults a backend inherits: a config block read dword by dword through readConfig, and no
 * sysfs view; and the sysfs resource arithmetic pciutils uses.
 */
class PciFunctionDefaultsTest {
    /** A 256-byte function whose every dword reads its own offset; the reads it saw are recorded. */
    private static PciFunction function(List<Integer> reads) {
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "readConfig" -> {
                reads.add((Integer) args[0]);
                yield (Integer) args[0];
            }
            case "configSize" -> 256;
            case "address" -> new PciAddress(0, 0, 3, 0);
            default -> method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : null;
        };
        return (PciFunction) Proxy.newProxyInstance(PciFunction.class.getClassLoader(), new Class<?>[] {PciFunction.class}, h);
    }

    @Test
    void aConfigBlockIsReadDwordByDwordByDefault() {
        List<Integer> reads = new ArrayList<>();
        byte[] block = function(reads).readConfigBlock(0x40, 8);
        assertArrayEquals(new byte[] {0x40, 0, 0, 0, 0x44, 0, 0, 0}, block);
        assertEquals(List.of(0x40, 0x44), reads);
    }

    @Test
    void aMisalignedOrOversizedBlockIsRefused() {
        PciFunction f = function(new ArrayList<>());
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> f.readConfigBlock(2, 4)).errno());
        assertEquals(HwException.EINVAL, assertThrows(HwException.class, () -> f.readConfigBlock(0, 6)).errno());
        assertEquals(HwException.ERANGE, assertThrows(HwException.class, () -> f.readConfigBlock(0xfc, 8)).errno());
    }

    @Test
    void noSysfsViewByDefault() {
        assertTrue(function(new ArrayList<>()).sysfs().isEmpty());
    }

    @Test
    void resourceSizesAsPciutilsComputesThem() {
        assertEquals(0x4000, new SysfsPciDevice.Resource(0xfdc04000L, 0xfdc07fffL, 0x140204).size());
        assertEquals(0, SysfsPciDevice.Resource.NONE.size());
        SysfsPciDevice s = new SysfsPciDevice(0, SysfsPciDevice.NO_NUMA_NODE, List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        assertEquals(SysfsPciDevice.Resource.NONE, s.resource(6));
    }
}
