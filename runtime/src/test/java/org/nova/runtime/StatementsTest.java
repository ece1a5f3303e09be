package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class StatementsTest {
    @Test
    void splitsAtTopLevelSemicolonsAndNewlines() {
        assertEquals(List.of("lspci -nn", "nova:info"), Statements.split("lspci -nn; nova:info"));
        assertEquals(List.of("a", "b"), Statements.split("a\nb;"));
        assertEquals(List.of(), Statements.split(" ; ;\n"));
    }

    @Test
    void keepsQuotedAndBracketedSemicolons() {
        assertEquals(List.of("pci:new_id drv \"1234 11e8; x\"", "b"), Statements.split("pci:new_id drv \"1234 11e8; x\"; b"));
        assertEquals(List.of("echo 'a;b'"), Statements.split("echo 'a;b'"));
        assertEquals(List.of("each [1 2] { echo $it; echo x }", "c"), Statements.split("each [1 2] { echo $it; echo x }; c"));
        assertEquals(List.of("echo a\\;b"), Statements.split("echo a\\;b"));
        assertEquals(List.of("echo \"a\\\"; b\""), Statements.split("echo \"a\\\"; b\""));
    }
}
