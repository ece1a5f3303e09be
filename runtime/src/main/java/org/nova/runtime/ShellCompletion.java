package org.nova.runtime;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.jline.builtins.Completers.CompletionData;
import org.jline.reader.ParsedLine;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code shell} scope: completion of every command's arguments from its {@code @Descriptor}s.
 * A parameter's descriptor starts with its metavariable ({@code "BUS: ..."}, see {@link Usage});
 * {@link ShellNames} knows what each metavariable names (buses, devices, drivers, bundles, vGPU
 * types, configuration PIDs, ...), so a command needs nothing but its descriptors to complete.
 *
 * <p>runtime/etc/gosh_profile runs {@code shell:completions} once per interactive session: it
 * replaces the session's completion table (Gogo JLine's {@code .completions}) with a
 * {@link CommandCompletions} that derives an entry for any command that has none written with
 * {@code complete}, at the moment TAB asks, so commands registered after the shell started
 * complete too. {@code shell:complete WORD...} prints what TAB would offer after those words.
 */
@Component(service = ShellCompletion.class, property = {
        "osgi.command.scope=shell",
        "osgi.command.function=completions",
        "osgi.command.function=candidates",
        "osgi.command.function=complete",
        "osgi.command.function=names" })
public final class ShellCompletion {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "shell";
    /** Gogo JLine's session variable holding the completion table (org.apache.felix.gogo.jline.Shell). */
    static final String VAR_COMPLETIONS = ".completions";
    /** Gogo JLine's session variable holding the line being completed (org.apache.felix.gogo.jline.Shell). */
    static final String VAR_COMMAND_LINE = ".commandLine";
    /** The script a derived completion entry runs for an argument (this component's candidates). */
    static final String CANDIDATES_SCRIPT = SCOPE + ":candidates";

    private final BundleContext context;
    private final ShellNames names;

    @Activate
    public ShellCompletion(BundleContext context, @Reference ShellNames names) {
        this.context = context;
        this.names = names;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /**
     * shell:completions — installs the derived completion table in this session.
     *
     * @throws DriverException EOPNOTSUPP when the session is not Gogo JLine's interactive shell
     */
    @Descriptor("complete every command's arguments from its descriptors in this interactive session (gosh_profile)")
    public String completions(CommandSession session) {
        if (!(session.get(VAR_COMPLETIONS) instanceof Map<?, ?> existing)) {
            throw new DriverException(Errno.EOPNOTSUPP, "no completion table: not Gogo's interactive JLine shell");
        }
        @SuppressWarnings("unchecked")
        Map<String, List<CompletionData>> explicit = (Map<String, List<CompletionData>>) existing;
        session.put(VAR_COMPLETIONS, new CommandCompletions(this, explicit));
        return null;
    }

    /** shell:candidates — what TAB offers for the word under the cursor (the derived entries' script). */
    @Descriptor("the candidates for the word being completed, read from the line JLine is completing")
    public List<String> candidates(CommandSession session) {
        if (!(session.get(VAR_COMMAND_LINE) instanceof ParsedLine line)) {
            return List.of();
        }
        return candidates(line.words().subList(0, line.wordIndex()));
    }

    /** shell:complete WORD... — what TAB would offer after the words given (the first is the command). */
    @Descriptor("print what TAB offers after a command line's words, one candidate a line")
    public String complete(@Descriptor("WORD: the command, then the arguments before the one to complete")
            String... words) {
        return String.join("\n", candidates(Arrays.asList(words)));
    }

    /** shell:names KIND — the names a metavariable stands for now, for a {@code complete -a} script. */
    @Descriptor("list the names a metavariable stands for now, sorted")
    public List<String> names(@Descriptor("KIND: BUS, DEVICE, DRIVER, PCI, GPU, VF, TYPE, NODE, FILE, BUNDLE or PID")
            String kind) {
        return names.of(kind, new ShellNames.Context()).stream().sorted().distinct().toList();
    }

    /**
     * @param before the command and the arguments before the one being completed
     * @return the names the parameters at that position can take, sorted, without duplicates
     */
    List<String> candidates(List<String> before) {
        return before.isEmpty() ? List.of() : candidates(methods(before.get(0)), before.subList(1, before.size()), names::of);
    }

    /** What a metavariable names, given the words typed before ({@link ShellNames#of}). */
    interface Names {
        List<String> of(String kind, ShellNames.Context before);
    }

    /**
     * @param overloads the command's methods
     * @param typed the arguments typed before the one being completed
     * @param names what each metavariable names
     * @return the names the parameters at that position can take in any overload, sorted, once each
     */
    static List<String> candidates(List<Method> overloads, List<String> typed, Names names) {
        TreeSet<String> out = new TreeSet<>();
        for (Method m : overloads) {
            List<Usage.Parameter> params = Usage.parameters(m);
            Usage.Parameter p = parameterAt(params, typed.size());
            if (p != null) {
                for (String kind : p.metavariables()) {
                    out.addAll(names.of(kind, context(params, typed)));
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** @return the parameter at a 0-based argument position, the varargs one past the end, or null */
    private static Usage.Parameter parameterAt(List<Usage.Parameter> params, int position) {
        if (position < params.size()) {
            return params.get(position);
        }
        return !params.isEmpty() && params.get(params.size() - 1).repeated() ? params.get(params.size() - 1) : null;
    }

    /** @return the words already typed, by the metavariables of the parameters they fill ("BUS" → "pci") */
    private static ShellNames.Context context(List<Usage.Parameter> params, List<String> earlier) {
        ShellNames.Context c = new ShellNames.Context();
        for (int i = 0; i < earlier.size(); i++) {
            Usage.Parameter p = parameterAt(params, i);
            if (p != null) {
                for (String kind : p.metavariables()) {
                    c.put(kind, earlier.get(i));
                }
            }
        }
        return c;
    }

    /**
     * @param command "scope:function", or a bare function
     * @return the command's overloads; Gogo's catch-all for a command no method is named after
     *     (nova:rpc-stats); empty for no such command
     */
    List<Method> methods(String command) {
        int colon = command.indexOf(':');
        String scope = colon < 0 ? "*" : command.substring(0, colon);
        String function = command.substring(colon + 1);
        List<Method> out = new ArrayList<>();
        for (ServiceReference<?> ref : commandServices(scope, function)) {
            Object service = context.getService(ref);
            if (service == null) {
                continue;
            }
            try {
                List<Method> found = Usage.overloads(service.getClass(), function);
                if (found.isEmpty()) {
                    found = mains(service.getClass());
                }
                out.addAll(found);
            } finally {
                context.ungetService(ref);
            }
        }
        return out;
    }

    private static List<Method> mains(Class<?> type) {
        return Arrays.stream(type.getMethods()).filter(m -> m.getName().equals(Usage.GOGO_MAIN)
                && m.getAnnotation(Descriptor.class) != null).toList();
    }

    /**
     * @param command "scope:function"
     * @return the completion entries derived from the command's descriptors: its description beside
     *     its name, and {@value #CANDIDATES_SCRIPT} for its arguments if it takes any; null for no
     *     such command
     */
    List<CompletionData> derived(String command) {
        List<Method> ms = methods(command);
        if (ms.isEmpty()) {
            return null;
        }
        String description = Usage.description(ms.get(0));
        CompletionData named = new CompletionData(null, description.isEmpty() ? null : description, null, null);
        return ms.stream().anyMatch(m -> !Usage.parameters(m).isEmpty())
                ? List.of(named, new CompletionData(null, null, CANDIDATES_SCRIPT, null))
                : List.of(named);
    }

    private ServiceReference<?>[] commandServices(String scope, String function) {
        if (!function.matches("[\\w.-]+") || !(scope.equals("*") || scope.matches("[\\w.-]+"))) {
            return new ServiceReference<?>[0];
        }
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(&(osgi.command.scope=" + scope
                    + ")(osgi.command.function=" + function + "))");
            if (refs == null) {
                return new ServiceReference<?>[0];
            }
            Arrays.sort(refs, (a, b) -> Long.compare((Long) a.getProperty(Constants.SERVICE_ID),
                    (Long) b.getProperty(Constants.SERVICE_ID)));
            return refs;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
