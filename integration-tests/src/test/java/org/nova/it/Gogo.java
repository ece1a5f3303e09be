package org.nova.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;

/** Runs Gogo command lines as a user would type them, for the tests of the shell commands. */
public final class Gogo {
    private Gogo() {
    }

    /**
     * Runs one command line in a fresh session.
     *
     * @return what the command returned, as text; what it printed when it returned nothing
     * @throws Exception what the command threw (a DriverException for bad input)
     */
    public static String run(CommandProcessor processor, String commandLine) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Object result = s.execute(commandLine);
            return result == null ? out.toString(StandardCharsets.UTF_8) : result.toString();
        }
    }
}
