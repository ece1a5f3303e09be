package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A shell inside a job (gosh typed at a prompt) runs its lines as jobs filed under the enclosing
 * job; Gogo 1.1.6 never takes them off it. With the listener they are reaped after each line.
 */
class FinishedJobsTest {
    private static final int LINES = 200;

    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private CommandProcessorImpl processor;
    private final FinishedJobs reaper = new FinishedJobs();
    private final AtomicInteger keptUnderOuter = new AtomicInteger(-1);

    /** The "nested shell": runs LINES lines in a second session on the thread of the outer job. */
    public final class Nested {
        public void nest() throws Exception {
            try (CommandSession inner = session()) {
                for (int i = 0; i < LINES; i++) {
                    inner.execute("echo line " + i);
                }
            }
            keptUnderOuter.set(reaper.finished(Job.Utils.current()));
        }
    }

    @BeforeEach
    void start() {
        threadIo.start();
        processor = new CommandProcessorImpl(threadIo);
        processor.addCommand("test", new Nested(), "nest");
        processor.addCommand("test", new Echo(), "echo");
    }

    @AfterEach
    void stop() {
        processor.stop();
        threadIo.stop();
    }

    @Test
    void withoutTheReaperEveryNestedLineStaysUnderTheOuterJob() throws Exception {
        try (CommandSession outer = session()) {
            outer.execute("nest");
        }
        assertEquals(LINES, keptUnderOuter.get(), "Gogo 1.1.6 keeps them: the leak this class exists for");
    }

    @Test
    void theReaperTakesThemOffAfterEachLine() throws Exception {
        processor.addListener(reaper);
        try (CommandSession outer = session()) {
            outer.execute("nest");
        }
        assertTrue(keptUnderOuter.get() <= 1, "kept " + keptUnderOuter.get());
    }

    private CommandSession session() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
    }

    /** A command that returns its words. */
    public static final class Echo {
        public String echo(String... words) {
            return String.join(" ", words);
        }
    }
}
