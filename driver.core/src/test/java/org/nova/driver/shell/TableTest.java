package org.nova.driver.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Columns as wide as their widest cell, whatever the rows hold. */
class TableTest {
    @Test
    void columnsAlignOnTheWidestCell() {
        Table t = new Table("ID", "NAME", "FB").row("0x3b1", "NVIDIA L40-1Q", "1024 MiB").row("0x3c1", "NVIDIA L40-48Q",
                "49152 MiB");
        assertEquals("""
                ID     NAME            FB
                0x3b1  NVIDIA L40-1Q   1024 MiB
                0x3c1  NVIDIA L40-48Q  49152 MiB
                """, t.toString());
        assertEquals(2, t.size());
    }

    @Test
    void noLineEndsInBlanks() {
        assertEquals("A  B\nx\n", new Table("A", "B").row("x", "").toString());
    }
}
