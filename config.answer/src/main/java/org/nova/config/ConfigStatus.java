package org.nova.config;

import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.condition.Condition;

/**
 * A component's answer to the configuration it was given: applied, or refused with a
 * kernel errno name and a reason. Whoever changed the configuration waits for it ({@code cm:set}
 * and {@code cm:delete} return the answer, the runtime's settle condition waits until every owner
 * has answered for the configuration in force). The kernel's nearest relative is a sysfs
 * attribute's store(): the writer learns at once whether the value was taken, and the errno when
 * it was not.
 *
 * <p>The answer is an OSGi service of the standard type {@link Condition} ({@value #CONDITION_ID}
 * is its {@code osgi.condition.id}), registered at the first answer, updated by every later one
 * and unregistered by {@link #close()}, with the service properties {@value #PID},
 * {@value #FACTORY_PID}, {@value #OWNER}, {@value #STATE}, {@value #ERRNO}, {@value #REASON} and
 * {@value #PROPERTIES}. A waiter compares {@value #PROPERTIES} with the configuration stored in
 * Configuration Admin to know which change an answer is for.
 *
 * <p>The owner — the DS component whose configuration PID names the configuration — declares
 * {@link #DECLARATION} among its component properties, so that waiters know an answer will come;
 * creates one ConfigStatus per configuration; answers each activation and each modification with
 * {@link #applied} or {@link #refused} (and again whenever the outcome changes later, e.g. a device
 * that waited for its bridge is plugged in); and closes it when it deactivates. Without a
 * configuration (an optional one) it answers for its own PID with the properties it got, which
 * then lack {@code service.pid}: "running on the defaults".
 *
 * <p>Thread safety: every method may be called from any thread; answers never block on the
 * waiters (service listeners are told synchronously and only record).
 */
public final class ConfigStatus implements AutoCloseable {
    /** Component property of an owner that answers (a Boolean, true). */
    public static final String ANSWERS = "nova.config.answers";
    /** {@link #ANSWERS} as a DS component property declaration: {@code @Component(property = DECLARATION)}. */
    public static final String DECLARATION = ANSWERS + ":Boolean=true";
    /** The osgi.condition.id of every answer service. */
    public static final String CONDITION_ID = "nova.config.answer";
    /** Service property: the PID answered for (a factory configuration's own PID). */
    public static final String PID = "nova.config.pid";
    /** Service property: the factory PID, for a factory configuration. */
    public static final String FACTORY_PID = "nova.config.factoryPid";
    /** Service property: the owning component's name (its component.name). */
    public static final String OWNER = "nova.config.owner";
    /** Service property: {@value #APPLIED} or {@value #REFUSED}. */
    public static final String STATE = "nova.config.state";
    /** {@link #STATE}: the configuration is in force. */
    public static final String APPLIED = "applied";
    /** {@link #STATE}: the configuration is not in force; {@link #ERRNO} and {@link #REASON} say why. */
    public static final String REFUSED = "refused";
    /** Service property: a refusal's kernel errno name, e.g. "EINVAL". */
    public static final String ERRNO = "nova.config.errno";
    /** Service property: a refusal's reason, naming the key and the value (without the errno). */
    public static final String REASON = "nova.config.reason";
    /**
     * Service property: the configuration answered for, an unmodifiable Map of its properties
     * without those DS adds (starting with {@value #COMPONENT_PREFIX} or {@value #DS_PREFIX}) and
     * {@value #ANSWERS}.
     */
    public static final String PROPERTIES = "nova.config.properties";
    /** Prefix of the properties SCR adds to a component's configuration (component.name, component.id). */
    public static final String COMPONENT_PREFIX = "component.";
    /** Prefix of DS's own properties (osgi.ds.satisfying.condition.target, DS 1.5). */
    public static final String DS_PREFIX = "osgi.ds.";
    /** Configuration Admin's property of a factory configuration's factory PID (ConfigurationAdmin.SERVICE_FACTORYPID). */
    private static final String SERVICE_FACTORYPID = "service.factoryPid";
    /** DS's property naming the component (ComponentConstants.COMPONENT_NAME). */
    private static final String COMPONENT_NAME = COMPONENT_PREFIX + "name";
    /** The separator of an errno name from its text in an exception message ("EINVAL: ..."). */
    private static final String ERRNO_SEPARATOR = ": ";

    private final BundleContext context;
    private final String pid;
    private ServiceRegistration<Condition> registration;
    private String state;
    private String errno;
    private String reason;
    private boolean closed;

    /**
     * @param context the owner's bundle context, which registers the answer
     * @param pid     the PID answered for: see {@link #pidOf}
     */
    public ConfigStatus(BundleContext context, String pid) {
        this.context = Objects.requireNonNull(context, "context");
        this.pid = Objects.requireNonNull(pid, "pid");
    }

    /**
     * @param configuration the component's properties
     * @param componentPid  the component's configuration PID, for when it runs without a configuration
     * @return the configuration's PID, or {@code componentPid} when there is no configuration
     */
    public static String pidOf(Map<String, ?> configuration, String componentPid) {
        Object p = configuration.get(Constants.SERVICE_PID);
        return p != null ? p.toString() : componentPid;
    }

    /** @return the PID this status answers for */
    public String pid() {
        return pid;
    }

    /** Answers: the configuration is in force. */
    public void applied(Map<String, ?> configuration) {
        answer(configuration, APPLIED, null, null);
    }

    /**
     * Answers: the configuration is not in force.
     *
     * @param errno   the kernel errno name, e.g. "EINVAL"
     * @param message why, naming the key and the value; a leading "errno: " is dropped
     */
    public void refused(Map<String, ?> configuration, String errno, String message) {
        Objects.requireNonNull(errno, "errno");
        String why = message == null ? "" : message;
        if (why.startsWith(errno + ERRNO_SEPARATOR)) {
            why = why.substring(errno.length() + ERRNO_SEPARATOR.length());
        }
        answer(configuration, REFUSED, errno, why);
    }

    /** @return {@value #APPLIED}, {@value #REFUSED}, or null before the first answer */
    public synchronized String state() {
        return state;
    }

    /** @return the last refusal as "ERRNO: reason", or null when the last answer was not a refusal */
    public synchronized String refusal() {
        return REFUSED.equals(state) ? errno + ERRNO_SEPARATOR + reason : null;
    }

    /** Withdraws the answer: the configuration is gone (or the owner stops). Later answers are ignored. */
    @Override
    public void close() {
        ServiceRegistration<Condition> r;
        synchronized (this) {
            closed = true;
            r = registration;
            registration = null;
        }
        if (r != null) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // the owner's bundle is stopping: the framework unregistered it
            }
        }
    }

    private synchronized void answer(Map<String, ?> configuration, String newState, String newErrno, String newReason) {
        if (closed) {
            return;
        }
        state = newState;
        errno = newErrno;
        reason = newReason;
        Dictionary<String, Object> props = FrameworkUtil.asDictionary(properties(configuration));
        try {
            if (registration == null) {
                registration = context.registerService(Condition.class, Condition.INSTANCE, props);
            } else {
                registration.setProperties(props);
            }
        } catch (IllegalStateException e) {
            // the owner's bundle is stopping: nobody is left to read the answer
            closed = true;
        }
    }

    private Map<String, Object> properties(Map<String, ?> configuration) {
        Map<String, Object> answered = new LinkedHashMap<>();
        configuration.forEach((k, v) -> {
            if (!k.startsWith(COMPONENT_PREFIX) && !k.startsWith(DS_PREFIX) && !k.equals(ANSWERS)) {
                answered.put(k, v);
            }
        });
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(Condition.CONDITION_ID, CONDITION_ID);
        p.put(PID, pid);
        Object factory = configuration.get(SERVICE_FACTORYPID);
        if (factory != null) {
            p.put(FACTORY_PID, factory.toString());
        }
        Object owner = configuration.get(COMPONENT_NAME);
        if (owner != null) {
            p.put(OWNER, owner.toString());
        }
        p.put(STATE, state);
        if (errno != null) {
            p.put(ERRNO, errno);
            p.put(REASON, reason);
        }
        p.put(PROPERTIES, Collections.unmodifiableMap(answered));
        return p;
    }
}
