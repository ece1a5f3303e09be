package org.nova.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.InaccessibleObjectException;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Job;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaps the finished jobs Gogo keeps, as the kernel's release_task (kernel/exit.c) frees a child
 * once its parent has waited for it instead of keeping a zombie for the parent's whole life.
 *
 * <p>Gogo runtime 1.1.6 (CommandSessionImpl.createJob) files a new job under the job running on
 * the calling thread, if there is one, instead of in the session's own job list; and it removes a
 * finished job only from that list (JobImpl.setStatus), never from its parent's children. So a
 * shell that itself runs inside a job — {@code gosh} or {@code sh} typed at a prompt, a shell
 * started by a command — adds one finished job (its pipes, their streams and the parsed program,
 * about 35 KB) to the outer job for every line typed, for as long as the outer shell runs: about
 * 38 KB a line measured here, the console's out-of-memory error after enough lines. The list is
 * private to Gogo and the bundle is outside this project, so this listener — Gogo calls every
 * {@link CommandSessionListener} service after each command line on the thread that ran it — takes
 * the finished children off the enclosing job after each line. The shells this runtime starts
 * itself (the console, {@link BatchRunner}) run outside any job
 * and never nest.
 *
 * <p>If a later Gogo renames the field, nothing is reaped and one warning says so; the commands
 * are unaffected. Also the {@code shell:retained} command: what a session retains and the heap after a
 * collection, the figures the long-session tests compare.
 */
@Component(service = { CommandSessionListener.class, FinishedJobs.class }, property = {
        "osgi.command.scope=shell", "osgi.command.function=retained" })
public final class FinishedJobs implements CommandSessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(FinishedJobs.class);
    /** Gogo 1.1.6 CommandSessionImpl.JobImpl's list of the jobs started under it (guarded by itself). */
    static final String CHILDREN_FIELD = "children";

    /** The children field of Gogo's job class, once found; null until then or if it has none. */
    private volatile Field children;
    private volatile boolean warned;

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        // nothing to do before a line
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        reapCurrent();
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        reapCurrent();
    }

    private void reapCurrent() {
        Job outer = Job.Utils.current();
        if (outer != null) {
            reap(outer);
        }
    }

    /**
     * Takes the finished jobs off {@code job}'s children; a running or background child stays.
     *
     * @return how many were taken off
     */
    int reap(Job job) {
        List<Job> list = children(job);
        if (list == null) {
            return 0;
        }
        synchronized (list) {
            int before = list.size();
            list.removeIf(j -> j.status() == Job.Status.Done);
            return before - list.size();
        }
    }

    /** @return the finished jobs filed under {@code job} now (0 once reaped) */
    int finished(Job job) {
        List<Job> list = children(job);
        if (list == null) {
            return 0;
        }
        synchronized (list) {
            return (int) new ArrayList<>(list).stream().filter(j -> j.status() == Job.Status.Done).count();
        }
    }

    @SuppressWarnings("unchecked")
    private List<Job> children(Job job) {
        try {
            Field f = children;
            if (f == null || f.getDeclaringClass() != job.getClass()) {
                f = job.getClass().getDeclaredField(CHILDREN_FIELD);
                f.setAccessible(true);
                children = f;
            }
            return (List<Job>) f.get(job);
        } catch (NoSuchFieldException | IllegalAccessException | InaccessibleObjectException | ClassCastException e) {
            if (!warned) {
                warned = true;
                LOG.warn("cannot reap the finished jobs of {} ({}): a shell inside a job keeps every line's job",
                        job.getClass().getName(), e.toString());
            }
            return null;
        }
    }

    /**
     * Gogo's catch-all: shell:retained with arguments gets the usage line.
     *
     * @throws DriverException always, EINVAL with the usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), "shell", argv));
    }

    /**
     * shell:retained — what this session keeps of the lines run so far, and the heap after a full
     * collection.
     *
     * @return "jobs: N listed, F finished kept under the enclosing job; heap after GC: B bytes"
     */
    @Descriptor("the jobs this session keeps (listed, and finished ones kept under an enclosing shell's job) and the heap used after a full collection, in bytes")
    public String retained(CommandSession session) {
        Job outer = Job.Utils.current();
        int kept = outer == null ? 0 : finished(outer);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        long used = memory.getHeapMemoryUsage().getUsed();
        return "jobs: " + session.jobs().size() + " listed, " + kept + " finished kept under the enclosing job;"
                + " heap after GC: " + used + " bytes";
    }
}
