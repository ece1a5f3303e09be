package org.nova.driver.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.junit.jupiter.api.Test;

/** The usage line as it is read from a command class's descriptors. */
class UsageTest {
    /** A command class as the bundles write them. */
    public static final class Commands {
        @Descriptor("bind")
        public String bind(@Descriptor("BUS: the bus") String bus, @Descriptor("DEVICE: the device") String device,
                @Descriptor("DRIVER: the driver") String driver) {
            return "";
        }

        @Descriptor("override")
        public String override(@Descriptor("BUS: the bus") String bus, @Descriptor("DEVICE: the device") String device) {
            return "";
        }

        @Descriptor("override")
        public String override(@Descriptor("BUS: the bus") String bus, @Descriptor("DEVICE: the device") String device,
                @Descriptor("DRIVER: the driver") String driver) {
            return "";
        }

        @Descriptor("devices")
        public String devices() {
            return "";
        }

        @Descriptor("devices")
        public String devices(CommandSession session, @Descriptor("BUS: the bus") String bus) {
            return "";
        }

        @Descriptor("why")
        public String why(@Descriptor("DEVICE: the device") String device) {
            return "";
        }

        @Descriptor("why")
        public String why(@Descriptor("BUS: the bus") String bus, @Descriptor("DEVICE: the device") String device) {
            return "";
        }

        @Descriptor("lspci")
        public String lspci() {
            return "";
        }

        @Descriptor("lspci")
        public String lspci(@Descriptor("OPTION: an option") String... args) {
            return "";
        }

        public String gem(@Descriptor("FILE|NODE: a file or a node") String what, String undescribed) {
            return "";
        }

        @Descriptor("dmesg")
        public String dmesg(@Descriptor("dates") @Parameter(names = { "-T", "--ctime" }, presentValue = "true",
                absentValue = "false") boolean ctime,
                @Descriptor("LEVELS: only these") @Parameter(names = { "-l", "--level" }, absentValue = "") String levels,
                @Descriptor("a value") @Parameter(names = { "-n" }, absentValue = "") String unnamed,
                @Descriptor("TEXT: matching") String... match) {
            return "";
        }

        public String _main(String... argv) {
            return "";
        }
    }

    @Test
    void optionsShowInBracketsWithTheirValuesMetavariable() {
        assertEquals("log:dmesg [-T] [-l LEVELS] [-n VALUE] [TEXT...]", Usage.synopsis(Commands.class, "log", "dmesg"));
        List<Usage.Parameter> p = Usage.parameters(Usage.overloads(Commands.class, "dmesg").get(0));
        assertEquals(List.of("-T"), p.get(0).metavariables());
        assertEquals("dates", p.get(0).description());
        assertEquals("only these", p.get(1).description());
        assertEquals(List.of(true, true, true, false), p.stream().map(Usage.Parameter::option).toList());
    }

    @Test
    void oneOverloadListsItsMetavariables() {
        assertEquals("drv:bind BUS DEVICE DRIVER", Usage.synopsis(Commands.class, "drv", "bind"));
    }

    @Test
    void overloadsThatAddTrailingParametersFoldIntoBrackets() {
        assertEquals("drv:override BUS DEVICE [DRIVER]", Usage.synopsis(Commands.class, "drv", "override"));
        assertEquals("drv:devices [BUS]", Usage.synopsis(Commands.class, "drv", "devices"),
                "a CommandSession parameter is Gogo's, not the user's");
        assertEquals("pci:lspci [OPTION...]", Usage.synopsis(Commands.class, "pci", "lspci"),
                "a varargs parameter is already optional");
    }

    @Test
    void otherOverloadsAreAlternatives() {
        assertEquals("drv:why DEVICE | drv:why BUS DEVICE", Usage.synopsis(Commands.class, "drv", "why"));
    }

    @Test
    void alternativesAndUnnamedParameters() {
        assertEquals("drm:gem FILE|NODE ARG", Usage.synopsis(Commands.class, "drm", "gem"));
        List<Usage.Parameter> p = Usage.parameters(Usage.overloads(Commands.class, "gem").get(0));
        assertEquals(List.of("FILE", "NODE"), p.get(0).metavariables());
        assertEquals("a file or a node", p.get(0).description());
        assertEquals(List.of(Usage.UNNAMED), p.get(1).metavariables());
    }

    @Test
    void theMessageNamesTheCommandAndHelp() {
        assertEquals("usage: drv:bind BUS DEVICE DRIVER (help drv:bind explains each)",
                Usage.message(Commands.class, "drv", "bind", "pci"));
        assertEquals("usage: drv:bind BUS DEVICE DRIVER (help drv:bind explains each)",
                Usage.message(Commands.class, "drv", "BIND"), "Gogo passes the name as typed; commands are case-insensitive");
        assertEquals("no command drv:nosuch", Usage.message(Commands.class, "drv", "nosuch"));
    }

    @Test
    void gogosCatchAllIsNoCommand() {
        assertEquals(List.of(), Usage.overloads(Commands.class, "_main"));
    }
}
