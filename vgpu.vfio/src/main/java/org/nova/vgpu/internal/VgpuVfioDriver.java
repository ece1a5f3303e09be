package org.nova.vgpu.internal;

import static org.nova.hw.pci.PciClass.PCI_CLASS_DISPLAY_3D;
import static org.nova.hw.pci.PciClass.withProgIf;
import static org.nova.hw.pci.PciRegs.PCI_CLASS_BYTE_MASK;
import static org.nova.hw.pci.PciRegs.PCI_CLASS_MASK_BASE_SUB;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.IrqRegistration;
import org.nova.bus.pci.IrqVectors;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIrqType;
import org.nova.config.ConfigStatus;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.devres.Devres;
import org.nova.driver.DeviceLink;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.LinkFlag;
import org.nova.driver.ProbeDeferException;
import org.nova.devres.Revocable;
import org.nova.gpu.GspCommands;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.vram.VramManager;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuManager;
import org.nova.vgpu.VgpuType;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NVIDIA vGPU VFIO variant driver (the RFC's nvidia-vgpu-vfio): binds the SR-IOV virtual
 * functions of GPUs that nova.core drives (a device link makes each VF a consumer of its PF; the
 * probe defers while the PF is not bound to nova.core) and runs the vGPU lifecycle
 * ({@link VgpuManager}) through nova.core's command service and VRAM manager.
 *
 * <p>Configuration (PID {@value #PID}, optional, {@link VgpuConfig}): {@code create} = entries
 * "VF=TYPE" ("0000:00:06.1=NVIDIA L40-1Q"); a listed VF gets its vGPU when it probes. Each
 * configuration is answered ({@link ConfigStatus}): applied, or refused with EINVAL naming the
 * entry that is not VF=TYPE (the previous entries stay in force).
 */
@Component(service = {PciDriver.class, VgpuManager.class}, configurationPid = VgpuVfioDriver.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = ConfigStatus.DECLARATION)
@Designate(ocd = VgpuConfig.class)
@PciDriverAlias(driver = VgpuVfioDriver.NAME, baseClass = PCI_CLASS_DISPLAY_3D >> Byte.SIZE,
        subClass = PCI_CLASS_DISPLAY_3D & PCI_CLASS_BYTE_MASK)
public final class VgpuVfioDriver implements PciDriver<VfAccess>, VgpuManager {
    private static final Logger LOG = LoggerFactory.getLogger(VgpuVfioDriver.class);
    /** The configuration PID. */
    public static final String PID = "org.nova.vgpu";
    /** The configuration property listing "VF=TYPE" entries. */
    public static final String PROP_CREATE = "create";
    /** The separator of a VF from its type in an entry of {@value #PROP_CREATE}. */
    static final char ENTRY_SEPARATOR = '=';
    /** The separator of entries given as one string. */
    static final String ENTRIES_SEPARATOR = ",";
    /** The driver name (the RFC's module). */
    public static final String NAME = "nvidia-vgpu-vfio";
    /**
     * The RFC's table matches NVIDIA 3D controllers; a VF's config space reads Vendor ID FFFFh,
     * so the table matches the class and the probe asks nova.core whether the PF is one of its
     * GPUs (nova.core binds NVIDIA's only).
     */
    static final List<PciDeviceId> ID_TABLE = List.of(PciDeviceId.ofClass(withProgIf(PCI_CLASS_DISPLAY_3D, 0), PCI_CLASS_MASK_BASE_SUB));

    /** Where the Device ID sits above the Vendor ID in the first config dword (pci_regs.h PCI_DEVICE_ID). */
    static final int VF_DEVICE_ID_SHIFT = Byte.SIZE * PciRegs.PCI_DEVICE_ID;

    private final NovaGpus gpus;
    private final DriverCore driverCore;
    private final VgpuCore core;
    private final ConfigStatus status;
    private volatile Map<String, String> autoCreate = Map.of();
    /**
     * Each bound GPU's VRAM manager, by its PCI name ({@link VramManager#GPU_PROPERTY}), as
     * Declarative Services binds and unbinds them: a command running while this bundle stops
     * still reads a map, where a lookup through the bundle's context would meet an invalid
     * context (IllegalStateException) and each lookup would take one more use of the service.
     */
    private final Map<String, VramManager> vrams = new ConcurrentHashMap<>();

    @Activate
    public VgpuVfioDriver(@Reference NovaGpus gpus, @Reference GspCommands commands,
            @Reference DriverCore driverCore, BundleContext context, Map<String, Object> config) {
        this.gpus = gpus;
        this.driverCore = driverCore;
        this.core = new VgpuCore(gpus, commands, pf -> Optional.ofNullable(vrams.get(pf)));
        this.status = new ConfigStatus(context, ConfigStatus.pidOf(config, PID));
        modified(config);
    }

    /** Takes the new entries, or keeps the previous ones when one of them is not VF=TYPE. */
    @Modified
    void modified(Map<String, Object> config) {
        try {
            autoCreate = parse(config);
        } catch (DriverException e) {
            LOG.error("configuration {}: {}", status.pid(), e.getMessage());
            status.refused(config, e.errno().name(), e.getMessage());
            return;
        }
        status.applied(config);
    }

    @Deactivate
    void deactivate() {
        // the bus unbound the VFs when the driver service went; anything left goes now
        core.closeAll();
        status.close();
    }

    /**
     * @return VF address → vGPU type of the entries of {@value #PROP_CREATE}
     * @throws DriverException EINVAL naming an entry that is not VF=TYPE with a PCI address
     */
    static Map<String, String> parse(Map<String, Object> config) {
        Map<String, String> out = new LinkedHashMap<>();
        Object v = config == null ? null : config.get(PROP_CREATE);
        List<String> entries = new ArrayList<>();
        if (v instanceof String s) {
            entries.addAll(List.of(s.split(ENTRIES_SEPARATOR)));
        } else if (v instanceof String[] a) {
            entries.addAll(List.of(a));
        } else if (v instanceof Collection<?> c) {
            c.forEach(o -> entries.add(String.valueOf(o)));
        }
        for (String e : entries) {
            if (e.isBlank()) {
                continue;
            }
            int eq = e.indexOf(ENTRY_SEPARATOR);
            String type = eq < 0 ? "" : e.substring(eq + 1).trim();
            if (eq <= 0 || type.isEmpty()) {
                throw new DriverException(Errno.EINVAL, PROP_CREATE + ": '" + e
                        + "' is not VF=TYPE (e.g. 0000:00:06.1=NVIDIA L40-1Q)");
            }
            String vf = e.substring(0, eq).trim();
            PciAddress address;
            try {
                address = PciAddress.parse(vf);
            } catch (RuntimeException notAnAddress) { // PciAddress.parse's EINVAL
                throw new DriverException(Errno.EINVAL, PROP_CREATE + ": '" + e + "': the VF '" + vf
                        + "' is not a PCI address [dddd:]bb:dd.f");
            }
            out.put(address.toString(), type);
        }
        return out;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addVram(VramManager vram, Map<String, Object> properties) {
        if (properties.get(VramManager.GPU_PROPERTY) instanceof String pf) {
            vrams.put(pf, vram);
        }
    }

    void removeVram(VramManager vram, Map<String, Object> properties) {
        if (properties.get(VramManager.GPU_PROPERTY) instanceof String pf) {
            vrams.remove(pf, vram);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciDeviceId> idTable() {
        return ID_TABLE;
    }

    @Override
    public VfAccess probe(PciDevice dev, PciDeviceId id) {
        if (!dev.isVirtfn()) {
            throw new DriverException(Errno.ENODEV, dev.slot() + " is not an SR-IOV virtual function");
        }
        PciDevice pf = dev.physfn().orElseThrow(() -> new DriverException(Errno.ENODEV, dev.slot() + ": no PF"));
        if (gpus.gpu(pf.slot()).isEmpty()) {
            Optional<String> other = pf.device().driver();
            if (other.isPresent()) {
                throw new DriverException(Errno.ENODEV, dev.slot() + ": the PF " + pf.slot() + " is bound to "
                        + other.get() + ", not to NovaCore: not a VF of a GPU nova.core drives");
            }
            throw new ProbeDeferException(dev.slot() + ": the PF " + pf.slot() + " is not bound to NovaCore");
        }
        if (!gpus.vgpuSupported(pf.slot())) {
            throw new DriverException(Errno.ENODEV, dev.slot() + ": the firmware of " + pf.slot()
                    + " reports no vGPU support");
        }
        // the VF consumes its PF: it unbinds before the PF
        try {
            DeviceLink link = driverCore.addLink(pf.device(), dev.device(), EnumSet.of(LinkFlag.AUTOREMOVE_CONSUMER));
            Devres.register(dev.device().devres(), NAME + "/link", link, l -> {
                try {
                    l.close();
                } catch (Exception e) {
                    LOG.debug("{}: link: {}", dev.slot(), e.toString());
                }
            });
        } catch (DriverException e) {
            LOG.info("{}: no device link to {}: {}", dev.slot(), pf.slot(), e.getMessage());
        }
        int sriov = pf.findExtCapability(PciRegs.PCI_EXT_CAP_ID_SRIOV);
        if (sriov == 0) {
            throw new DriverException(Errno.ENODEV, pf.slot() + " has no SR-IOV capability");
        }
        // the guest sees the VF Device ID of the PF's SR-IOV capability (a VF reads FFFFh)
        int vfDid = pf.read16(sriov + PciRegs.PCI_SRIOV_VF_DID);
        int vfIndex = dev.vfId();
        Devres<Bar> bar0 = dev.iomapRegion(0, NAME);
        // BAR1: the GPU maps it onto the framebuffer of the vGPU the firmware boots for this VF
        Devres<Bar> bar1 = dev.iomapRegion(1, NAME);
        dev.enableDeviceMem();
        VfAccess access = new PciVf(dev, vfIndex, bar0, bar1);
        // a VF's vendor is its PF's (drivers/pci/iov.c pci_iov_add_virtfn: virtfn->vendor = dev->vendor)
        core.vfBound(PciAddress.parse(pf.slot()), access, pf.vendorId() | vfDid << VF_DEVICE_ID_SHIFT);
        LOG.info("{}: VF {} of {} bound (gfid {})", dev.slot(), vfIndex, pf.slot(), vfIndex + 1);
        String type = autoCreate.get(PciAddress.parse(dev.slot()).toString());
        if (type != null) {
            try {
                core.create(dev.slot(), type);
            } catch (DriverException e) {
                LOG.warn("{}: configured vGPU {} not created: {}", dev.slot(), type, e.getMessage());
            }
        }
        return access;
    }

    @Override
    public void unbind(PciDevice dev, VfAccess vf) {
        core.vfUnbound(dev.slot());
    }

    /** The VF as a PCI device. */
    private record PciVf(PciDevice dev, int vfIndex, Devres<Bar> bar0, Devres<Bar> bar1, Msi msi) implements VfAccess {
        PciVf(PciDevice dev, int vfIndex, Devres<Bar> bar0, Devres<Bar> bar1) {
            this(dev, vfIndex, bar0, bar1, new Msi());
        }

        @Override
        public void onMsi(IntConsumer handler) {
            msi.route(dev, handler);
        }

        @Override
        public void setBusMaster(boolean on) {
            if (on) {
                dev.setMaster();
            } else {
                dev.clearMaster();
            }
        }

        @Override
        public String slot() {
            return dev.slot();
        }

        @Override
        public int configSize() {
            return dev.configSize();
        }

        @Override
        public long readConfig(int offset, int width) {
            return switch (width) {
                case 1 -> dev.read8(offset);
                case 2 -> dev.read16(offset);
                case 4 -> dev.read32(offset) & 0xffff_ffffL;
                default -> (dev.read32(offset) & 0xffff_ffffL) | (long) dev.read32(offset + 4) << 32;
            };
        }

        @Override
        public void writeConfig(int offset, int width, long value) {
            switch (width) {
                case 1 -> dev.write8(offset, (int) value);
                case 2 -> dev.write16(offset, (int) value);
                case 4 -> dev.write32(offset, (int) value);
                default -> {
                    dev.write32(offset, (int) value);
                    dev.write32(offset + 4, (int) (value >>> 32));
                }
            }
        }

        @Override
        public long bar0Size() {
            return dev.resourceLen(0);
        }

        @Override
        public long readBar0(long offset, int width) {
            return read(bar0, offset, width);
        }

        @Override
        public void writeBar0(long offset, int width, long value) {
            write(bar0, offset, width, value);
        }

        @Override
        public long bar1Size() {
            return dev.resourceLen(1);
        }

        @Override
        public long readBar1(long offset, int width) {
            return read(bar1, offset, width);
        }

        @Override
        public void writeBar1(long offset, int width, long value) {
            write(bar1, offset, width, value);
        }

        private static long read(Devres<Bar> bar, long offset, int width) {
            try (Revocable.Guard<Bar> g = bar.access()) {
                Bar b = g.get();
                return switch (width) {
                    case 1 -> b.read8(offset);
                    case 2 -> b.read16(offset);
                    case 4 -> b.read32(offset) & 0xffff_ffffL;
                    default -> b.read64(offset);
                };
            }
        }

        private static void write(Devres<Bar> bar, long offset, int width, long value) {
            try (Revocable.Guard<Bar> g = bar.access()) {
                Bar b = g.get();
                switch (width) {
                    case 1 -> b.write8(offset, (int) value);
                    case 2 -> b.write16(offset, (int) value);
                    case 4 -> b.write32(offset, (int) value);
                    default -> b.write64(offset, value);
                }
            }
        }

        @Override
        public void reset() {
            dev.reset();
        }
    }

    /**
     * The VF's MSI vector, enabled while a VMM listens (pci_alloc_irq_vectors + request_irq, both
     * device resources: an unbind frees them too).
     */
    private static final class Msi {
        private IrqVectors vectors;
        private IrqRegistration registration;
        private volatile IntConsumer handler;

        synchronized void route(PciDevice dev, IntConsumer h) {
            handler = h;
            if (h != null && registration == null) {
                vectors = dev.allocIrqVectors(1, 1, EnumSet.of(PciIrqType.MSI));
                try {
                    registration = dev.requestIrq(0, NAME, v -> {
                        IntConsumer c = handler;
                        if (c != null) {
                            c.accept(v);
                        }
                    });
                } catch (RuntimeException e) {
                    vectors.close();
                    vectors = null;
                    throw e;
                }
            } else if (h == null && registration != null) {
                registration.close();
                vectors.close();
                registration = null;
                vectors = null;
            }
        }
    }

    // ---- VgpuManager ---------------------------------------------------------------------------

    @Override
    public List<VgpuType> types(String device) {
        return core.types(device);
    }

    @Override
    public List<VgpuType> creatableTypes(String device) {
        return core.creatableTypes(device);
    }

    @Override
    public int availableInstances(String device, int typeId) {
        return core.availableInstances(device, typeId);
    }

    @Override
    public VfioDevice create(String vf, String type) {
        return core.create(vf, type);
    }

    @Override
    public void destroy(String vf) {
        core.destroy(vf);
    }

    @Override
    public List<VgpuInfo> list() {
        return core.list();
    }

    @Override
    public Optional<VfioDevice> device(String vf) {
        return core.device(vf);
    }
}
