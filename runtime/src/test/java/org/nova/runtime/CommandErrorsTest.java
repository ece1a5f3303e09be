package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.gogo.runtime.Reflective;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.junit.jupiter.api.Test;

/** A command whose service vanished under Gogo's dispatch is told as such, not as a raw NPE. */
class CommandErrorsTest {

    @Test
    void gogoCallingAVanishedServiceIsToldAsUnavailable() throws Exception {
        ThreadIOImpl tio = new ThreadIOImpl();
        tio.start();
        CommandProcessorImpl processor = new CommandProcessorImpl(tio);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            // what CommandProxy does when getService returns null for an unregistering service
            NullPointerException npe = assertThrows(NullPointerException.class,
                    () -> Reflective.invoke(s, null, "devices", java.util.List.of()));
            assertTrue(CommandErrors.isVanishedService(npe));
            assertEquals("drv:devices: command unavailable: the service providing it went away while it was being"
                    + " called (its bundle is stopping); try again once it is back",
                    CommandErrors.describe("drv:devices ", npe));
        } finally {
            processor.stop();
            tio.stop();
        }
    }

    @Test
    void anyOtherFailureShowsItsMessage() {
        assertEquals("ENODEV: no device", CommandErrors.describe("drv:why x", new IllegalArgumentException("ENODEV: no device")));
        assertEquals("java.lang.NullPointerException", CommandErrors.describe("x", new NullPointerException()));
    }

    @Test
    void aCommandUsingItsStoppedBundlesContextIsToldAsUnavailable() {
        // what Felix throws from a stopped bundle's context (BundleContextImpl.checkValidity)
        IllegalStateException e = new IllegalStateException("Invalid BundleContext.");
        e.setStackTrace(new StackTraceElement[] {
                new StackTraceElement("org.apache.felix.framework.BundleContextImpl", "checkValidity", "BundleContextImpl.java", 491),
                new StackTraceElement("org.example.shell.SomeCommands", "types", "SomeCommands.java", 165) });
        assertTrue(CommandErrors.describe("vgpu:types 0000:00:06.0", e)
                .startsWith("vgpu:types 0000:00:06.0: command unavailable"));
        // an IllegalStateException of the command's own is its message
        assertEquals("not now", CommandErrors.describe("x", new IllegalStateException("not now")));
    }
}
