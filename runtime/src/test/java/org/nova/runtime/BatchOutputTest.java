package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code ./nova -c}'s commands print: {@link BatchRunner#OUT}, appended to; standard output without it. */
class BatchOutputTest {
    @Test
    void theCommandsOutputIsAppendedToTheNamedFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out");
        Files.writeString(file, "before\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream out = BatchRunner.output(file.toString(), new PrintStream(err, true, StandardCharsets.UTF_8))) {
            out.println("hello");
        }
        assertEquals("before\nhello\n", Files.readString(file));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFileThatCannotBeOpenedIsSaidAndStandardOutputUsed(@TempDir Path dir) {
        Path missing = dir.resolve("no/such/dir/out");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream out = BatchRunner.output(missing.toString(), new PrintStream(err, true, StandardCharsets.UTF_8));
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.startsWith("nova: cannot write the commands' output to nova.command.out=" + missing), said);
        assertTrue(said.contains("writing it to standard output"), said);
        out.flush(); // standard output itself: not closed
    }
}
