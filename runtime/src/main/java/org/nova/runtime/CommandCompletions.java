package org.nova.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jline.builtins.Completers.CompletionData;

/**
 * A session's completion table (Gogo JLine's {@code .completions}: command → entries, as the
 * {@code complete} command writes them) that answers for every command: an entry written with
 * {@code complete} wins; any other command gets one derived from its descriptors when TAB asks —
 * its description beside its name, and {@value ShellCompletion#CANDIDATES_SCRIPT} for its
 * arguments. Nothing is derived ahead, so commands that register after the shell started (every
 * bundle starts with it) complete as well. Thread-safe: the {@code complete} command writes it on
 * the shell's thread while JLine reads it.
 */
final class CommandCompletions extends ConcurrentHashMap<String, List<CompletionData>> {
    private static final long serialVersionUID = 1L;

    private final transient ShellCompletion completion;

    /**
     * @param completion where derived entries come from
     * @param explicit the entries written so far, kept
     */
    CommandCompletions(ShellCompletion completion, Map<String, List<CompletionData>> explicit) {
        super(explicit);
        this.completion = completion;
    }

    @Override
    public List<CompletionData> get(Object key) {
        List<CompletionData> written = super.get(key);
        if (written != null || !(key instanceof String command)) {
            return written;
        }
        return completion.derived(command);
    }
}
