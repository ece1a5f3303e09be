package org.nova.drm.nova;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.auxiliary.AuxiliaryDriver;
import org.nova.bus.auxiliary.AuxiliaryDriverAlias;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.drm.DrmClass;
import org.nova.drm.DmaBuf;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmDevices;
import org.nova.gpu.vram.NovaDrmData;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nova-drm module ("Nova"): an auxiliary driver for nova.core's "NovaCore.nova-drm" devices
 * (driver.rs AUX_TABLE). Probe reads the {@link NovaDrmData} registration data and registers a DRM
 * device (drm::Device::new + Registration::new_foreign_owned); remove unplugs it, which fails the
 * open files' ioctls with ENODEV and returns all their VRAM. Also the {@link DrmDevices} service.
 *
 * <p>Minors: card0 is the GPU with the lowest PCI address, whatever order the GPUs arrive and
 * probe in (see {@link #gpuIndex}); the kernel's first-come rule only where that place is taken.
 */
@Component(service = {AuxiliaryDriver.class, DrmDevices.class, NovaDrmDriver.class})
@AuxiliaryDriverAlias(driver = NovaDrmDriver.NAME, id = NovaDrmDriver.ID)
public final class NovaDrmDriver implements AuxiliaryDriver<DrmDevice>, DrmDevices {
    private static final Logger LOG = LoggerFactory.getLogger(NovaDrmDriver.class);

    /** driver.rs: the module name. */
    public static final String MODULE_NAME = "Nova";
    /** driver.rs NOVA_CORE_MODULE_NAME: the parent module's name. */
    public static final String NOVA_CORE_MODULE_NAME = "NovaCore";
    /** driver.rs AUXILIARY_NAME. */
    public static final String AUXILIARY_NAME = "nova-drm";
    /** The driver's name: module name and auxiliary name. */
    static final String NAME = MODULE_NAME + "." + AUXILIARY_NAME;
    /** Its one id: the auxiliary device nova-core registers per GPU. */
    static final String ID = NOVA_CORE_MODULE_NAME + "." + AUXILIARY_NAME;

    private final DrmClass drm = new DrmClass();
    /** The driver core (DS): which GPUs nova-core drives or is about to, for the minors' order. */
    @Reference
    private volatile DriverCore core;
    private final Map<DrmDevice, NovaDrmData> data = new ConcurrentHashMap<>();
    /** The job-timeout timer every device's job queues share: one daemon thread, no thread per job. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nova-drm-job-timeouts");
        t.setDaemon(true);
        return t;
    });

    /** Stops the timer; the devices were removed (and their queues closed) before. */
    @Deactivate
    void deactivate() {
        timer.shutdownNow();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> idTable() {
        return List.of(ID);
    }

    @Override
    public DrmDevice probe(AuxiliaryDevice dev, String matchedId) {
        NovaDrmData d = dev.registrationData(NovaDrmData.class).orElseThrow(
                () -> new DriverException(Errno.EINVAL, dev.name() + " has no NovaDrmData registration data"));
        DrmDevice drmDev = drm.register(new NovaDriver(d.vramBarSize(), d.vm(), d.channels(), timer,
                NovaDriver.JOB_TIMEOUT), dev.name(), d.vram(), d.aperture(), d.sysmem(), gpuIndex(dev.parent()));
        data.put(drmDev, d);
        LOG.info("{}: {} and {} for GPU {} ({} MiB VRAM, BAR1 {} MiB)", dev.name(), drmDev.primaryName(),
                drmDev.renderName(), d.gpu(), d.vram().total() >> 20, d.vramBarSize() >> 20);
        return drmDev;
    }

    @Override
    public void remove(AuxiliaryDevice dev, DrmDevice drmDev) {
        int open = drmDev.files().size();
        drm.unregister(drmDev);
        data.remove(drmDev);
        LOG.info("{}: {} unplugged ({} files were open)", dev.name(), drmDev.primaryName(), open);
    }

    /**
     * The DRM index of a GPU by PCI address: its place among the devices of its bus that nova-core
     * drives or would bind first (device names on the PCI bus are addresses, so their order is the
     * address order). A GPU whose probe is still to come keeps its place: when 0000:00:06.0 probes
     * before 0000:00:05.0, it becomes card1 and 05.0 card0 later. A GPU hot-added after a higher
     * one took its place gets the lowest free index, as in the kernel.
     *
     * @param gpu the nova-drm device's parent, or null (no parent: unit tests)
     * @return the preferred index, or {@link DrmClass#ANY_INDEX} without a parent or a driver core
     */
    int gpuIndex(Device gpu) {
        DriverCore c = core;
        if (gpu == null || c == null) {
            return DrmClass.ANY_INDEX;
        }
        int index = 0;
        for (Device other : gpu.bus().devices()) {
            String driver = other.driver().or(() -> c.firstChoice(other)).orElse("");
            if (driver.equals(NOVA_CORE_MODULE_NAME) && other.name().compareTo(gpu.name()) < 0) {
                index++;
            }
        }
        return index;
    }

    /** @return the registration data a device was probed with */
    public Optional<NovaDrmData> dataOf(DrmDevice dev) {
        return Optional.ofNullable(data.get(dev));
    }

    @Override
    public List<DrmDevice> devices() {
        return drm.devices();
    }

    @Override
    public Optional<DrmDevice> byMinor(int minor) {
        return drm.byMinor(minor);
    }

    @Override
    public void closeFd(int fd) {
        drm.closeFd(fd);
    }

    @Override
    public List<Integer> openFds() {
        return drm.openFds();
    }

    @Override
    public DmaBuf dmaBuf(int fd) {
        return drm.dmaBuf(fd);
    }
}
