package org.nova.bus.pci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.bus.pci.PciDeviceId.PCI_ANY_ID;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The alias of an id-table entry as scripts/mod/file2alias.c do_pci_entry writes it, and the
 * device side as pci_uevent sends it, matched as modprobe matches them (fnmatch). The expected
 * strings are the ones modules.alias carries for such entries.
 */
class PciAliasTest {
    /** A VGA function of an NVIDIA GPU with a subsystem. */
    private static final PciIds GPU_VGA = new PciIds(0x10de, 0x2684, 0x10de, 0x167c, 0x030000, 0xa1);
    /** A 3D controller of an NVIDIA GPU. */
    private static final PciIds GPU_3D = new PciIds(0x10de, 0x2236, 0x10de, 0x1482, 0x030200, 0xa1);
    /** QEMU's edu device. */
    private static final PciIds EDU = new PciIds(0x1234, 0x11e8, 0x1af4, 0x1100, 0x00ff00, 0x10);

    /** One row of the table: an entry, its pattern (null: none) and which functions it covers. */
    private record Row(PciDeviceId id, String pattern, List<PciIds> covers, List<PciIds> missesFns) {
    }

    private static final List<Row> TABLE = List.of(
            // PCI_DEVICE(vendor, device): the ids, every other field '*'
            new Row(PciDeviceId.of(0x1234, 0x11e8), "pci:v00001234d000011E8sv*sd*bc*sc*i*",
                    List.of(EDU), List.of(GPU_VGA)),
            // PCI_VDEVICE-like PCI_ANY_ID device: any device of a vendor
            new Row(new PciDeviceId(0x10de, PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0, false),
                    "pci:v000010DEd*sv*sd*bc*sc*i*", List.of(GPU_VGA, GPU_3D), List.of(EDU)),
            // PCI_DEVICE_SUB: the subsystem ids as well
            new Row(PciDeviceId.withSubsystem(0x10de, 0x2684, 0x10de, 0x167c),
                    "pci:v000010DEd00002684sv000010DEsd0000167Cbc*sc*i*", List.of(GPU_VGA), List.of(GPU_3D)),
            new Row(PciDeviceId.withSubsystem(0x10de, 0x2684, 0x10de, 0x0001),
                    "pci:v000010DEd00002684sv000010DEsd00000001bc*sc*i*", List.of(), List.of(GPU_VGA)),
            // PCI_DEVICE_CLASS with the full mask: every class byte, then add_wildcard's '*'
            new Row(PciDeviceId.ofClass(0x030000, 0xffffff), "pci:v*d*sv*sd*bc03sc00i00*",
                    List.of(GPU_VGA), List.of(GPU_3D, EDU)),
            // mask 0xffff00: the prog-if is '*' (nova-core's and the vGPU driver's tables)
            new Row(PciDeviceId.ofClassAndVendor(0x030000, 0xffff00, 0x10de), "pci:v000010DEd*sv*sd*bc03sc00i*",
                    List.of(GPU_VGA), List.of(GPU_3D, EDU)),
            new Row(PciDeviceId.ofClass(0x030200, 0xffff00), "pci:v*d*sv*sd*bc03sc02i*",
                    List.of(GPU_3D), List.of(GPU_VGA)),
            // mask 0xff0000: base class only
            new Row(PciDeviceId.ofClass(0x030000, 0xff0000), "pci:v*d*sv*sd*bc03sc*i*",
                    List.of(GPU_VGA, GPU_3D), List.of(EDU)),
            // a partly masked byte: "Can't handle masks", no alias at all
            new Row(PciDeviceId.ofClass(0x030000, 0xfff000), null, List.of(), List.of()),
            new Row(PciDeviceId.ofClass(0x0c0330, 0xffff0f), null, List.of(), List.of()),
            // override-only entries never get a pci: alias
            new Row(PciDeviceId.of(0x1234, 0x11e8).asOverrideOnly(), null, List.of(), List.of()));

    @Test
    void patternsAsFile2aliasWritesThem() {
        for (Row r : TABLE) {
            assertEquals(Optional.ofNullable(r.pattern()), PciAlias.pattern(r.id()), r.id().toString());
            assertEquals(r.pattern() == null, PciAlias.problem(r.id()).isPresent(), r.id().toString());
        }
    }

    @Test
    void patternsCoverWhatTheEntryMatches() {
        for (Row r : TABLE) {
            if (r.pattern() == null) {
                continue;
            }
            for (PciIds f : r.covers()) {
                assertTrue(PciAlias.matches(r.pattern(), PciAlias.modalias(f)), r.pattern() + " " + f);
                assertTrue(r.id().matches(f), "the table row itself is wrong: " + r.id() + " " + f);
            }
            for (PciIds f : r.missesFns()) {
                assertFalse(PciAlias.matches(r.pattern(), PciAlias.modalias(f)), r.pattern() + " " + f);
                assertFalse(r.id().matches(f), "the table row itself is wrong: " + r.id() + " " + f);
            }
        }
    }

    @Test
    void modaliasAsPciUeventSendsIt() {
        assertEquals("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00", PciAlias.modalias(EDU));
        assertEquals("pci:v000010DEd00002684sv000010DEsd0000167Cbc03sc00i00", PciAlias.modalias(GPU_VGA));
    }

    @Test
    void aPartialMaskIsExplained() {
        String why = PciAlias.problem(PciDeviceId.ofClass(0x030000, 0xfff000)).orElseThrow();
        assertTrue(why.contains("FFF000"), why);
    }

    @Test
    void aTableGivesEachPatternOnceInOrderAndStopsAtATerminator() {
        PciDeviceId terminator = new PciDeviceId(0, 0, 0, 0, 0, 0, 0, false);
        List<PciDeviceId> table = List.of(PciDeviceId.of(0x1234, 0x11e8), PciDeviceId.ofClass(0x030000, 0xfff000),
                PciDeviceId.of(0x1234, 0x11e8).withDriverData(1), PciDeviceId.of(0x1b36, 0x0005), terminator,
                PciDeviceId.of(0x10de, 0x2684));
        assertEquals(List.of("pci:v00001234d000011E8sv*sd*bc*sc*i*", "pci:v00001B36d00000005sv*sd*bc*sc*i*"),
                PciAlias.patterns(table));
    }

    /** Ids at the edges of their fields, PCI_ANY_ID, and ints beyond 16 bits. */
    private static final int[] IDS = {0, 1, 0xf, 0x10de, 0xffff, 0x10000, 0x7fffffff, PCI_ANY_ID};

    /** file2alias.c's ADD of one field, as this class wrote it with String.format. */
    private static String formatted(String field, boolean present, String format, int value) {
        return field + (present ? String.format(format, value) : "*");
    }

    @Test
    void modaliasAndPatternsByteForByteAsTheFormatterMadeThem() {
        int[] classes = {0, 0x030000, 0x0c0330, 0xff00ff, 0xffffff};
        int[] masks = {0, 0xff0000, 0xffff00, 0xffffff, 0x00ff00, 0x0000ff};
        for (int v : IDS) {
            for (int c : classes) {
                PciIds ids = new PciIds(v, v ^ 1, v, v >>> 1, c, 0);
                assertEquals(String.format(PciAlias.MODALIAS_FORMAT, ids.vendor(), ids.device(), ids.subsystemVendor(),
                        ids.subsystemDevice(), ids.baseClass(), ids.subClass(), ids.progIf()), PciAlias.modalias(ids));
                for (int m : masks) {
                    PciDeviceId id = new PciDeviceId(v, v ^ 1, v, v >>> 1, c, m, 0, false);
                    StringBuilder sb = new StringBuilder(PciAlias.PREFIX)
                            .append(formatted("v", id.vendor() != PCI_ANY_ID, "%08X", id.vendor()))
                            .append(formatted("d", id.device() != PCI_ANY_ID, "%08X", id.device()))
                            .append(formatted("sv", id.subvendor() != PCI_ANY_ID, "%08X", id.subvendor()))
                            .append(formatted("sd", id.subdevice() != PCI_ANY_ID, "%08X", id.subdevice()));
                    String[] names = {"bc", "sc", "i"};
                    for (int b = 0; b < names.length; b++) {
                        int shift = (2 - b) * Byte.SIZE;
                        sb.append(formatted(names[b], (m >>> shift & 0xff) == 0xff, "%02X", c >>> shift & 0xff));
                    }
                    if (sb.charAt(sb.length() - 1) != '*') {
                        sb.append('*');
                    }
                    assertEquals(Optional.of(sb.toString()), PciAlias.pattern(id), id.toString());
                }
            }
        }
    }
}
