package org.nova.runtime;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT and SIGTERM as exit requests, the way the kernel turns Ctrl-Alt-Del into a signal to init
 * (kernel/reboot.c ctrl_alt_del) instead of pulling the plug: the JVM's own handlers would exit at
 * once (status 130 or 143) with the framework still running. sun.misc.Signal (jdk.unsupported) is
 * the JDK's only way to handle a signal; the run configuration boot-delegates sun.*. Kept apart
 * from {@link LauncherMain} so that nothing loads it outside the launcher.
 *
 * <p>A signal the JVM's starter ignores (a background job of a non-interactive shell ignores
 * SIGINT) stays ignored. Closing puts the JVM's handlers back: a second signal during the stop
 * then ends the process at once.
 */
final class ExitSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExitSignals.class);
    /** The signals that stop the runtime in order: Ctrl-C's and kill's default. */
    static final List<String> SIGNALS = List.of("INT", "TERM");

    /** The handlers replaced, to put back; guarded by this. */
    private final Map<Signal, SignalHandler> replaced = new LinkedHashMap<>();

    /** From now on each of {@link #SIGNALS} requests {@code exit 0} from {@code reboot}. */
    ExitSignals(Reboot reboot) {
        for (String name : SIGNALS) {
            try {
                Signal s = new Signal(name);
                replaced.put(s, Signal.handle(s, sig -> reboot.requestExit(0, "SIG" + sig.getName())));
            } catch (IllegalArgumentException e) {
                // ignored by the process that started the JVM, or reserved (-Xrs): left as it is
                LOG.debug("SIG{} cannot be handled: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() {
        replaced.forEach(Signal::handle);
        replaced.clear();
    }
}
