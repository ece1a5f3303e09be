/**
 * The job queue for firmware-scheduled GPUs (the seeds' Jobqueue, the role drm_sched plays for
 * nouveau in drivers/gpu/drm/nouveau/nouveau_sched.c): {@link org.nova.drm.jobqueue.JobQueue}
 * resolves a job's input fences, keeps the ring's credits (no overtaking on one queue), hands the
 * job to the {@link org.nova.drm.jobqueue.JobRing} the driver implements over its hardware ring,
 * signals the job's done fence when the hardware reports its sequence number, and times jobs out.
 * No scheduling in software: the GPU's firmware schedules the rings. Fences are
 * {@link org.nova.dma.fence}'s. Plain Java: no OSGi types.
 */
@Export
@Version("1.1.0")
package org.nova.drm.jobqueue;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
