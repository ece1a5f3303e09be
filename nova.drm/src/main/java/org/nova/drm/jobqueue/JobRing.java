package org.nova.drm.jobqueue;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The hardware ring a {@link JobQueue} drives (SPI, implemented by a driver: nova-drm over a
 * nova.core GPU channel). The ring reports back through its queue: {@link JobQueue#completed}
 * when the hardware finished every job up to a sequence number, {@link JobQueue#failed} when the
 * ring stopped for good. Those reports may come on any thread but must not come while the ring
 * holds a lock of its own that {@link #run} takes.
 *
 * <p>Ownership: the queue calls {@link #run}, {@link #abort} and {@link #close}; the driver that
 * made the ring owns it, and the queue's {@link JobQueue#close} closes it.
 *
 * @param <P> what a job carries to the hardware (nova-drm: its pushbuffer segments)
 */
@ConsumerType
public interface JobRing<P> {
    /** @return the credits the empty ring holds (the GPFIFO entries a submission may take in all) */
    int capacity();

    /**
     * Puts a job on the ring. Called by the queue under its lock, in submission order, only while
     * the credits of the jobs on the ring plus this job's fit {@link #capacity}.
     *
     * @param payload the job's work
     * @param seqno the job's sequence number, greater than every earlier one; the ring reports it
     *     to {@link JobQueue#completed} once the hardware is done with it
     * @throws org.nova.driver.DriverException EIO when the ring failed (the queue fails); EAGAIN when
     *     the hardware has less room than the credits say (the queue retries at the next
     *     completion; with no job of the queue on the ring to complete, the job fails with EIO);
     *     anything else fails this job alone with EIO. Nothing is queued on error.
     */
    void run(P payload, long seqno);

    /** @return the last sequence number the hardware completed, 0 before any */
    long completedSeqno();

    /**
     * The queue gave up on the ring (a job timed out): stop it for good. The ring may report
     * {@link JobQueue#failed} from inside this call or later; the queue ignores reports after it failed.
     */
    void abort(String reason);

    /** The queue is closing: free the ring. Jobs on it not completed never will be. Idempotent. */
    void close();
}
