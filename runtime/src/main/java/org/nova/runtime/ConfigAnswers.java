package org.nova.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.config.ConfigStatus;
import org.nova.driver.Errno;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.condition.Condition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configurations' answers: what each owning component last said about the configuration it
 * was given ({@link ConfigStatus}: applied, or refused with an errno and a reason), and the
 * waits for them. This is what makes a configuration
 * change a condition to wait on rather than a pause:
 *
 * <ul>
 * <li>{@code cm:set} and {@code cm:delete} take a {@link #mark} of the PID, change the
 * configuration, and {@link #await} the owner's answer to that change;</li>
 * <li>whoever must know that every change so far is in force — the batch runner before it runs
 * {@code -c}, {@code drv:settle} before it waits for the probes the changes started, a test —
 * calls {@link #awaitSettled}: it returns when every owner that answers has answered for the
 * configuration in force (or cannot answer: its bundle stopped, it lacks a reference).</li>
 * </ul>
 *
 * <p>An answer is matched to a change by its properties: an answer is for the configuration in
 * force when the properties it answers for equal the stored ones (for a deleted configuration:
 * when the owner withdrew its answer, or, for an owner that runs without a configuration, answered
 * for none). A wait after a {@link #mark} also requires an answer given after the mark, so a
 * change back to equal properties waits for the owner's new answer.
 *
 * <p>Waking: the answers are services (told synchronously); Configuration Admin's events and
 * bundle events wake the waiters too, since they can end a wait (a configuration deleted by
 * someone else, an owner's bundle stopped). Waiters evaluate outside any lock the listeners take.
 *
 * <p>Thread safety: every method may be called from any thread; the waits are interruptible.
 */
@Component(service = {ConfigAnswers.class, ConfigurationListener.class}, immediate = true)
public final class ConfigAnswers implements ConfigurationListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigAnswers.class);
    /** The answers' filter among the Condition services: an answered PID. */
    private static final String ANSWER_FILTER = "(" + ConfigStatus.PID + "=*)";
    /** Configuration Admin's property of a configuration's factory PID (ConfigurationAdmin.SERVICE_FACTORYPID). */
    private static final String FACTORY_PID = ConfigurationAdmin.SERVICE_FACTORYPID;

    /**
     * What an owner answered last for a PID.
     *
     * @param pid        the PID answered for
     * @param factoryPid its factory PID, or null
     * @param owner      the owning component's name, without its package
     * @param applied    whether the configuration is in force
     * @param errno      a refusal's errno name, else null
     * @param reason     a refusal's reason (naming the key), else null
     * @param properties the configuration answered for (no service.pid: none, the defaults)
     */
    public record Answer(String pid, String factoryPid, String owner, boolean applied, String errno, String reason,
            Map<String, Object> properties) {
        /** @return "applied", or "refused: ERRNO reason" */
        public String summary() {
            return applied ? ConfigStatus.APPLIED : ConfigStatus.REFUSED + ": " + errno + " " + reason;
        }
    }

    /** How a wait for the answer to one change ended. */
    public enum Result {
        /** The owner applied the change (for a deletion: it let the configuration go). */
        APPLIED,
        /** The owner refused the change: {@link Outcome#errno()} and {@link Outcome#reason()} say why. */
        REFUSED,
        /** No component that answers is configured by the PID: the change is stored, nobody applies it now. */
        NO_OWNER,
        /** The owner cannot answer now ({@link Outcome#reason()}): it applies the change when it can. */
        OWNER_INACTIVE,
        /** No answer within the time given; {@link Outcome#reason()} says what the owner's state was. */
        TIMEOUT
    }

    /**
     * The end of a wait.
     *
     * @param result what happened
     * @param owner  the owner's name, or null without one
     * @param errno  the refusal's errno name (EIO for an owner whose activation failed), else null
     * @param reason why, for anything but {@link Result#APPLIED} and {@link Result#NO_OWNER}
     */
    public record Outcome(Result result, String owner, String errno, String reason) {
    }

    /**
     * A configuration whose owner has not answered for the configuration in force.
     *
     * @param pid   the PID
     * @param owner the owner's name
     * @param what  what is awaited
     */
    public record Pending(String pid, String owner, String what) {
        @Override
        public String toString() {
            return pid + " (" + owner + "): " + what;
        }
    }

    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final ConfigOwners owners;
    /** The latest answer per PID (absent: none, or withdrawn). */
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    /** How many answers (and withdrawals) each PID has had: what a {@link #mark} is. */
    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    /** Bumped by every event that can end a wait; guarded by {@link #lock}. */
    private long version;
    private final ServiceListener serviceListener = this::serviceChanged;
    private final BundleListener bundleListener = e -> changed();

    /**
     * @param context the runtime bundle's context, to follow the answers
     * @param cm      Configuration Admin, for the configurations in force
     * @param scr     SCR's runtime view, for the owners
     */
    @Activate
    public ConfigAnswers(BundleContext context, @Reference ConfigurationAdmin cm, @Reference ServiceComponentRuntime scr) {
        this.context = context;
        this.cm = cm;
        this.owners = new ConfigOwners(context, scr);
        try {
            context.addServiceListener(serviceListener);
            context.addBundleListener(bundleListener);
            Collection<ServiceReference<Condition>> existing = context.getServiceReferences(Condition.class,
                    ANSWER_FILTER);
            existing.forEach(this::record);
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("the answers' filter: " + e.getMessage(), e);
        }
    }

    /** Stops following the answers and wakes every waiter. */
    @Deactivate
    void deactivate() {
        context.removeServiceListener(serviceListener);
        context.removeBundleListener(bundleListener);
        changed();
    }

    /** @return the owner's latest answer for the PID, if it has one */
    public Optional<Answer> answer(String pid) {
        return Optional.ofNullable(answers.get(pid));
    }

    /** @return whether any component, answering or not, is configured by this PID or factory PID */
    public boolean configures(String pidOrFactoryPid) {
        return owners.claimed(pidOrFactoryPid);
    }

    /** @return the mark to {@link #await} a change of the PID from: take it before changing the configuration */
    public long mark(String pid) {
        return counts.getOrDefault(pid, 0L);
    }

    /**
     * Waits for the owner's answer to a change of the PID made after {@code mark}: an answer given
     * after the mark, for the configuration now in force.
     *
     * @param pid        the PID changed
     * @param factoryPid its factory PID, or null
     * @param mark       {@link #mark} taken before the change
     * @param timeout    how long to wait at most
     * @return the outcome; {@link Result#NO_OWNER} and {@link Result#OWNER_INACTIVE} at once
     * @throws InterruptedException if interrupted while waiting
     */
    public Outcome await(String pid, String factoryPid, long mark, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen = version();
            Optional<ConfigOwners.Owner> owner = owners.owner(pid, factoryPid);
            if (owner.isEmpty()) {
                return new Outcome(Result.NO_OWNER, null, null, null);
            }
            ConfigOwners.Owner o = owner.get();
            Answer a = answers.get(pid);
            if (mark(pid) > mark && inForce(a, stored(pid), o)) {
                return a == null || a.applied() ? new Outcome(Result.APPLIED, o.name(), null, null)
                        : new Outcome(Result.REFUSED, o.name(), a.errno(), a.reason());
            }
            Optional<String> failed = owners.failed(o, pid);
            if (failed.isPresent()) {
                return new Outcome(Result.REFUSED, o.name(), Errno.EIO.name(), failed.get());
            }
            Optional<String> unable = owners.unable(o, pid);
            if (unable.isPresent()) {
                return new Outcome(Result.OWNER_INACTIVE, o.name(), null, unable.get());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return new Outcome(Result.TIMEOUT, o.name(), null, o.name() + " gave no answer within "
                        + timeout.toSeconds() + " s" + (a == null ? "" : " (its last: " + a.summary() + ")"));
            }
            waitForChange(seen, left);
        }
    }

    /**
     * Waits until every owner that answers has answered for the configuration in force, or cannot
     * answer now.
     *
     * @param timeout how long to wait at most
     * @return what is still awaited: empty when settled
     * @throws InterruptedException if interrupted while waiting
     */
    public List<Pending> awaitSettled(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seen = version();
            List<Pending> pending = pending();
            long left = deadline - System.nanoTime();
            if (pending.isEmpty() || left <= 0) {
                return pending;
            }
            waitForChange(seen, left);
        }
    }

    /** @return the configurations whose owners have not answered for the configuration in force, now */
    public List<Pending> pending() {
        List<Pending> out = new ArrayList<>();
        Map<String, ConfigOwners.Owner> ownerOf = new HashMap<>();
        for (ConfigOwners.Owner o : owners.answering()) {
            for (String taken : o.pids()) {
                ownerOf.put(taken, o);
                Configuration[] configs = list("(|(" + Constants.SERVICE_PID + "=" + escape(taken) + ")("
                        + FACTORY_PID + "=" + escape(taken) + "))");
                boolean ownStored = false;
                for (Configuration c : configs) {
                    ownStored |= c.getPid().equals(taken);
                    if (!inForce(answers.get(c.getPid()), c.getProperties(), o) && able(o, c.getPid())) {
                        out.add(new Pending(c.getPid(), o.name(), "its answer to the configuration in force"));
                    }
                }
                if (o.optional() && !ownStored && !inForce(answers.get(taken), null, o) && able(o, taken)) {
                    out.add(new Pending(taken, o.name(), "its answer to running without a configuration"));
                }
            }
        }
        for (Answer a : answers.values()) {
            ConfigOwners.Owner o = ownerOf.get(a.factoryPid() != null ? a.factoryPid() : a.pid());
            if (o != null && !o.optional() && stored(a.pid()) == null && able(o, a.pid())) {
                out.add(new Pending(a.pid(), o.name(), "the removal of its deleted configuration"));
            }
        }
        return out;
    }

    /** Wakes the waiters: a configuration changed (or was deleted) somewhere. */
    @Override
    public void configurationEvent(ConfigurationEvent event) {
        changed();
    }

    // ---------------------------------------------------------------- matching

    private static boolean inForce(Answer answer, Dictionary<String, Object> stored, ConfigOwners.Owner owner) {
        Map<String, Object> declared = owner.description().properties;
        return inForce(answer, stored, owner.optional(), declared == null ? Map.of() : declared);
    }

    /**
     * @param answer   the owner's latest answer, or null
     * @param stored   the configuration stored, or null
     * @param optional whether the owner runs without a configuration (and answers for none)
     * @param declared the properties the owner's component description declares (its defaults)
     * @return whether the answer is the owner's word on the configuration in force
     */
    static boolean inForce(Answer answer, Dictionary<String, Object> stored, boolean optional,
            Map<String, Object> declared) {
        if (stored != null) {
            return answer != null && sameProperties(answer.properties(), stored, declared);
        }
        if (optional) {
            return answer != null && !answer.properties().containsKey(Constants.SERVICE_PID);
        }
        return answer == null;
    }

    /**
     * @return whether the answered properties are the stored ones: each stored key with an equal
     *         value (arrays by content), and any other key one the component declares, with its
     *         declared value (DS merges the description's properties under the configuration's)
     */
    static boolean sameProperties(Map<String, Object> answered, Dictionary<String, Object> stored,
            Map<String, Object> declared) {
        for (Enumeration<String> keys = stored.keys(); keys.hasMoreElements();) {
            String k = keys.nextElement();
            if (!answered.containsKey(k) || !same(answered.get(k), stored.get(k))) {
                return false;
            }
        }
        for (Map.Entry<String, Object> e : answered.entrySet()) {
            if (stored.get(e.getKey()) == null
                    && (!declared.containsKey(e.getKey()) || !same(e.getValue(), declared.get(e.getKey())))) {
                return false;
            }
        }
        return true;
    }

    private static boolean same(Object a, Object b) {
        return Arrays.deepEquals(new Object[] {a}, new Object[] {b});
    }

    // ---------------------------------------------------------------- following the answers

    private void serviceChanged(ServiceEvent e) {
        if (e.getServiceReference().getProperty(ConfigStatus.PID) != null
                && Arrays.asList((String[]) e.getServiceReference().getProperty(Constants.OBJECTCLASS))
                        .contains(Condition.class.getName())) {
            if (e.getType() == ServiceEvent.UNREGISTERING || e.getType() == ServiceEvent.MODIFIED_ENDMATCH) {
                String pid = (String) e.getServiceReference().getProperty(ConfigStatus.PID);
                answers.remove(pid);
                counts.merge(pid, 1L, Long::sum);
            } else {
                record(e.getServiceReference());
            }
        }
        changed();
    }

    private void record(ServiceReference<?> r) {
        String pid = (String) r.getProperty(ConfigStatus.PID);
        Object props = r.getProperty(ConfigStatus.PROPERTIES);
        @SuppressWarnings("unchecked")
        Map<String, Object> answered = props instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        Answer a = new Answer(pid, (String) r.getProperty(ConfigStatus.FACTORY_PID),
                ConfigOwners.shortName(Objects.toString(r.getProperty(ConfigStatus.OWNER), "?")),
                ConfigStatus.APPLIED.equals(r.getProperty(ConfigStatus.STATE)),
                (String) r.getProperty(ConfigStatus.ERRNO), (String) r.getProperty(ConfigStatus.REASON), answered);
        answers.put(pid, a);
        counts.merge(pid, 1L, Long::sum);
        if (!a.applied()) {
            LOG.debug("{} refused by {}: {} {}", pid, a.owner(), a.errno(), a.reason());
        }
    }

    private void changed() {
        synchronized (lock) {
            version++;
            lock.notifyAll();
        }
    }

    private long version() {
        synchronized (lock) {
            return version;
        }
    }

    private void waitForChange(long seen, long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        synchronized (lock) {
            while (version == seen) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    // ---------------------------------------------------------------- Configuration Admin and SCR

    private boolean able(ConfigOwners.Owner o, String pid) {
        return owners.unable(o, pid).isEmpty() && owners.failed(o, pid).isEmpty();
    }

    /** @return the stored properties of the PID's configuration, or null */
    Dictionary<String, Object> stored(String pid) {
        Configuration[] c = list("(" + Constants.SERVICE_PID + "=" + escape(pid) + ")");
        return c.length == 0 ? null : c[0].getProperties();
    }

    private Configuration[] list(String filter) {
        try {
            Configuration[] c = cm.listConfigurations(filter);
            return c == null ? new Configuration[0] : c;
        } catch (IOException | InvalidSyntaxException e) {
            throw new IllegalStateException("Configuration Admin cannot list " + filter + ": " + e.getMessage(), e);
        }
    }

    /** @return the value escaped for an LDAP filter (RFC 1960: \ * ( ) take a backslash) */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
