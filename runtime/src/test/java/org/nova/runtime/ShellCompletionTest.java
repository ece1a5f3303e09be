package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.junit.jupiter.api.Test;
import org.nova.driver.shell.Usage;

/** Which names TAB offers at which position, from the descriptors of a command's overloads. */
class ShellCompletionTest {
    /** Commands as the bundles write them. */
    public static final class Commands {
        @Descriptor("bind")
        public String bind(@Descriptor("BUS: a bus") String bus, @Descriptor("DEVICE: a device") String device,
                @Descriptor("DRIVER: a driver") String driver) {
            return "";
        }

        @Descriptor("why")
        public String why(@Descriptor("DEVICE: a device") String device) {
            return "";
        }

        @Descriptor("why")
        public String why(@Descriptor("BUS: a bus") String bus, @Descriptor("DEVICE: a device") String device) {
            return "";
        }

        @Descriptor("gem")
        public String gem(@Descriptor("FILE|NODE: a file or a node") String what) {
            return "";
        }

        @Descriptor("enable")
        public String enable(@Descriptor("PCI: functions") String... devices) {
            return "";
        }
    }

    /** Names by kind; a DEVICE after BUS=aux is one of aux's. */
    private static final ShellCompletion.Names NAMES = (kind, before) -> switch (kind) {
        case "BUS" -> List.of("pci", "aux");
        case "DEVICE" -> "aux".equals(before.get("BUS")) ? List.of("aux.0") : List.of("0000:00:05.0", "aux.0");
        case "DRIVER" -> List.of("NovaCore");
        case "FILE" -> List.of("card0/3");
        case "NODE" -> List.of("card0", "renderD128");
        case "PCI" -> List.of("0000:00:02.0", "0000:00:03.0");
        default -> List.of();
    };

    private static List<String> complete(String function, String... typed) {
        return ShellCompletion.candidates(Usage.overloads(Commands.class, function), List.of(typed), NAMES);
    }

    @Test
    void eachPositionOffersItsParametersNames() {
        assertEquals(List.of("aux", "pci"), complete("bind"));
        assertEquals(List.of("0000:00:05.0", "aux.0"), complete("bind", "pci"));
        assertEquals(List.of("NovaCore"), complete("bind", "pci", "0000:00:05.0"));
        assertEquals(List.of(), complete("bind", "pci", "0000:00:05.0", "NovaCore"), "past the last parameter");
    }

    @Test
    void aWordTypedBeforeNarrowsTheNamesAfterIt() {
        assertEquals(List.of("aux.0"), complete("bind", "aux"));
    }

    @Test
    void overloadsOfferTheUnionOfTheirParametersAtAPosition() {
        assertEquals(List.of("0000:00:05.0", "aux", "aux.0", "pci"), complete("why"));
        assertEquals(List.of("aux.0"), complete("why", "aux"));
    }

    @Test
    void alternativesAndRepeatedParameters() {
        assertEquals(List.of("card0", "card0/3", "renderD128"), complete("gem"));
        assertEquals(List.of("0000:00:02.0", "0000:00:03.0"), complete("enable", "0000:00:02.0", "x"));
    }
}
