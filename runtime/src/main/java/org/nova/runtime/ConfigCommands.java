package org.nova.runtime;

import java.io.IOException;
import java.lang.reflect.Array;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.runtime.ConfigAnswers.Outcome;
import org.nova.runtime.ConfigAnswers.Pending;
import org.nova.runtime.ConfigAnswers.Result;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.MetaTypeService;

/**
 * The {@code cm} shell scope: Configuration Admin from the shell, which is how backends and
 * simulated devices are switched at runtime ({@code cm:set org.nova.hw.sim.device~edu2 model=edu
 * slot=00:07.0}, {@code cm:delete org.nova.hw.vfio}).
 *
 * <p>A change answers, as a write to a sysfs attribute does. {@code cm:set} of one of the
 * project's PIDs first checks the words against the PID's Metatype (an unknown key, a value not
 * of the type, out of the range or not among the options is refused with EINVAL naming the key,
 * and nothing is stored); then it stores the configuration and waits (at most
 * {@link #ANSWER_TIMEOUT}) for the owning component's answer ({@link ConfigAnswers}). Applied: it
 * returns. Refused, or no answer: it puts the previous configuration back (or deletes the one it
 * created), waits for that to be in force too, and fails with the owner's errno and reason.
 * {@code cm:delete} waits the same way. A PID nobody answers for (not the project's, or its owner
 * cannot answer now) is stored, and the command says so.
 *
 * <p>Errors are {@link DriverException}s whose message starts with the errno name, then the
 * command and PID, then why.
 */
@Component(service = ConfigCommands.class, property = {
        "osgi.command.scope=cm",
        "osgi.command.function=list",
        "osgi.command.function=get",
        "osgi.command.function=set",
        "osgi.command.function=delete",
        "osgi.command.function=settle" })
public final class ConfigCommands {
    /** Separates a factory PID from a configuration's name (Configuration Admin 1.6 named factory configurations). */
    static final String FACTORY_SEPARATOR = "~";
    /** How long cm:set and cm:delete wait for the owner's answer (a GPU's probe may run inside it). */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    /** How long cm:settle waits unless told. */
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    /** Configuration location "?": any bundle may receive the configuration. */
    private static final String ANY_LOCATION = "?";
    /** What a PID may not contain: an LDAP filter's specials, and blanks. */
    private static final String NOT_IN_A_PID = ".*[()*\\\\\\s].*";
    /** The width of cm:list's PID column. */
    private static final int PID_COLUMN = 48;

    private final ConfigurationAdmin cm;
    private final ConfigAnswers answers;
    private final ConfigDefinitions definitions;

    /**
     * @param context  the runtime bundle's context, for the bundles' Metatype
     * @param cm       Configuration Admin
     * @param metatype the Metatype service
     * @param answers  the owners' answers
     */
    @Activate
    public ConfigCommands(BundleContext context, @Reference ConfigurationAdmin cm, @Reference MetaTypeService metatype,
            @Reference ConfigAnswers answers) {
        this.cm = cm;
        this.answers = answers;
        this.definitions = new ConfigDefinitions(context, metatype);
    }

    /** cm:list — every configuration's PID, with its owner's answer. */
    @Descriptor("list every configuration with its owner's answer (applied, or refused and why)")
    public String list() throws IOException {
        return list(null);
    }

    /** cm:list FILTER — the PIDs of the configurations an LDAP filter selects, with their owners' answers. */
    @Descriptor("list the configurations an LDAP filter selects, with their owners' answers")
    public String list(
            @Descriptor("an LDAP filter over the properties, quoted: \"(service.factoryPid=org.nova.hw.sim.device)\"")
            String filter) throws IOException {
        Configuration[] all;
        try {
            all = cm.listConfigurations(filter);
        } catch (InvalidSyntaxException e) {
            throw new DriverException(Errno.EINVAL, "cm:list " + filter + ": not an LDAP filter: " + e.getMessage());
        }
        List<String> pids = new ArrayList<>();
        if (all != null) {
            for (Configuration c : all) {
                pids.add(c.getPid());
            }
        }
        if (pids.isEmpty()) {
            return "no configurations\n";
        }
        Collections.sort(pids);
        StringBuilder sb = new StringBuilder(pad("PID")).append("ANSWER\n");
        for (String pid : pids) {
            sb.append(pad(pid)).append(answers.answer(pid).map(a -> a.summary() + " (" + a.owner() + ")").orElse("-"))
                    .append('\n');
        }
        return sb.toString();
    }

    /** cm:get PID — a configuration's properties and its owner's answer. */
    @Descriptor("show a configuration's properties and its owner's answer")
    public String get(@Descriptor("the configuration's PID, e.g. org.nova.hw.sim.device~default-edu") String pid)
            throws IOException {
        Configuration c = find(pid).orElseThrow(() -> new DriverException(Errno.ENOENT, "cm:get " + pid
                + ": no such configuration"));
        StringBuilder sb = new StringBuilder(c.getPid()).append('\n');
        Dictionary<String, Object> props = c.getProperties();
        List<String> keys = new ArrayList<>();
        for (Enumeration<String> e = props.keys(); e.hasMoreElements();) {
            keys.add(e.nextElement());
        }
        Collections.sort(keys);
        for (String k : keys) {
            sb.append("  ").append(k).append(" = ").append(text(props.get(k))).append('\n');
        }
        answers.answer(c.getPid()).ifPresent(a -> sb.append("answer: ").append(a.summary()).append(" (")
                .append(a.owner()).append(")\n"));
        return sb.toString();
    }

    /**
     * cm:set PID|FACTORYPID~NAME KEY=VALUE... — creates or replaces a configuration ("~" makes a
     * named factory configuration) and returns once its owner has applied it. Values take their
     * Metatype type (lists: comma-separated); without a Metatype "true"/"false" become Boolean,
     * decimal integers Integer, the rest String.
     *
     * @throws DriverException EINVAL (a word Metatype refuses; nothing stored), ENOENT (a PID of the
     *                         project that nothing describes), the owner's errno (it refused; the
     *                         previous configuration is back), ETIMEDOUT (no answer; likewise)
     */
    @Descriptor("create or replace a configuration, checked against its Metatype; returns once its owner applied it, "
            + "fails with the owner's reason (the previous configuration back) when it refused")
    public String set(@Descriptor("PID, or FACTORYPID~NAME for a named factory configuration") String target,
            @Descriptor("KEY=VALUE, lists comma-separated: the whole configuration") String... assignments)
            throws IOException, InterruptedException {
        String what = "cm:set " + target;
        Target t = target(what, target);
        Hashtable<String, Object> props = properties(what, t, List.of(assignments));
        Optional<Configuration> existing = find(t.pid());
        Dictionary<String, Object> previous = existing.map(Configuration::getProperties).orElse(null);
        long mark = answers.mark(t.pid());
        Configuration c;
        if (existing.isPresent()) {
            c = existing.get();
        } else if (t.name() != null) {
            c = cm.getFactoryConfiguration(t.factoryPid(), t.name(), ANY_LOCATION);
        } else {
            c = cm.getConfiguration(t.pid(), ANY_LOCATION);
        }
        c.update(props);
        Outcome o = answers.await(t.pid(), t.factoryPid(), mark, ANSWER_TIMEOUT);
        return switch (o.result()) {
            case APPLIED -> t.pid() + ": applied by " + o.owner() + ": " + text(props) + "\n";
            case NO_OWNER -> t.pid() + ": stored " + text(props) + "; no component answers for it\n";
            case OWNER_INACTIVE -> t.pid() + ": stored " + text(props) + "; " + o.reason()
                    + ": it applies the configuration when it can\n";
            case REFUSED, TIMEOUT -> throw refused(what, o, restore(c, t, previous));
        };
    }

    /**
     * cm:delete PID — deletes a configuration and returns once its owner has let it go.
     *
     * @throws DriverException ENOENT (no such configuration), the owner's errno (it refused to run
     *                         without it; the configuration is back), ETIMEDOUT (no answer; likewise)
     */
    @Descriptor("delete a configuration; returns once its owner let it go")
    public String delete(@Descriptor("the configuration's PID") String pid) throws IOException, InterruptedException {
        String what = "cm:delete " + pid;
        checkPid(what, pid);
        Configuration c = find(pid).orElseThrow(() -> new DriverException(Errno.ENOENT, what
                + ": no such configuration"));
        Target t = new Target(c.getPid(), c.getFactoryPid(), name(c.getPid(), c.getFactoryPid()));
        Dictionary<String, Object> previous = c.getProperties();
        long mark = answers.mark(t.pid());
        c.delete();
        Outcome o = answers.await(t.pid(), t.factoryPid(), mark, ANSWER_TIMEOUT);
        return switch (o.result()) {
            case APPLIED, NO_OWNER -> t.pid() + " deleted\n";
            case OWNER_INACTIVE -> t.pid() + " deleted; " + o.reason() + "\n";
            case REFUSED, TIMEOUT -> throw refused(what, o, restore(null, t, previous));
        };
    }

    /** cm:settle — waits until every owner has answered for the configuration in force (at most 60 s). */
    @Descriptor("wait until every owner has answered for the configuration in force (at most 60 s)")
    public String settle() throws InterruptedException {
        return settle((int) SETTLE_TIMEOUT.toSeconds());
    }

    /** cm:settle SECONDS — waits until every owner has answered for the configuration in force. */
    @Descriptor("wait until every owner has answered for the configuration in force")
    public String settle(@Descriptor("how long to wait at most, in seconds") int seconds) throws InterruptedException {
        List<Pending> pending = answers.awaitSettled(Duration.ofSeconds(seconds));
        if (!pending.isEmpty()) {
            throw new DriverException(Errno.ETIMEDOUT, "cm:settle: after " + seconds + " s still awaiting "
                    + pending.stream().map(Pending::toString).collect(Collectors.joining("; ")));
        }
        return "";
    }

    // ---------------------------------------------------------------- the target and its words

    /**
     * A configuration named by the command.
     *
     * @param pid        its PID
     * @param factoryPid its factory PID, or null
     * @param name       its name among the factory's configurations ("~NAME"), or null
     */
    record Target(String pid, String factoryPid, String name) {
    }

    private Target target(String what, String target) throws IOException {
        checkPid(what, target);
        Optional<Configuration> existing = find(target);
        if (existing.isPresent() && existing.get().getFactoryPid() != null) {
            String factory = existing.get().getFactoryPid();
            return new Target(target, factory, name(target, factory));
        }
        int tilde = target.indexOf(FACTORY_SEPARATOR);
        if (tilde < 0) {
            return new Target(target, null, null);
        }
        String factory = target.substring(0, tilde);
        String name = target.substring(tilde + FACTORY_SEPARATOR.length());
        if (factory.isEmpty() || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, what + ": not FACTORYPID" + FACTORY_SEPARATOR + "NAME");
        }
        return new Target(target, factory, name);
    }

    private static String name(String pid, String factoryPid) {
        String prefix = factoryPid + FACTORY_SEPARATOR;
        return factoryPid != null && pid.startsWith(prefix) ? pid.substring(prefix.length()) : null;
    }

    private static void checkPid(String what, String pid) {
        if (pid.isEmpty() || pid.matches(NOT_IN_A_PID)) {
            throw new DriverException(Errno.EINVAL, what + ": '" + pid + "' is not a PID");
        }
    }

    /** @return the typed properties of the words, checked against the PID's Metatype when it has one */
    private Hashtable<String, Object> properties(String what, Target t, List<String> words) {
        String id = t.factoryPid() != null ? t.factoryPid() : t.pid();
        Optional<ConfigDefinitions.Definition> def = definitions.find(id);
        if (def.isEmpty()) {
            if (id.startsWith(ConfigDefinitions.NAMESPACE) && !answers.configures(id)) {
                throw new DriverException(Errno.ENOENT, what + ": no component is configured by " + id
                        + " and no Metatype describes it (the project's: " + String.join(", ", definitions.known())
                        + ")");
            }
            return ConfigDefinitions.parseUntyped(what, words);
        }
        if (def.get().factory() && t.factoryPid() == null) {
            throw new DriverException(Errno.EINVAL, what + ": " + id + " is a factory PID: name the configuration, "
                    + "cm:set " + id + FACTORY_SEPARATOR + "NAME KEY=VALUE...");
        }
        if (!def.get().factory() && t.factoryPid() != null) {
            throw new DriverException(Errno.EINVAL, what + ": " + id + " is not a factory PID: cm:set " + id
                    + " KEY=VALUE...");
        }
        return ConfigDefinitions.parse(what, def.get().ocd(), words);
    }

    // ---------------------------------------------------------------- refusals

    /**
     * Puts the previous configuration back (or deletes the one the command created) and waits for
     * its owner's answer.
     *
     * @param created the configuration the command stored, or null when it deleted it
     * @return what the command left in force, for the message
     */
    private String restore(Configuration created, Target t, Dictionary<String, Object> previous)
            throws IOException, InterruptedException {
        long mark = answers.mark(t.pid());
        String left;
        if (previous == null) {
            created.delete();
            left = "the configuration was removed";
        } else {
            Configuration c = created != null ? created
                    : t.name() != null ? cm.getFactoryConfiguration(t.factoryPid(), t.name(), ANY_LOCATION)
                    : t.factoryPid() != null ? cm.createFactoryConfiguration(t.factoryPid(), ANY_LOCATION)
                    : cm.getConfiguration(t.pid(), ANY_LOCATION);
            c.update(previous);
            left = "the previous configuration is back in force";
        }
        Outcome back = answers.await(t.pid(), t.factoryPid(), mark, ANSWER_TIMEOUT);
        if (back.result() == Result.REFUSED || back.result() == Result.TIMEOUT) {
            left += ", though " + back.owner() + " does not answer it as applied either ("
                    + (back.errno() == null ? "" : back.errno() + " ") + back.reason() + ")";
        }
        return left;
    }

    private static DriverException refused(String what, Outcome o, String left) {
        if (o.result() == Result.TIMEOUT) {
            return new DriverException(Errno.ETIMEDOUT, what + ": " + o.reason() + "; " + left);
        }
        Errno errno = errno(o.errno());
        String named = errno.name().equals(o.errno()) ? "" : o.errno() + ": ";
        return new DriverException(errno, what + ": refused by " + o.owner() + ": " + named + o.reason() + "; " + left);
    }

    /** @return the driver model's errno of that name; EIO (the name kept in the text) for one it has not */
    private static Errno errno(String name) {
        for (Errno e : Errno.values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return Errno.EIO;
    }

    // ---------------------------------------------------------------- Configuration Admin

    private Optional<Configuration> find(String pid) throws IOException {
        try {
            Configuration[] found = cm.listConfigurations("(" + Constants.SERVICE_PID + "="
                    + ConfigAnswers.escape(pid) + ")");
            return found == null || found.length == 0 ? Optional.empty() : Optional.of(found[0]);
        } catch (InvalidSyntaxException e) {
            throw new DriverException(Errno.EINVAL, "'" + pid + "' is not a PID", e);
        }
    }

    /** @return the properties as KEY=VALUE words, sorted, lists comma-separated */
    private static String text(Dictionary<String, Object> props) {
        List<String> words = new ArrayList<>();
        for (Enumeration<String> e = props.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            words.add(k + ConfigDefinitions.ASSIGN + text(props.get(k)));
        }
        Collections.sort(words);
        return String.join(" ", words);
    }

    /** @return a value as cm:set takes it: lists and arrays comma-separated */
    static String text(Object value) {
        if (value != null && value.getClass().isArray()) {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                parts.add(String.valueOf(Array.get(value, i)));
            }
            return String.join(String.valueOf(ConfigDefinitions.LIST_SEPARATOR), parts);
        }
        if (value instanceof List<?> l) {
            return l.stream().map(String::valueOf)
                    .collect(Collectors.joining(String.valueOf(ConfigDefinitions.LIST_SEPARATOR)));
        }
        return String.valueOf(value);
    }

    private static String pad(String s) {
        return s.length() >= PID_COLUMN ? s + "  " : s + " ".repeat(PID_COLUMN - s.length());
    }
}
