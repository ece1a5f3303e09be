package org.nova.it.shell;

import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.nova.it.NovaProcess;

/**
 * A gosh.home of its own for a test that runs runtime/target/nova.jar as a person does: the
 * repository's runtime/etc/gosh_profile, an empty history (target/nova.history), a framework
 * cache, and a console that shows warnings and errors only, so that log lines do not cut through
 * a line being typed.
 */
final class ShellHome {
    /** The console shows warnings and errors only. */
    private static final String QUIET_LOGBACK = """
            <configuration>
              <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
              </appender>
              <root level="WARN"><appender-ref ref="CONSOLE"/></root>
            </configuration>
            """;

    /** integration-tests/target/NAME: the logs of the terminals and the home. */
    final Path work;
    /** gosh.home. */
    final Path home;
    /** The console's history file under gosh.home. */
    final Path history;

    ShellHome(String name) throws IOException {
        work = NovaProcess.repo().resolve("integration-tests/target").resolve(name);
        home = work.resolve("home");
        history = home.resolve("target/nova.history");
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(history.getParent());
        Files.copy(NovaProcess.repo().resolve("runtime/etc/gosh_profile"), home.resolve("etc/gosh_profile"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(work.resolve("logback.xml"), QUIET_LOGBACK);
        Files.deleteIfExists(history);
    }

    /** @return the command line that runs the runtime with this home */
    List<String> runtime() {
        Path jar = NovaProcess.repo().resolve("runtime/target/nova.jar");
        assertTrue(jar + " is missing: build the runtime first (mvn install -pl runtime -am)", Files.isRegularFile(jar));
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Dlogback.configurationFile=" + work.resolve("logback.xml"),
                "-Dorg.osgi.framework.storage=" + work.resolve("felix-cache"),
                "-Dorg.osgi.framework.storage.clean=onFirstInit",
                "-Dgosh.home=" + home, NovaProcess.deployFolders(work), "-jar", jar.toString());
    }
}
