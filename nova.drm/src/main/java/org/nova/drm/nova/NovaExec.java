package org.nova.drm.nova;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.nova.dma.fence.DmaFence;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.NovaDrm;
import org.nova.drm.jobqueue.JobQueue;
import org.nova.driver.DriverException;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.channel.PushSegment;
import org.nova.gpu.vm.VmRange;

/**
 * Job submission ioctls: CHANNEL_ALLOC and CHANNEL_FREE (nouveau_abi16.c,
 * nouveau_abi16_ioctl_channel_alloc/_free) and EXEC (nouveau_exec.c, nouveau_exec_ioctl_exec and
 * nouveau_sched.c's sync handling, Linux 6.12), with their errnos:
 * <ul>
 * <li>CHANNEL_ALLOC: no VA space (VM_INIT first) → ENOSYS, as EXEC answers a client without
 * uvmm; a GPU without channels → ENODEV; fb_ctxdma_handle ~0 names the engine in
 * tt_ctxdma_handle: {@link NovaDrm#NOVA_FIFO_ENGINE_CE} is the copy engine, any other → ENOSYS
 * (nouveau's answer for an engine it cannot pick); otherwise the default engine, the copy engine
 * (nova's only one). The channel has {@link NovaDrm#NOVA_CHANNEL_GPFIFO_ENTRIES} entries in the
 * file's space, its objects in the file's kernel-managed range; nova.core's errors become ENOMEM
 * (no VRAM, channel IDs or kernel range left — nova.core uses only the part of the kernel-managed
 * range below the GPFIFO's 40-bit address limit, so a range wholly above 2^40 is ENOMEM), ENODEV (the GPU is going), EIO (GSP-RM refused) or
 * EINVAL (anything else, e.g. a kernel-managed range that cannot hold the channel's objects). Out: channel, the channel ID.</li>
 * <li>CHANNEL_FREE: a channel this file did not allocate → ENOENT; its jobs are cancelled
 * (ECANCELED) and the channel closed.</li>
 * <li>EXEC, checked in nouveau's order: no VA space → ENOSYS; a channel this file did not
 * allocate → ENOENT; a channel whose queue failed (a job timed out, the channel faulted: nouveau's
 * killed channel) → ENODEV; push_count above half the ring less one
 * (nouveau_exec_push_max_from_ib_max) → EINVAL; an array outside the caller's memory → EFAULT; a
 * push of va_len above {@link NovaDrm#NV50_DMA_PUSH_MAX_LENGTH} → EINVAL. Nova's own rules, checked
 * before anything is queued: no push (nova's jobs need a GPFIFO entry), a va or va_len not a
 * multiple of 4 or a va_len of 0 (GPFIFO entries count 32-bit words), a push ending above 2^40
 * ({@link GpuChannel#SEGMENT_VA_LIMIT}: nouveau's nv50_dma_push would drop the high bits),
 * unknown push flags → EINVAL;
 * a push not wholly inside mappings of the file's VA space → EINVAL at submit time (nouveau leaves
 * this to the GPU, which faults the channel; nova refuses early, and a mapping removed after submit
 * still faults the channel). Syncs: TIMELINE_SYNCOBJ → EOPNOTSUPP (timeline sync objects are not
 * implemented); another unknown type → EOPNOTSUPP for a wait (sync_find_fence) and EINVAL for a
 * signal (nouveau_job_fence_attach_prepare); flag bits outside the type mask → EINVAL (nouveau
 * ignores them; nova refuses them so that they can mean something later, as it refuses unknown
 * push flags, which nouveau ignores too); NO_PREFETCH is accepted and has no effect (nova.core's
 * {@link PushSegment} carries no prefetch bit); a handle this file does not have → ENOENT, a wait
 * sync object without fence → EINVAL (drm_syncobj_find_fence). Then the job is submitted with the wait fences as dependencies and
 * credits pushes + 1, and its done fence is installed in every signal sync object and guards every
 * object of the file's VA space against eviction until it signals ({@link NovaVm#awaitIdle}).</li>
 * </ul>
 */
final class NovaExec {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int NO_ENGINE_HANDLE = ~0;

    private NovaExec() {
    }

    static void channelAlloc(NovaDriver dev, MemorySegment req, DrmFile file, NovaFile data) {
        NovaVm vm = data.vm();
        if (vm == null) {
            throw new DrmException(DrmErrno.ENOSYS, file + " has no VA space: VM_INIT first");
        }
        GpuChannels channels = dev.channels();
        if (channels == null) {
            throw new DrmException(DrmErrno.ENODEV, file + ": the GPU offers no channels");
        }
        int fb = req.get(U32, 0);
        int tt = req.get(U32, 4);
        if (fb == NO_ENGINE_HANDLE && tt != NovaDrm.NOVA_FIFO_ENGINE_CE) {
            throw new DrmException(DrmErrno.ENOSYS, String.format("engine %#x: nova has the copy engine only", tt));
        }
        GpuChannel ch;
        try {
            ch = channels.open(file.owner(), vm.space(),
                    new VmRange(vm.kernelManagedAddr(), vm.kernelManagedSize()), Engine.COPY0,
                    NovaDrm.NOVA_CHANNEL_GPFIFO_ENTRIES);
        } catch (DriverException e) {
            DrmErrno errno = switch (e.errno()) {
                case ENOSPC, ENOMEM -> DrmErrno.ENOMEM;
                case ENODEV -> DrmErrno.ENODEV;
                case EIO -> DrmErrno.EIO;
                default -> DrmErrno.EINVAL;
            };
            throw new DrmException(errno, file + ": no channel: " + e.getMessage());
        }
        NovaChannel nc = new NovaChannel(ch);
        try {
            nc.start(new JobQueue<>(file.name() + ":ch" + ch.id(), nc, dev.timer(), dev.jobTimeout()));
            data.addChannel(nc);
        } catch (RuntimeException e) {
            if (nc.queue() != null) {
                nc.queue().close();
            } else {
                ch.close();
            }
            throw e;
        }
        req.set(U32, 8, ch.id());
    }

    static void channelFree(MemorySegment req, DrmFile file, NovaFile data) {
        int id = req.get(U32, 0);
        NovaChannel nc = data.removeChannel(id);
        if (nc == null) {
            throw new DrmException(DrmErrno.ENOENT, file + " has no channel " + id);
        }
        nc.queue().close();
    }

    static void exec(MemorySegment req, DrmFile file, NovaFile data) {
        NovaVm vm = data.vm();
        if (vm == null) {
            throw new DrmException(DrmErrno.ENOSYS, file + " has no VA space: VM_INIT first");
        }
        int id = req.get(U32, 0);
        NovaChannel nc = data.channel(id);
        if (nc == null) {
            throw new DrmException(DrmErrno.ENOENT, file + " has no channel " + id);
        }
        JobQueue<List<PushSegment>> q = nc.queue();
        if (q.isFailed()) {
            throw new DrmException(DrmErrno.ENODEV, "channel " + id + " is dead: " + q.failReason());
        }
        long pushCount = Integer.toUnsignedLong(req.get(U32, 4));
        long waitCount = Integer.toUnsignedLong(req.get(U32, 8));
        long sigCount = Integer.toUnsignedLong(req.get(U32, 12));
        if (pushCount > nc.pushMax()) {
            throw new DrmException(DrmErrno.EINVAL, "push count " + pushCount + " exceeds " + nc.pushMax());
        }
        long pushSize = NovaDrm.STRUCT_DRM_NOVA_EXEC_PUSH.byteSize();
        long syncSize = NovaDrm.STRUCT_DRM_NOVA_SYNC.byteSize();
        MemorySegment pushes = pushCount == 0 ? MemorySegment.NULL : DrmFile.copyFromUser(req.get(U64, 32), pushCount * pushSize);
        MemorySegment waits = waitCount == 0 ? MemorySegment.NULL : DrmFile.copyFromUser(req.get(U64, 16), waitCount * syncSize);
        MemorySegment sigs = sigCount == 0 ? MemorySegment.NULL : DrmFile.copyFromUser(req.get(U64, 24), sigCount * syncSize);

        List<PushSegment> segments = new ArrayList<>();
        for (long i = 0; i < pushCount; i++) {
            int len = pushes.get(U32, i * pushSize + 8);
            if (Integer.compareUnsigned(len, NovaDrm.NV50_DMA_PUSH_MAX_LENGTH) > 0) {
                throw new DrmException(DrmErrno.EINVAL, String.format("push %d: size %#x exceeds %#x", i, len,
                        NovaDrm.NV50_DMA_PUSH_MAX_LENGTH));
            }
        }
        if (pushCount == 0) {
            throw new DrmException(DrmErrno.EINVAL, "an EXEC without push: nova's jobs need a GPFIFO entry");
        }
        for (long i = 0; i < pushCount; i++) {
            long va = pushes.get(U64, i * pushSize);
            int len = pushes.get(U32, i * pushSize + 8);
            int flags = pushes.get(U32, i * pushSize + 12);
            if ((flags & ~NovaDrm.DRM_NOVA_EXEC_PUSH_NO_PREFETCH) != 0) {
                throw new DrmException(DrmErrno.EINVAL, String.format("push %d: unknown flags %#x", i, flags));
            }
            if (len == 0 || (len & 3) != 0 || (va & 3) != 0) {
                throw new DrmException(DrmErrno.EINVAL, String.format(
                        "push %d: [%#x, +%#x) is empty or not 4-byte aligned", i, va, len));
            }
            if (Long.compareUnsigned(va + len, GpuChannel.SEGMENT_VA_LIMIT) > 0) {
                throw new DrmException(DrmErrno.EINVAL, String.format(
                        "push %d: [%#x, +%#x) ends above %#x: a GPFIFO entry carries 40-bit addresses", i, va, len,
                        GpuChannel.SEGMENT_VA_LIMIT));
            }
            if (!vm.covers(va, len)) {
                throw new DrmException(DrmErrno.EINVAL, String.format(
                        "push %d: [%#x, +%#x) is not mapped in %s's VA space", i, va, len, file));
            }
            segments.add(new PushSegment(va, len / 4));
        }
        List<DmaFence> deps = new ArrayList<>();
        for (long i = 0; i < waitCount; i++) {
            int handle = syncHandle(waits, i * syncSize, "wait", i);
            DmaFence f = file.syncobjFence(handle);
            if (f == null) {
                throw new DrmException(DrmErrno.EINVAL, "wait sync object " + handle + " has no fence");
            }
            deps.add(f);
        }
        List<Integer> out = new ArrayList<>();
        for (long i = 0; i < sigCount; i++) {
            int handle = syncHandle(sigs, i * syncSize, "signal", i);
            file.syncobjFence(handle); // ENOENT for a handle the file does not have
            out.add(handle);
        }
        DmaFence done;
        try {
            done = q.submit(segments, segments.size() + 1, deps);
        } catch (DriverException e) {
            throw new DrmException(DrmErrno.ENODEV, "channel " + id + ": " + e.getMessage());
        }
        vm.jobSubmitted(done);
        for (int h : out) {
            try {
                file.syncobjReplaceFence(h, done);
            } catch (DrmException e) {
                // destroyed by another thread since the check: the kernel holds a reference and
                // installs anyway; here the object is gone and nobody can see the fence
            }
        }
    }

    private static int syncHandle(MemorySegment a, long off, String what, long i) {
        int flags = a.get(U32, off);
        int type = flags & NovaDrm.DRM_NOVA_SYNC_TYPE_MASK;
        if ((flags & ~NovaDrm.DRM_NOVA_SYNC_TYPE_MASK) != 0) {
            throw new DrmException(DrmErrno.EINVAL, String.format("%s sync %d: unknown flags %#x", what, i, flags));
        }
        if (type == NovaDrm.DRM_NOVA_SYNC_TIMELINE_SYNCOBJ) {
            throw new DrmException(DrmErrno.EOPNOTSUPP, String.format(
                    "%s sync %d: a timeline sync object (nova has binary sync objects only)", what, i));
        }
        if (type != NovaDrm.DRM_NOVA_SYNC_SYNCOBJ) {
            // nouveau_sched.c: sync_find_fence answers EOPNOTSUPP, nouveau_job_fence_attach_prepare EINVAL
            throw new DrmException("wait".equals(what) ? DrmErrno.EOPNOTSUPP : DrmErrno.EINVAL,
                    String.format("%s sync %d: unknown type %d", what, i, type));
        }
        return a.get(U32, off + 4);
    }
}
