package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciAlias;
import org.nova.bus.pci.PciIds;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.bus.pci.fake.FakeFunction;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;

/** pci_uevent's variables. */
class PciUeventTest {
    @Test
    void variablesInTheKernelsFormat() {
        Map<String, String> env = new HashMap<>();
        PciUevent.fill(new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10), new PciAddress(0, 0, 4, 0), env);
        assertEquals("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00", env.get("MODALIAS"));
        assertEquals("FF00", env.get("PCI_CLASS"));
        assertEquals("1234:11E8", env.get("PCI_ID"));
        assertEquals("1AF4:1100", env.get("PCI_SUBSYS_ID"));
        assertEquals("0000:00:04.0", env.get("PCI_SLOT_NAME"));
        env.clear();
        PciUevent.fill(new PciIds(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1), new PciAddress(0, 1, 0, 0), env);
        assertEquals("30000", env.get("PCI_CLASS"));
        assertEquals("pci:v000010DEd00002684sv000010DEsd0000167Cbc03sc00i00", env.get("MODALIAS"));
    }

    /** Values at every digit count, the edges of 16 and 24 bits, and ints beyond them (taken as unsigned). */
    private static final int[] SPREAD = {0, 1, 0xa, 0xf, 0x10, 0xff, 0x100, 0xfff, 0x1000, 0x10de, 0xabcd, 0xffff,
        0x10000, 0x030000, 0x0c0330, 0xfffff, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xffffffff, -2};

    @Test
    void upperHexPrintsWhatTheFormatterPrints() {
        for (int digits = 1; digits <= 8; digits++) {
            for (int v : SPREAD) {
                assertEquals(String.format("%0" + digits + "X", v),
                        UpperHex.append(new StringBuilder(), v, digits).toString(), v + " in " + digits + " digits");
            }
        }
    }

    @Test
    void variablesByteForByteAsTheFormatterMadeThem() {
        Random r = new Random(16);
        List<PciIds> spread = new ArrayList<>();
        for (int v : SPREAD) {
            spread.add(new PciIds(v, v, v, v, v, v & 0xff));
        }
        for (int i = 0; i < 1000; i++) {
            spread.add(new PciIds(r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(0x10000),
                    r.nextInt(0x1000000), r.nextInt(0x100)));
        }
        PciAddress address = new PciAddress(1, 0x3a, 0x1f, 7);
        for (PciIds ids : spread) {
            Map<String, String> env = new LinkedHashMap<>();
            PciUevent.fill(ids, address, env);
            // pci_uevent's formats, as this class printed them with String.format
            Map<String, String> formatted = new LinkedHashMap<>();
            formatted.put("PCI_CLASS", String.format("%04X", ids.classCode() & 0xffffff));
            formatted.put("PCI_ID", String.format("%04X:%04X", ids.vendor(), ids.device()));
            formatted.put("PCI_SUBSYS_ID", String.format("%04X:%04X", ids.subsystemVendor(), ids.subsystemDevice()));
            formatted.put("PCI_SLOT_NAME", "0001:3a:1f.7");
            formatted.put("MODALIAS", String.format(PciAlias.MODALIAS_FORMAT, ids.vendor(), ids.device(),
                    ids.subsystemVendor(), ids.subsystemDevice(), ids.baseClass(), ids.subClass(), ids.progIf()));
            assertEquals(formatted, env, ids.toString());
            assertEquals(List.copyOf(formatted.keySet()), List.copyOf(env.keySet()), "in pci_uevent's order");
        }
    }

    /**
     * A device formats its uevent values once and keeps them: what it fills is byte for byte
     * what a fresh fill from its ids gives, in the same order, for every uevent it sends.
     */
    @Test
    void aDevicesKeptValuesAreTheFreshOnes() {
        FakeBridge bridge = new FakeBridge("b", 0);
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            PciIds ids = new PciIds(r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(0x10000), r.nextInt(0x10000),
                    r.nextInt(0x1000000), r.nextInt(0x100));
            FakeFunction f = bridge.function(i % 32, i / 32 % 8, 256);
            PciDeviceImpl pdev = new PciDeviceImpl(f, ids, new Topology() {
                @Override
                public Optional<PciDeviceImpl> lookup(PciFunction function) {
                    return Optional.empty();
                }

                @Override
                public void removeFunction(PciFunction function) {
                }
            });
            PciUevent.Vars kept = pdev.ueventVars();
            assertSame(kept, pdev.ueventVars(), "made once");
            assertEquals(PciUevent.Vars.of(ids), kept);
            for (int event = 0; event < 2; event++) {
                Map<String, String> fresh = new LinkedHashMap<>();
                PciUevent.fill(ids, f.address(), fresh);
                Map<String, String> fromKept = new LinkedHashMap<>();
                PciUevent.fill(pdev.ueventVars(), f.address().toString(), fromKept);
                assertEquals(fresh, fromKept, ids.toString());
                assertEquals(List.copyOf(fresh.keySet()), List.copyOf(fromKept.keySet()), "in pci_uevent's order");
            }
        }
    }
}
