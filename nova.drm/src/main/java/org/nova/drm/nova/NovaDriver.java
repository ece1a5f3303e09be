package org.nova.drm.nova;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

import org.nova.drm.DrmDriver;
import org.nova.drm.DrmDriverInfo;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmFile;
import org.nova.drm.DrmIoctl;
import org.nova.drm.IoctlDesc;
import org.nova.drm.NovaDrm;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.vm.GpuVmManager;

/**
 * The nova-drm driver's {@code drm::Driver} for one device (drivers/gpu/drm/nova/driver.rs): its
 * info, its ioctl table over file.rs' handlers ({@link NovaFile}), and the device's data they read.
 * Plain Java: the DS component {@link NovaDrmDriver} creates one per bound auxiliary device; tests
 * create them with a fake parent.
 */
public final class NovaDriver implements DrmDriver<NovaFile> {
    /** driver.rs INFO: name "nova", desc "Nvidia Graphics", version 0.0.0. */
    public static final DrmDriverInfo INFO = new DrmDriverInfo("nova", "Nvidia Graphics", 0, 0, 0);
    /** gem.rs: object sizes are rounded up to a multiple of {@code 1 << 12}. */
    public static final long GEM_ALIGN = 1L << 12;
    /** How long a job may run: nouveau_sched.h NOUVEAU_SCHED_JOB_TIMEOUT_MS, 10 s. */
    public static final Duration JOB_TIMEOUT = Duration.ofMillis(10_000);

    private final long vramBarSize;
    private final GpuVmManager vms;
    private final GpuChannels channels;
    private final ScheduledExecutorService timer;
    private final Duration jobTimeout;
    /** The open files' data, for drm:vm (the DRM core keeps its own copy for the handlers). */
    private final Map<DrmFile, NovaFile> files = new ConcurrentHashMap<>();
    /** The device's accelerated mover, made at registration (null on a device without system memory). */
    private volatile KernelCopier copier;

    /** @param vramBarSize what GETPARAM(VRAM_BAR_SIZE) answers: the parent's BAR1 length */
    public NovaDriver(long vramBarSize) {
        this(vramBarSize, null);
    }

    /**
     * @param vramBarSize what GETPARAM(VRAM_BAR_SIZE) answers: the parent's BAR1 length
     * @param vms the GPU's VA spaces VM_INIT creates files' spaces in (nova.core's), or null: VM_INIT
     *     is then ENODEV
     */
    public NovaDriver(long vramBarSize, GpuVmManager vms) {
        this(vramBarSize, vms, null, null, JOB_TIMEOUT);
    }

    /**
     * @param vramBarSize what GETPARAM(VRAM_BAR_SIZE) answers: the parent's BAR1 length
     * @param vms the GPU's VA spaces, or null (VM_INIT is then ENODEV)
     * @param channels the GPU's channels CHANNEL_ALLOC opens, or null (CHANNEL_ALLOC is then ENODEV)
     * @param timer the shared executor job timeouts run on (not owned; needed with channels)
     * @param jobTimeout how long a job may stay on its channel before it fails and kills the channel
     */
    public NovaDriver(long vramBarSize, GpuVmManager vms, GpuChannels channels, ScheduledExecutorService timer,
            Duration jobTimeout) {
        if (channels != null && timer == null) {
            throw new IllegalArgumentException("channels need a timer executor for job timeouts");
        }
        this.vramBarSize = vramBarSize;
        this.vms = vms;
        this.channels = channels;
        this.timer = timer;
        this.jobTimeout = jobTimeout;
    }

    /** @return the GPU's channels, or null */
    GpuChannels channels() {
        return channels;
    }

    /** @return the job-timeout executor */
    ScheduledExecutorService timer() {
        return timer;
    }

    /** @return how long a job may run */
    Duration jobTimeout() {
        return jobTimeout;
    }

    /** @return the GPU's VA spaces, or null */
    GpuVmManager vms() {
        return vms;
    }

    /** @return the parent's BAR1 length (upstream reads it from the auxiliary device's parent) */
    long vramBarSize() {
        return vramBarSize;
    }

    @Override
    public DrmDriverInfo info() {
        return INFO;
    }

    /**
     * driver.rs declare_drm_ioctls!: GETPARAM RENDER_ALLOW, GEM_CREATE and GEM_INFO AUTH |
     * RENDER_ALLOW; VM_INIT, VM_BIND, CHANNEL_ALLOC, CHANNEL_FREE and EXEC AUTH | RENDER_ALLOW
     * as nouveau declares them.
     */
    @Override
    public List<IoctlDesc<NovaFile>> ioctls() {
        return List.of(
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, DrmIoctl.DRM_RENDER_ALLOW, "NOVA_GETPARAM",
                        (file, data, arg) -> NovaFile.getParam(this, arg)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GEM_CREATE, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_CREATE", (file, data, arg) -> NovaFile.gemCreate(arg, file)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_GEM_INFO, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_GEM_INFO", (file, data, arg) -> NovaFile.gemInfo(arg, file)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_VM_INIT, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_VM_INIT", (file, data, arg) -> NovaFile.vmInit(this, arg, file, data)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_VM_BIND, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_VM_BIND", (file, data, arg) -> NovaFile.vmBind(arg, file, data)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_CHANNEL_ALLOC, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_CHANNEL_ALLOC", (file, data, arg) -> NovaExec.channelAlloc(this, arg, file, data)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_CHANNEL_FREE, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_CHANNEL_FREE", (file, data, arg) -> NovaExec.channelFree(arg, file, data)),
                new IoctlDesc<>(NovaDrm.DRM_IOCTL_NOVA_EXEC, DrmIoctl.DRM_AUTH | DrmIoctl.DRM_RENDER_ALLOW,
                        "NOVA_EXEC", (file, data, arg) -> NovaExec.exec(arg, file, data)));
    }

    /**
     * The device's kernel channel for accelerated GEM moves ({@link KernelCopier}), opened at the
     * first move; moves go to the CPU copy when the GPU has no channels or no VA spaces.
     */
    @Override
    public org.nova.drm.GemCopier gemCopier(DrmDevice device) {
        KernelCopier c = new KernelCopier("nova-drm:" + device.primaryName(), vms, channels, device.sysmem(),
                jobTimeout);
        copier = c;
        return c;
    }

    /** @return the copier made for the device (drm:vm, tests), or null before registration */
    KernelCopier copier() {
        return copier;
    }

    /** file.rs {@code DriverFile::open}: every file gets an (empty) {@link NovaFile}. */
    @Override
    public NovaFile open(DrmFile file) {
        NovaFile f = new NovaFile();
        files.put(file, f);
        return f;
    }

    /** @return the data of an open file of this driver's device, or null (for drm:vm) */
    NovaFile fileData(DrmFile file) {
        return files.get(file);
    }

    /** postclose: the file's VA space goes before its handles do. */
    @Override
    public void postclose(DrmFile file, NovaFile data) {
        files.remove(file);
        data.release();
    }

    /** Unplug: the file's VA space goes before the device's objects give their VRAM back. */
    @Override
    public void unplug(DrmFile file, NovaFile data) {
        files.remove(file);
        data.release();
    }
}
