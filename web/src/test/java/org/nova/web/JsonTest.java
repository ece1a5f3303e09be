package org.nova.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void objectsKeepTheirOrderAndNest() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of(true, false));
        m.put("n", null);
        m.put("l", Long.MAX_VALUE);
        m.put("o", Map.of("k", "v"));
        assertEquals("{\"z\":1,\"a\":[true,false],\"n\":null,\"l\":9223372036854775807,\"o\":{\"k\":\"v\"}}", Json.write(m));
        assertEquals("[]", Json.write(List.of()));
        assertEquals("[null,\"x\"]", Json.write(Arrays.asList(null, "x")));
    }

    @Test
    void stringsAreEscapedAsRfc8259AsksAndSafeInsideHtml() {
        assertEquals("\"q\\\" b\\\\ n\\n r\\r t\\t c\\u0001 \\u001f e\\u003c/script>\"",
                Json.write("q\" b\\ n\n r\r t\t c\u0001 \u001f e</script>"));
        assertEquals("\"0000:00:03.0 é ✓\"", Json.write("0000:00:03.0 é ✓"));
    }

    @Test
    void otherTypesAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(1.5)));
        assertEquals("no JSON form for java.lang.Double", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, "x")));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
    }
}
