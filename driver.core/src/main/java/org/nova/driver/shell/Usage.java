package org.nova.driver.shell;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;

/**
 * The synopsis of a Gogo shell command, read from the {@link Descriptor}s that {@code help} prints.
 *
 * <p>The house convention: the descriptor of every parameter starts with its metavariable and a
 * colon — {@code @Descriptor("BUS: the bus, as drv:buses lists it") String bus} — one upper-case
 * word, or alternatives joined by '|' ({@code "FILE|DEVICE: ..."}). The usage line a command
 * prints when Gogo finds no overload for the arguments ({@code usage: drv:bind BUS DEVICE DRIVER})
 * and the runtime's completion (bus names for BUS, device names for DEVICE, ...) read the same
 * words, so they cannot disagree with {@code help}.
 *
 * <p>A command class gets its usage line by adding Gogo's catch-all, which Gogo tries last,
 * after every overload of the name (the command's name comes first):
 * <pre>
 * public String _main(String... argv) {
 *     throw new DriverException(Errno.EINVAL, Usage.message(getClass(), "drv", argv));
 * }
 * </pre>
 * Stateless; every method reflects on the class it is given.
 */
public final class Usage {
    /** Gogo's catch-all method (org.apache.felix.gogo.runtime.Reflective.MAIN), never a command. */
    public static final String GOGO_MAIN = "_main";
    /** The metavariable at the start of a parameter's descriptor, with the colon after it. */
    private static final Pattern METAVARIABLE = Pattern.compile("([A-Z][A-Z0-9_]*(?:\\|[A-Z][A-Z0-9_]*)*): ");
    /** The metavariable of a parameter whose descriptor does not follow the convention. */
    static final String UNNAMED = "ARG";
    /** What follows a repeated (varargs) parameter's metavariable. */
    private static final String REPEATED = "...";
    /** The metavariable of an option's value when its descriptor names none. */
    static final String OPTION_VALUE = "VALUE";

    private Usage() {
    }

    /**
     * One parameter of a command as the shell shows it.
     *
     * @param metavariables the words a user reads in the usage line ("BUS"; "FILE", "DEVICE" for
     *     "FILE|DEVICE"); {@value #UNNAMED} when the descriptor names none
     * @param repeated a varargs parameter: zero or more words
     * @param description the descriptor after the metavariable, or "" when there is none
     * @param option an option (Gogo's {@code @Parameter}, "-T" or "-l LEVELS"), which the usage
     *     line shows in brackets: options may be left out and come in any order
     */
    public record Parameter(List<String> metavariables, boolean repeated, String description, boolean option) {
        public Parameter {
            metavariables = List.copyOf(metavariables);
        }

        /** @return "BUS", "FILE|DEVICE", "ARGS..." */
        public String synopsis() {
            return String.join("|", metavariables) + (repeated ? REPEATED : "");
        }
    }

    /**
     * @param type a command class (the service object's class)
     * @param function the function name as Gogo matches it (case-insensitive)
     * @return its public overloads, fewest parameters first; empty if none
     */
    public static List<Method> overloads(Class<?> type, String function) {
        List<Method> out = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getName().equalsIgnoreCase(function) && !m.getName().equals(GOGO_MAIN)
                    && !Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() != Object.class) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingInt((Method m) -> parameters(m).size())
                .thenComparing(m -> Arrays.toString(m.getParameterTypes())));
        return out;
    }

    /**
     * @param m a command method
     * @return its parameters as the shell sees them: a leading {@link CommandSession}, which Gogo
     *     supplies, is left out
     */
    public static List<Parameter> parameters(Method m) {
        Class<?>[] types = m.getParameterTypes();
        Annotation[][] annotations = m.getParameterAnnotations();
        List<Parameter> out = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            if (i == 0 && types[i] == CommandSession.class) {
                continue;
            }
            Descriptor d = null;
            org.apache.felix.service.command.Parameter option = null;
            for (Annotation a : annotations[i]) {
                if (a instanceof Descriptor descriptor) {
                    d = descriptor;
                } else if (a instanceof org.apache.felix.service.command.Parameter o) {
                    option = o;
                }
            }
            boolean repeated = i == types.length - 1 && m.isVarArgs();
            Parameter p = parameter(d == null ? "" : d.value(), repeated);
            out.add(option == null ? p : option(option, p));
        }
        return out;
    }

    /**
     * An option (Gogo's {@code @Parameter}, written out in full here and above: this class's own
     * record is named Parameter): a flag shows as its first name ("-T"); an option with
     * a value as its name and the descriptor's metavariable ("-l LEVELS"), or "VALUE" when the
     * descriptor names none. Its description is the descriptor without the metavariable.
     */
    private static Parameter option(org.apache.felix.service.command.Parameter o, Parameter described) {
        String name = o.names()[0];
        boolean flag = !org.apache.felix.service.command.Parameter.UNSPECIFIED.equals(o.presentValue());
        String value = described.metavariables().equals(List.of(UNNAMED)) ? OPTION_VALUE
                : String.join("|", described.metavariables());
        return new Parameter(List.of(flag ? name : name + " " + value), false, described.description(), true);
    }

    /** @return the parameter a descriptor text describes (see the class comment for the convention) */
    static Parameter parameter(String descriptor, boolean repeated) {
        Matcher mv = METAVARIABLE.matcher(descriptor);
        if (mv.lookingAt()) {
            return new Parameter(List.of(mv.group(1).split("\\|")), repeated, descriptor.substring(mv.end()).strip(),
                    false);
        }
        return new Parameter(List.of(UNNAMED), repeated, descriptor.strip(), false);
    }

    /**
     * @return the method's {@link Descriptor}, or "" when it has none
     */
    public static String description(Method m) {
        Descriptor d = m.getAnnotation(Descriptor.class);
        return d == null ? "" : d.value();
    }

    /**
     * The synopsis of a command over all its overloads: "drv:bind BUS DEVICE DRIVER"; overloads
     * that only add trailing parameters fold into brackets ("drv:override BUS DEVICE [DRIVER]",
     * "drv:devices [BUS]"), others are joined by " | ".
     *
     * @param type the command class
     * @param scope the command's osgi.command.scope
     * @param function the function name
     * @return the synopsis, or the bare "scope:function" if the class has no such method
     */
    public static String synopsis(Class<?> type, String scope, String function) {
        String name = scope + ":" + function.toLowerCase(Locale.ROOT);
        List<List<Parameter>> forms = overloads(type, function).stream().map(Usage::parameters).distinct().toList();
        if (forms.isEmpty()) {
            return name;
        }
        List<Parameter> longest = forms.get(forms.size() - 1);
        TreeSet<Integer> optionalFrom = new TreeSet<>();
        for (List<Parameter> f : forms.subList(0, forms.size() - 1)) {
            if (!longest.subList(0, f.size()).equals(f)) {
                return String.join(" | ", forms.stream().map(f2 -> form(name, f2, new TreeSet<>())).toList());
            }
            optionalFrom.add(f.size());
        }
        return form(name, longest, optionalFrom);
    }

    private static String form(String name, List<Parameter> params, TreeSet<Integer> optionalFrom) {
        StringBuilder sb = new StringBuilder(name);
        int open = 0;
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            sb.append(' ');
            if (p.option()) {
                sb.append('[').append(p.synopsis()).append(']');
                continue;
            }
            if (optionalFrom.contains(i) && !p.repeated()) {
                sb.append('[');
                open++;
            }
            sb.append(p.repeated() ? "[" + p.synopsis() + "]" : p.synopsis());
        }
        sb.append("]".repeat(open));
        return sb.toString();
    }

    /**
     * The one-line message of a command called with arguments none of its overloads takes.
     *
     * @param type the command class
     * @param scope the command's osgi.command.scope
     * @param argv what Gogo passes to {@code _main}: the function name, then the arguments
     * @return "usage: drv:bind BUS DEVICE DRIVER (help drv:bind explains each)"
     */
    public static String message(Class<?> type, String scope, String... argv) {
        String function = argv.length == 0 ? "" : argv[0];
        String name = scope + ":" + function.toLowerCase(Locale.ROOT);
        if (overloads(type, function).isEmpty()) {
            return "no command " + name;
        }
        return "usage: " + synopsis(type, scope, function) + " (help " + name + " explains each)";
    }
}
