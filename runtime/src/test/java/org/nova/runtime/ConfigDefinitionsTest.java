package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.ObjectClassDefinition;

/** cm:set's words against a Metatype definition: typed when it allows them, refused naming the key when not. */
class ConfigDefinitionsTest {
    /**
     * An attribute as Metatype describes it; {@link #validate} checks the range as Felix's does
     * (the standard API has no getter for min and max).
     */
    record Ad(String id, int type, int cardinality, String[] options, Long min, Long max) implements AttributeDefinition {
        @Override
        public String getName() {
            return id;
        }

        @Override
        public String getID() {
            return id;
        }

        @Override
        public String getDescription() {
            return "the " + id + (min == null ? "" : ", " + min + ".." + max);
        }

        @Override
        public int getCardinality() {
            return cardinality;
        }

        @Override
        public int getType() {
            return type;
        }

        @Override
        public String[] getOptionValues() {
            return options;
        }

        @Override
        public String[] getOptionLabels() {
            return options;
        }

        @Override
        public String validate(String value) {
            if (min == null) {
                return "";
            }
            for (String v : value.split(",")) {
                long n = Long.parseLong(v.trim());
                if (n < min) {
                    return "%less than minimum";
                }
                if (n > max) {
                    return "%greater than maximum";
                }
            }
            return "";
        }

        @Override
        public String[] getDefaultValue() {
            return null;
        }
    }

    /** The simulator's bridge and device definitions, in short. */
    static final ObjectClassDefinition OCD = new ObjectClassDefinition() {
        private final AttributeDefinition[] ads = {
            new Ad("name", AttributeDefinition.STRING, 0, null, null, null),
            new Ad("domain", AttributeDefinition.INTEGER, 0, null, 0L, 65535L),
            new Ad("model", AttributeDefinition.STRING, 0, new String[] {"edu", "pci-testdev", "nvidia-gpu"}, null, null),
            new Ad("enabled", AttributeDefinition.BOOLEAN, 0, null, null, null),
            new Ad("path", AttributeDefinition.STRING, Integer.MAX_VALUE, null, null, null),
            new Ad("sizes", AttributeDefinition.LONG, -2, null, null, null),
        };

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public String getID() {
            return "org.nova.test";
        }

        @Override
        public String getDescription() {
            return "test";
        }

        @Override
        public AttributeDefinition[] getAttributeDefinitions(int filter) {
            return ads;
        }

        @Override
        public InputStream getIcon(int size) {
            return null;
        }
    };

    private static Hashtable<String, Object> parse(String... words) {
        return ConfigDefinitions.parse("cm:set org.nova.test", OCD, List.of(words));
    }

    private static String refused(String... words) {
        DriverException e = assertThrows(DriverException.class, () -> parse(words));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("EINVAL: cm:set org.nova.test: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; nothing was stored"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void valuesTakeTheirAttributesTypes() {
        Hashtable<String, Object> p = parse("name=sim1", "domain=0x10", "model=edu", "enabled=TRUE", "path=/a,/b\\,c",
                "sizes=1,2");
        assertEquals("sim1", p.get("name"));
        assertEquals(16, p.get("domain"));
        assertEquals("edu", p.get("model"));
        assertEquals(Boolean.TRUE, p.get("enabled"));
        assertArrayEquals(new String[] {"/a", "/b,c"}, (String[]) p.get("path"), Arrays.toString((Object[]) p.get("path")));
        assertEquals(List.of(1L, 2L), p.get("sizes"));
        assertArrayEquals(new String[0], (String[]) parse("path=").get("path"), "an empty list");
    }

    @Test
    void anUnknownKeyIsRefusedNamingTheKeysThereAre() {
        String m = refused("modle=edu");
        assertTrue(m.contains("unknown key 'modle'"), m);
        assertTrue(m.contains("name, domain, model, enabled, path, sizes"), m);
    }

    @Test
    void aValueNotOfTheTypeIsRefused() {
        assertTrue(refused("domain=abc").contains("domain = 'abc' is not an integer"));
        assertTrue(refused("enabled=maybe").contains("enabled = 'maybe' is not a boolean"));
        assertTrue(refused("sizes=1,x").contains("sizes = 'x' is not a long integer"));
    }

    @Test
    void aValueOutOfTheRangeIsRefusedWithTheAttributesDescription() {
        String m = refused("domain=70000");
        assertTrue(m.contains("domain = '70000': greater than maximum (domain: the domain, 0..65535)"), m);
        assertTrue(refused("domain=-1").contains("less than minimum"));
    }

    @Test
    void aValueNotAmongTheOptionsIsRefusedListingThem() {
        assertTrue(refused("model=nosuch").contains("model = 'nosuch' is not one of edu, pci-testdev, nvidia-gpu"));
    }

    @Test
    void tooManyValuesOrAKeyTwiceOrNoAssignmentAreRefused() {
        assertTrue(refused("sizes=1,2,3").contains("sizes takes at most 2 values, not 3"));
        assertTrue(refused("name=a", "name=b").contains("name is given twice"));
        assertTrue(refused("name").contains("'name' is not KEY=VALUE"));
        assertTrue(refused("=x").contains("'=x' is not KEY=VALUE"));
    }

    @Test
    void withoutADefinitionBooleansAndIntsAreGuessed() {
        Hashtable<String, Object> p = ConfigDefinitions.parseUntyped("cm:set x", List.of("a=true", "b=12", "c=0x1",
                "d=1234567890", "e=x=y"));
        assertEquals(Boolean.TRUE, p.get("a"));
        assertEquals(12, p.get("b"));
        assertEquals("0x1", p.get("c"));
        assertEquals("1234567890", p.get("d"), "too long for the guess: a String");
        assertEquals("x=y", p.get("e"), "the first '=' splits");
    }

    @Test
    void listsSplitAtUnescapedCommas() {
        assertEquals(List.of("a", "b,c", "d\\e"), ConfigDefinitions.split("a, b\\,c ,d\\\\e"));
        assertEquals(List.of(), ConfigDefinitions.split(""));
    }
}
