package org.nova.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** fnmatch(pattern, string, 0) as kmod calls it, and the table/manifest comparison. */
class ModaliasTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', value = {
        // the PCI aliases file2alias.c writes
        "pci:v00001234d000011E8sv*sd*bc*sc*i*|pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00|true",
        "pci:v00001234d000011E8sv*sd*bc*sc*i*|pci:v00001234d000011E9sv00001AF4sd00001100bc00scFFi00|false",
        "pci:v*d*sv*sd*bc03sc02i*|pci:v000010DEd00002236sv000010DEsd00001482bc03sc02i00|true",
        "pci:v*d*sv*sd*bc03sc02i*|pci:v000010DEd00002236sv000010DEsd00001482bc03sc00i00|false",
        // the pattern must cover the whole alias: no prefix match, no suffix match
        "pci:v00001234|pci:v00001234d000011E8|false",
        "v00001234*|pci:v00001234d000011E8|false",
        // '*' crosses every character, also '/' and '.' (no FNM_PATHNAME, no FNM_PERIOD)
        "a*z|a/b.c/z|true",
        "*|''|true",
        "''|''|true",
        "?|''|false",
        "a?c|abc|true",
        "a?c|ac|false",
        // bracket expressions
        "[abc]x|bx|true",
        "[!abc]x|bx|false",
        "[^abc]x|dx|true",
        "[0-9A-F]|E|true",
        "[0-9A-F]|G|false",
        "[]]|]|true",
        "[!]]|]|false",
        // an unclosed '[' is an ordinary character
        "[ab|[ab|true",
        // a backslash quotes the next character
        "a\\*b|a*b|true",
        "a\\*b|axb|false",
        // backtracking over several stars
        "*a*b*c|xxaxxbxxc|true",
        "*a*b*c|xxaxxbxxcx|false",
    })
    void fnmatch(String pattern, String alias, boolean expected) {
        assertEquals(expected, Modalias.matches(pattern, alias));
    }

    @Test
    void driftNamesTheDriverAndBothSides() {
        assertTrue(Modalias.drift("pci", "edu", List.of("a*", "b*"), List.of("b*", "a*")).isEmpty());
        String m = Modalias.drift("pci", "edu", List.of("a*", "b*"), List.of("a*", "c*")).orElseThrow();
        assertTrue(m.contains("pci driver edu"), m);
        assertTrue(m.contains("not declared: b*"), m);
        assertTrue(m.contains("declared but not in the table: c*"), m);
    }

    @Test
    void declaredAliasesAreReadFromTheHeader() {
        String header = "osgi.service;objectClass:List<String>=\"org.nova.bus.pci.PciDriver\";uses:=\"org.nova.bus.pci\","
                + "nova.driver.alias;alias=\"pci:v00001234d000011E8sv*sd*bc*sc*i*\";bus=pci;driver=edu_sample,"
                + "nova.driver.alias;bus:String=pci;driver=\"a,b;c\";alias=\"x\\\"y*\","
                + "nova.driver.alias;bus=pci;driver=no-alias,"
                + "osgi.extender;osgi.extender=osgi.component;version:Version=\"1.5.0\"";
        assertEquals(List.of(new Modalias.Declared("pci", "edu_sample", "pci:v00001234d000011E8sv*sd*bc*sc*i*"),
                new Modalias.Declared("pci", "a,b;c", "x\"y*")), Modalias.declared(header));
        assertEquals(List.of(), Modalias.declared(null));
        assertEquals(List.of(), Modalias.declared(""));
    }

    @Test
    void anUnclosedQuoteIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Modalias.declared("nova.driver.alias;alias=\"pci:*"));
    }
}
