package org.nova.gpu.internal;

import static org.nova.hw.pci.PciRegs.PCI_CLASS_BYTE_MASK;
import static org.nova.hw.pci.PciRegs.PCI_CLASS_MASK_BASE_SUB;
import static org.nova.hw.pci.PciClass.withProgIf;
import static org.nova.hw.pci.PciClass.PCI_CLASS_DISPLAY_VGA;
import static org.nova.hw.pci.PciClass.PCI_CLASS_DISPLAY_3D;
import static org.nova.nvidia.NvidiaPciIds.PCI_VENDOR_ID_NVIDIA;

import java.lang.foreign.MemorySegment;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.nova.bus.auxiliary.AuxiliaryBus;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriverAlias;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.devres.Devres;
import org.nova.devres.DevresException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.gpu.FbRegion;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.GspLogBuffer;
import org.nova.gpu.GspChannel;
import org.nova.gpu.GspCommands;
import org.nova.gpu.GspStatus;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.RpcStats;
import org.nova.gpu.VgpuControl;
import org.nova.gpu.vm.GpuVmManager;
import org.nova.gpu.internal.mm.CoherentSysmem;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.internal.mm.GpuVmSpaces;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.fifo.ChannelSets;
import org.nova.gpu.internal.fifo.NovaChannels;
import org.nova.gpu.internal.mm.Bar1Spaces;
import org.nova.gpu.internal.mm.Bar1VramManager;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.GpuSysmem;
import org.nova.gpu.vram.NovaDrmData;
import org.nova.gpu.vram.VramManager;
import org.nova.hw.pci.PciAddress;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nova-core's PCI driver (driver.rs): binds NVIDIA display functions, VGA and 3D controllers,
 * and brings each up to a started GSP ({@link Gpu}). Also the {@link NovaGpus} service.
 */
@Component(service = {PciDriver.class, NovaGpus.class, GspCommands.class, Bar1Spaces.class, ChannelSets.class})
@PciDriverAlias(driver = NovaCoreDriver.NAME, vendor = PCI_VENDOR_ID_NVIDIA,
        baseClass = PCI_CLASS_DISPLAY_VGA >> Byte.SIZE, subClass = PCI_CLASS_DISPLAY_VGA & PCI_CLASS_BYTE_MASK)
@PciDriverAlias(driver = NovaCoreDriver.NAME, vendor = PCI_VENDOR_ID_NVIDIA,
        baseClass = PCI_CLASS_DISPLAY_3D >> Byte.SIZE, subClass = PCI_CLASS_DISPLAY_3D & PCI_CLASS_BYTE_MASK)
public final class NovaCoreDriver implements PciDriver<Gpu>, NovaGpus, GspCommands, Bar1Spaces, ChannelSets {
    private static final Logger LOG = LoggerFactory.getLogger(NovaCoreDriver.class);
    /**
     * The most system memory nova-drm may hold for GEM objects outside VRAM (evicted or created in
     * GART) per GPU: 256 MiB, a policy of nova (TTM bounds its TT pool by system RAM instead).
     */
    static final long SYSMEM_LIMIT = 256L << 20;
    /** The driver name (nova-core's module name). */
    public static final String NAME = "NovaCore";
    /** driver.rs PCI_TABLE. */
    static final List<PciDeviceId> ID_TABLE = List.of(
            PciDeviceId.ofClassAndVendor(withProgIf(PCI_CLASS_DISPLAY_VGA, 0), PCI_CLASS_MASK_BASE_SUB, PCI_VENDOR_ID_NVIDIA),
            PciDeviceId.ofClassAndVendor(withProgIf(PCI_CLASS_DISPLAY_3D, 0), PCI_CLASS_MASK_BASE_SUB, PCI_VENDOR_ID_NVIDIA));

    private final FirmwareLoader loader;
    /** The bound GPUs, with the VRAM manager of each. */
    private final Map<PciAddress, Bound> gpus = new ConcurrentHashMap<>();

    /** A bound GPU and its VRAM manager. */
    private record Bound(Gpu gpu, VramManager vram) {
        /** @return BAR1's VA space, or null when BAR1 is linear */
        Bar1Space bar1() {
            return vram instanceof Bar1VramManager m ? m.bar1() : null;
        }
    }

    /** The auxiliary device name nova-drm binds (drivers/gpu/drm/nova/driver.rs AUXILIARY_NAME). */
    static final String NOVA_DRM_AUX_NAME = "nova-drm";
    /** driver.rs: the aux device id, an atomic counter across bound GPUs. */
    private static final AtomicInteger AUX_ID = new AtomicInteger();
    private final AuxiliaryBus auxiliary;
    private final BundleContext context;

    /** @param loader the firmware loader */
    @Activate
    public NovaCoreDriver(@Reference FirmwareLoader loader, @Reference AuxiliaryBus auxiliary,
            BundleContext context) {
        this.loader = loader;
        this.auxiliary = auxiliary;
        this.context = context;
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
    public Gpu probe(PciDevice dev, PciDeviceId id) {
        if (dev.isVirtfn()) {
            // a vGPU VF: its driver is vgpu.vfio (nova-core binds physical functions only)
            throw new DriverException(Errno.ENODEV, dev.slot() + " is an SR-IOV virtual function");
        }
        Gpu gpu = Gpu.probe(dev, loader);
        try {
            return publish(dev, gpu);
        } catch (RuntimeException e) {
            // the GSP runs: a probe failing now unloads it as an unbind would (the Rust driver's
            // drop of its Gpu), or WPR2 stays and the next probe needs a reset
            gpu.unbind();
            if (e instanceof DevresException d) {
                throw new DriverException(d.isInjected() ? Errno.ENOMEM : Errno.ENODEV, dev.slot() + ": "
                        + d.getMessage(), d);
            }
            throw e;
        }
    }

    /** What a booted GPU offers: BAR1, the VRAM service, the nova-drm auxiliary device. */
    private Gpu publish(PciDevice dev, Gpu gpu) {
        // BAR1, the VRAM aperture through which nova-drm maps GEM objects and VRAM clients fill
        // buffers (VramManager.map): a devres Bar mapped before the VRAM service and the aux device,
        // so it is revoked after both went; from then on every view handed out of it is
        // inaccessible (Bar.memory())
        MemorySegment aperture = mapAperture(dev);
        // VRAM: a buddy allocator over the usable regions GSP-RM reported (FbRegions), as a service
        // for the binding's lifetime (registered before the aux device, so devres releases it after)
        BuddyVramManager buddy = gpu.fbRegions().vramManager(dev.slot(), aperture);
        // BAR1 under GSP-RM's root (Gpu.bar1Space): CPU views of VRAM through BAR1 VAs. Closed by
        // devres after the aux device (whose GEM objects unmap first) and the VRAM service (whose
        // revocation still accepts frees), so its tables go back to the buddy.
        Bar1Space bar1 = gpu.bar1Space(buddy);
        if (bar1 != null) {
            Devres.register(dev.device().devres(), "nova-core/bar1", bar1, b -> {
                try {
                    b.close();
                } catch (RuntimeException e) {
                    // the GPU is gone (hot removal): the tables went back to VRAM all the same
                    LOG.warn("{}: BAR1 teardown: {}", dev.slot(), e.getMessage());
                }
            });
        }
        VramManager vram = bar1 == null ? buddy : new Bar1VramManager(buddy, bar1, aperture);
        ServiceRegistration<VramManager> reg = context.registerService(
                VramManager.class, vram,
                FrameworkUtil.asDictionary(Map.of(VramManager.GPU_PROPERTY, dev.slot())));
        Devres.register(dev.device().devres(), "nova-core/vram", reg, r -> {
            vram.revoke();
            r.unregister();
        });
        // GPU VA spaces over that VRAM: registered after the VRAM service and before the aux device,
        // so devres revokes them (force-closing what nova-drm left open) after nova-drm unbound
        // and before the VRAM service goes
        GpuVmManager vms = vmSpaces(dev, gpu, vram);
        if (vms != null) {
            Devres.register(dev.device().devres(), "nova-core/vm", vms, GpuVmManager::revoke);
        }
        // GPU system memory for GEM objects outside VRAM: coherent DMA of this binding, revoked
        // (what nova-drm left open closed) after nova-drm unbound, before devres frees the DMA
        GpuSysmem sysmem = sysmem(dev, gpu);
        if (sysmem != null) {
            Devres.register(dev.device().devres(), "nova-core/sysmem", sysmem, GpuSysmem::revoke);
        }
        // the channels in those spaces: registered after them, so devres force-closes what nova-drm
        // left open (after nova-drm unbound) before the spaces are revoked
        GpuChannels channels = channels(dev, gpu, vram, vms);
        if (channels != null) {
            Devres.register(dev.device().devres(), "nova-core/channels", channels, GpuChannels::revoke);
        }
        // driver.rs: the nova-drm auxiliary device, deleted by devres before the VRAM service goes
        auxiliary.register(dev.device(), NAME, NOVA_DRM_AUX_NAME, AUX_ID.getAndIncrement(),
                new NovaDrmData(dev.slot(), dev.resourceLen(1), vram, aperture, vms, channels, sysmem));
        gpus.put(PciAddress.parse(dev.slot()), new Bound(gpu, vram));
        return gpu;
    }

    /**
     * The GPU's system memory for GEM objects: coherent DMA buffers of the binding, at most
     * {@link #SYSMEM_LIMIT} bytes, copied to and from VRAM through the binding's PRAMIN window.
     *
     * @return the manager, or null when BAR0 is gone already (GEM objects then stay in VRAM)
     */
    private static GpuSysmem sysmem(PciDevice dev, Gpu gpu) {
        try {
            return new CoherentSysmem(dev.slot(), dev::allocCoherent, gpu.memory().pramin(), SYSMEM_LIMIT);
        } catch (DriverException e) {
            LOG.warn("{}: no GPU system memory: {}", dev.slot(), e.getMessage());
            return null;
        }
    }

    /**
     * The GPU's channels ({@link org.nova.gpu.internal.fifo.NovaChannels}) in its VA spaces.
     *
     * @return the channels, or null without VA spaces or a running GSP (channel opens then fail with ENODEV)
     */
    private static GpuChannels channels(PciDevice dev, Gpu gpu, VramManager vram, GpuVmManager vms) {
        if (vms == null) {
            return null;
        }
        try {
            return gpu.channels(vram, vms);
        } catch (DriverException e) {
            LOG.warn("{}: no channels: {}", dev.slot(), e.getMessage());
            return null;
        }
    }

    /**
     * The GPU VA spaces: page tables written through PRAMIN on the GPU's BAR0 mapping (kept past
     * its access guard as the BAR1 aperture is: devres revokes it at unbind, after the spaces),
     * flushed with the Turing+ TLB invalidate.
     *
     * @return the manager, or null when BAR0 is gone already (VM_INIT then fails with ENODEV)
     */
    private static GpuVmManager vmSpaces(PciDevice dev, Gpu gpu, VramManager vram) {
        try {
            // the binding's one PRAMIN window and TLB invalidate, which BAR1's tables use too
            GpuMemory mem = gpu.memory();
            return new GpuVmSpaces(dev.slot(), mem.mmu(), vram, mem.pramin(), mem.tlb());
        } catch (DriverException e) {
            LOG.warn("{}: no GPU VA spaces: {}", dev.slot(), e.getMessage());
            return null;
        }
    }

    /**
     * Maps BAR1 for the device's binding and returns its memory: VRAM offsets [0, BAR1 size)
     * (BAR1 is assumed to map VRAM 1:1 from offset 0: nova-core sets up no BAR1 page tables).
     *
     * @return the aperture, or {@link MemorySegment#NULL} when BAR1 cannot be mapped or is not
     *     plain memory (GEM mmap then fails with ENXIO; nothing else depends on it)
     */
    private static MemorySegment mapAperture(PciDevice dev) {
        try {
            Devres<Bar> bar1 = dev.iomapRegion(1, NAME + "/bar1");
            try (var g = bar1.access()) {
                Optional<MemorySegment> m = g.get().memory();
                if (m.isEmpty()) {
                    LOG.info("{}: BAR1 is not plain memory; GEM objects cannot be mmapped", dev.slot());
                }
                return m.orElse(MemorySegment.NULL);
            }
        } catch (DriverException e) {
            LOG.warn("{}: no VRAM aperture (BAR1): {}", dev.slot(), e.getMessage());
            return MemorySegment.NULL;
        }
    }

    @Override
    public void unbind(PciDevice dev, Gpu gpu) {
        gpus.remove(PciAddress.parse(dev.slot()));
        gpu.unbind();
    }

    @Override
    public boolean supportsSriov() {
        return true;
    }

    /**
     * sriov_configure: enables {@code numVfs} VFs only when the firmware reports vGPU support;
     * 0 disables them (their drivers unbind first).
     *
     * @throws DriverException EOPNOTSUPP when the GPU's firmware has no vGPU support, ENODEV if
     *     the GPU is not bound
     */
    @Override
    public int sriovConfigure(PciDevice pf, int numVfs) {
        Bound b = gpus.get(PciAddress.parse(pf.slot()));
        return sriovConfigure(b == null ? null : b.gpu(), pf, numVfs);
    }

    /** sriov_configure for a bound GPU ({@code gpu} null: none bound). */
    static int sriovConfigure(Gpu gpu, PciDevice pf, int numVfs) {
        if (numVfs == 0) {
            pf.disableSriov();
            return 0;
        }
        if (gpu == null) {
            throw new DriverException(Errno.ENODEV, pf.slot() + ": no GPU bound to " + NAME);
        }
        if (!gpu.vgpuSupported()) {
            throw new DriverException(Errno.EOPNOTSUPP, pf.slot() + ": the GSP firmware "
                    + gpu.info().firmwareVersion() + " reports no vGPU support: SR-IOV VFs stay disabled");
        }
        pf.enableSriov(numVfs);
        return numVfs;
    }

    @Override
    public boolean vgpuSupported(String device) {
        return find(device).map(Gpu::vgpuSupported).orElse(false);
    }

    @Override
    public List<GpuInfo> gpus() {
        return gpus.values().stream().map(b -> b.gpu().info()).sorted(Comparator.comparing(GpuInfo::device)).toList();
    }

    @Override
    public Optional<GpuInfo> gpu(String device) {
        return bound(device).map(b -> b.gpu().info());
    }

    @Override
    public Optional<Bar1Space> bar1(String device) {
        return bound(device).map(Bound::bar1);
    }

    @Override
    public Optional<NovaChannels> channels(String device) {
        return bound(device).map(b -> b.gpu().channelsOrNull());
    }

    /** @return the GPU bound at {@code device} ("0000:00:05.0" or "00:05.0"); empty for anything else */
    private Optional<Bound> bound(String device) {
        PciAddress a;
        try {
            a = PciAddress.parse(device);
        } catch (RuntimeException e) { // not a PCI address (PciAddress.parse's EINVAL): no GPU there
            return Optional.empty();
        }
        return Optional.ofNullable(gpus.get(a));
    }

    private Optional<Gpu> find(String device) {
        return bound(device).map(Bound::gpu);
    }

    @Override
    public GspChannel open(String device, String client) {
        return find(device).orElseThrow(() -> new DriverException(Errno.ENODEV, "no GPU bound to NovaCore at "
                + device)).open(client);
    }

    @Override
    public VgpuControl openVgpu(String device, String client) {
        Bound b = bound(device).orElseThrow(() -> new DriverException(Errno.ENODEV, "no GPU bound to NovaCore at "
                + device));
        return b.gpu().openVgpu(client, b.vram());
    }

    @Override
    public Optional<GspStatus> status(String device) {
        return find(device).map(Gpu::gspStatus);
    }

    @Override
    public List<GspStatus> statuses() {
        return gpus().stream().map(g -> find(g.device())).flatMap(Optional::stream).map(Gpu::gspStatus).toList();
    }

    @Override
    public List<RpcStats> stats(String device) {
        return find(device).map(Gpu::stats).orElse(List.of());
    }

    @Override
    public String log(String device) {
        return find(device).map(Gpu::gspLog).orElse("");
    }

    @Override
    public String log(String device, GspLogBuffer buffer) {
        return find(device).flatMap(g -> g.gspLogBytes(buffer.name()))
                .map(b -> b.length == 0 ? "" : LibosLogDecoder.decode(buffer.name(), b,
                        LibosLogDecoder.Metadata.NONE).format())
                .orElse("");
    }

    @Override
    public byte[] logBytes(String device, GspLogBuffer buffer) {
        return find(device).flatMap(g -> g.gspLogBytes(buffer.name())).filter(b -> b.length > 0)
                .orElseThrow(() -> new DriverException(Errno.ENODEV, "no GPU with a running GSP bound to NovaCore at "
                        + device));
    }

    @Override
    public List<FbRegion> fbRegions(String device) {
        return find(device).map(Gpu::fbRegions).map(FbRegions::regions).orElse(List.of());
    }
}
