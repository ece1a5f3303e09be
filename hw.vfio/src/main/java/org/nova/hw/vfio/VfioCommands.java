package org.nova.hw.vfio;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.shell.Usage;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code vfio} shell scope: the VFIO backend's state (what is open, against what the process
 * really holds), its configuration through ConfigurationAdmin, the host kernel's side of a
 * function (unbind from vfio-pci, which exercises the request interrupt; bind and rescan), and
 * waiting for commands and devices to appear. What a device does is its driver's business: the
 * sample drivers check edu and pci-testdev ({@code samples:edu}, {@code samples:testdev}), the MMIO
 * benchmark is benchmarks' VfioMmioBench. Arguments no overload takes get EINVAL with the usage
 * line.
 */
@Component(service = VfioCommands.class, property = {
        "osgi.command.scope=vfio",
        "osgi.command.function=status",
        "osgi.command.function=devices",
        "osgi.command.function=enable",
        "osgi.command.function=disable",
        "osgi.command.function=unbind",
        "osgi.command.function=bind",
        "osgi.command.function=rescan",
        "osgi.command.function=cfg",
        "osgi.command.function=await" })
public final class VfioCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "vfio";
    /** Parameter descriptor of a function's address. */
    private static final String BDF = "PCI: the function's address, [dddd:]bb:dd.f";
    /** How long enable/disable wait for the backend to follow the configuration. */
    private static final long CONFIG_WAIT_MS = 15_000;
    /** How long await waits when the script gives no time. */
    private static final int AWAIT_DEFAULT_S = 120;
    /** How long the service registry must stay still after a device appeared. */
    private static final long AWAIT_QUIET_MS = 300;
    /** How often the waiting commands look again. */
    private static final long POLL_MS = 50;
    /** How long unbind waits for the kernel to take the device back. */
    private static final long KERNEL_UNBIND_WAIT_MS = 30_000;
    /** Stack frames {@link #trace} shows. */
    private static final int TRACE_FRAMES = 6;
    /** A PCI address as vfio:await takes it: [dddd:]bb:dd.f. */
    private static final Pattern AWAIT_DEVICE = Pattern.compile("(\\p{XDigit}{4}:)?\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7]");

    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<VfioBackend> backends = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public VfioCommands(BundleContext context) {
        this.context = context;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws HwException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new HwException(HwException.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    // ---- waiting -----------------------------------------------------------------------------------

    /**
     * vfio:await SCOPE:FUNCTION [SECONDS] — waits until a shell command is registered (a slow
     * machine, such as a TCG guest, may run a script before every bundle's commands are up).
     * vfio:await DEVICE [SECONDS] — waits until a host bridge of any backend (VFIO, simulator,
     * host) has the function DEVICE (dddd:bb:dd.f) and the service registry has been still for
     * a moment; devices that arrive through ConfigurationAdmin come asynchronously, so a script
     * runs this, then drv:settle (which waits for the probes) before using the device.
     */
    @Descriptor("wait until a shell command is registered, or until a host bridge has a function")
    public String await(@Descriptor("COMMAND|PCI: a command (scope:function) or a function's address") String what,
            @Descriptor("SECONDS: how long to wait at most (default 120)") int... seconds)
            throws InterruptedException, InvalidSyntaxException {
        long limit = TimeUnit.SECONDS.toMillis(seconds.length > 0 ? seconds[0] : AWAIT_DEFAULT_S);
        long t0 = System.currentTimeMillis();
        if (AWAIT_DEVICE.matcher(what).matches()) {
            return awaitDevice(PciAddress.parse(what), limit, t0);
        }
        int colon = what.indexOf(':');
        String filter = colon < 0 ? "(osgi.command.function=" + what + ")"
                : "(&(osgi.command.scope=" + what.substring(0, colon) + ")(osgi.command.function="
                + what.substring(colon + 1) + "))";
        while (context.getServiceReferences((String) null, filter) == null) {
            if (System.currentTimeMillis() - t0 > limit) {
                throw new HwException(HwException.ENOENT, "command " + what + " not registered within " + limit + " ms");
            }
            Thread.sleep(POLL_MS);
        }
        return "await: " + what + " available after " + (System.currentTimeMillis() - t0) + " ms";
    }

    private String awaitDevice(PciAddress a, long limit, long t0) throws InterruptedException {
        AtomicLong lastEvent = new AtomicLong(System.nanoTime());
        ServiceListener l = e -> lastEvent.set(System.nanoTime());
        context.addServiceListener(l);
        try {
            String where = null;
            while (where == null) {
                where = bridgeWith(a);
                if (where == null) {
                    if (System.currentTimeMillis() - t0 > limit) {
                        throw new HwException(HwException.ENODEV, "no host bridge has " + a + " after " + limit + " ms");
                    }
                    Thread.sleep(POLL_MS);
                }
            }
            while (System.nanoTime() - lastEvent.get() < TimeUnit.MILLISECONDS.toNanos(AWAIT_QUIET_MS)
                    && System.currentTimeMillis() - t0 <= limit) {
                Thread.sleep(POLL_MS);
            }
            return "await: " + a + " present in bridge " + where + " after " + (System.currentTimeMillis() - t0) + " ms";
        } finally {
            context.removeServiceListener(l);
        }
    }

    /** @return "name (backend)" of a registered host bridge that has the function, or null */
    private String bridgeWith(PciAddress a) {
        try {
            for (ServiceReference<HostBridge> ref : context.getServiceReferences(HostBridge.class, null)) {
                HostBridge b = context.getService(ref);
                if (b == null) {
                    continue;
                }
                try {
                    if (b.function(a).isPresent()) {
                        return b.name() + " (" + b.backend() + ")";
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    // ---- status ----------------------------------------------------------------------------------

    /**
     * vfio:status [LABEL] — every open container, group and device fd, mapping, IRQ set and DMA
     * map, then three lines a script can parse: {@code open[LABEL]:} what the backend holds by its own
     * count, {@code proc-fds[LABEL]:} what the process holds by the kernel's ({@link FdCensus}),
     * {@code host-irqs[LABEL]:} the IRQs vfio-pci holds for it in /proc/interrupts ({@link ProcInterrupts}).
     */
    @Descriptor("show the VFIO backend's open containers, groups, devices, mappings and IRQs against the process's fds")
    public String status(@Descriptor("LABEL: a tag for the three summary lines, for scripts") String... label) {
        String tag = label.length > 0 ? "[" + label[0] + "]" : "";
        StringBuilder sb = new StringBuilder();
        int containers = 0;
        int groups = 0;
        int devices = 0;
        int mappings = 0;
        int dmaMaps = 0;
        int irqFds = 0;
        int bridges = 0;
        for (VfioBackend be : backends) {
            VfioBridge b = be.bridge();
            sb.append("backend ").append(be.bridgeName()).append(": ")
                    .append(be.enabled() ? "enabled" : "disabled").append(" from ").append(be.source());
            if (!be.devices().isEmpty()) {
                sb.append(", devices ").append(be.devices());
            }
            if (be.failure() != null) {
                sb.append("\n  FAILED: ").append(be.failure());
            }
            sb.append('\n');
            if (b == null) {
                continue;
            }
            bridges++;
            sb.append("  bridge ").append(b.name()).append(" domain ").append(String.format("%04x", b.domain()))
                    .append(", interrupt poller wake eventfd ").append(b.poller().wakeFd())
                    .append(", ").append(b.poller().registered()).append(" eventfd(s) polled\n");
            irqFds++;
            for (VfioGroup g : b.groups()) {
                containers++;
                groups++;
                sb.append("  group ").append(g.number).append(" ").append(g.node).append(": container fd ")
                        .append(g.containerFd()).append(", group fd ").append(g.groupFd()).append(", IOMMU ")
                        .append(g.mode.label).append(", iova_pgsizes 0x").append(Long.toHexString(g.iovaPageSizes)).append('\n');
                for (VfioGroup.DmaMap d : g.maps()) {
                    dmaMaps++;
                    sb.append("    dma map iova 0x").append(Long.toHexString(d.iova())).append(" size 0x")
                            .append(Long.toHexString(d.size())).append(" vaddr 0x").append(Long.toHexString(d.vaddr()))
                            .append(" flags ").append(d.flags()).append('\n');
                }
            }
            for (VfioFunction f : b.vfioFunctions()) {
                devices++;
                sb.append("  device ").append(f.address()).append(" ").append(f.model()).append(": device fd ")
                        .append(f.deviceFd()).append(", request eventfd ").append(f.reqFd()).append('\n');
                List<String> caps = f.regionCaps();
                if (!caps.isEmpty()) {
                    sb.append("    region caps ").append(String.join("; ", caps)).append('\n');
                }
                if (f.reqFd() >= 0) {
                    irqFds++;
                }
                for (VfioMmio m : f.mappings()) {
                    mappings++;
                    sb.append("    mapping ").append(m).append('\n');
                }
                VfioIrqSet s = f.irqSet();
                if (s != null) {
                    irqFds += s.count();
                    sb.append("    irq ").append(s.type()).append(" x").append(s.count()).append(" eventfds ")
                            .append(Arrays.toString(s.fds())).append(", delivered ").append(s.delivered());
                    if (s.maskedCount() > 0) {
                        sb.append(", masked ").append(s.maskedCount());
                    }
                    sb.append('\n');
                }
                for (VfioDmaBuffer d : f.buffers()) {
                    sb.append("    buffer ").append(d).append('\n');
                }
                for (VfioDmaMapping d : f.sgMappings()) {
                    sb.append("    sg mapping ").append(d).append('\n');
                }
            }
        }
        FdCensus census = FdCensus.take();
        sb.append(String.format("open" + tag + ": bridges=%d containers=%d groups=%d devices=%d mappings=%d dmamaps=%d irqfds=%d%n",
                bridges, containers, groups, devices, mappings, dmaMaps, irqFds));
        sb.append(String.format("proc-fds" + tag + ": vfio=%d vfio-device=%d eventfd=%d%n", census.vfio(), census.vfioDevice(),
                census.eventfd()));
        ProcInterrupts irqs = ProcInterrupts.take();
        sb.append(String.format("host-irqs" + tag + ": vfio-intx=%d vfio-msi=%d vfio-msix=%d", irqs.intx(), irqs.msi(),
                irqs.msix()));
        return sb.toString();
    }

    /** vfio:devices — the functions of every VFIO bridge, as {@code lspci -n} prints them. */
    @Descriptor("list the functions of every VFIO bridge, as lspci -n prints them")
    public String devices() {
        StringBuilder sb = new StringBuilder();
        for (VfioFunction f : functions()) {
            sb.append(lspciLine(f)).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    static String lspciLine(VfioFunction f) {
        PciAddress a = f.address();
        int vendor = f.readConfig(PciRegs.PCI_VENDOR_ID, Short.BYTES);
        int device = f.readConfig(PciRegs.PCI_DEVICE_ID, Short.BYTES);
        int cls = f.readConfig(PciRegs.PCI_CLASS_DEVICE, Short.BYTES);
        int rev = f.readConfig(PciRegs.PCI_REVISION_ID, Byte.BYTES);
        int progIf = f.readConfig(PciRegs.PCI_CLASS_PROG, Byte.BYTES);
        String addr = a.domain() == 0 ? String.format("%02x:%02x.%x", a.bus(), a.device(), a.function()) : a.toString();
        return String.format("%s %04x: %04x:%04x%s%s", addr, cls, vendor, device,
                rev != 0 ? String.format(" (rev %02x)", rev) : "", progIf != 0 ? String.format(" (prog-if %02x)", progIf) : "");
    }

    /** vfio:cfg BDF OFFSET [WIDTH] — reads config space (WIDTH 1, 2 or 4 bytes, default 4). */
    @Descriptor("read a VFIO function's config space")
    public String cfg(@Descriptor(BDF) String bdf, @Descriptor("OFFSET: the register's offset, decimal or 0x hex") String offset,
            @Descriptor("WIDTH: 1, 2 or 4 bytes (default 4)") int... width) {
        VfioFunction f = function(bdf);
        int off;
        try {
            off = Integer.decode(offset);
        } catch (NumberFormatException e) {
            throw new HwException(HwException.EINVAL, "config offset '" + offset + "' is not a number");
        }
        int w = width.length > 0 ? width[0] : Integer.BYTES;
        return String.format("0x%0" + (2 * w) + "x", f.readConfig(off, w));
    }

    // ---- configuration ---------------------------------------------------------------------------

    /** vfio:enable [BDF...] — sets the configuration enabled=true (devices: the arguments) and waits for the bridge. */
    @Descriptor("enable the VFIO backend (configuration enabled=true) and wait for its bridge")
    public String enable(@Descriptor("PCI: the functions to open (default: every function bound to vfio-pci)")
            String... devices) throws IOException, InterruptedException {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("enabled", Boolean.TRUE);
        props.put("devices", devices);
        return configure(props, true);
    }

    /** vfio:disable — sets the configuration enabled=false and waits until no VFIO bridge is left. */
    @Descriptor("disable the VFIO backend (configuration enabled=false) and wait until its bridge is gone")
    public String disable() throws IOException, InterruptedException {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("enabled", Boolean.FALSE);
        return configure(props, false);
    }

    private String configure(Dictionary<String, Object> props, boolean wantBridge) throws IOException, InterruptedException {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            throw new HwException(HwException.ENODEV, "no ConfigurationAdmin service");
        }
        Configuration c = ca.getConfiguration(VfioBackend.PID, "?");
        Dictionary<String, Object> old = c.getProperties();
        if (old != null && old.get("bridge") != null) {
            props.put("bridge", old.get("bridge"));
        }
        c.update(props);
        long deadline = System.currentTimeMillis() + CONFIG_WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            boolean settled = false;
            for (VfioBackend be : backends) {
                if (be.source().startsWith("configuration") && be.enabled() == wantBridge
                        && (!wantBridge || be.bridge() != null || be.failure() != null)) {
                    settled = true;
                }
            }
            if (settled) {
                break;
            }
            Thread.sleep(POLL_MS);
        }
        for (VfioBackend be : backends) {
            if (wantBridge && be.failure() != null) {
                throw new HwException(HwException.EIO, "VFIO backend " + be.bridgeName() + ": " + be.failure());
            }
            if (be.enabled() == wantBridge && (!wantBridge || be.bridge() != null)) {
                VfioBridge b = be.bridge();
                return wantBridge ? "vfio: bridge " + b.name() + " up with " + b.functions().size() + " function(s)"
                        : "vfio: backend disabled, bridge " + be.bridgeName() + " removed";
            }
        }
        throw new HwException(HwException.EIO, "the VFIO backend did not follow the configuration within "
                + CONFIG_WAIT_MS + " ms");
    }

    // ---- kernel-side unbind / bind ---------------------------------------------------------------

    /**
     * vfio:unbind BDF — asks the kernel to unbind the function from vfio-pci. The kernel signals the
     * request interrupt and waits; the backend hot-unplugs the function and closes its fds, which
     * lets the kernel finish.
     */
    @Descriptor("ask the host kernel to unbind a function from vfio-pci (exercises the request interrupt)")
    public String unbind(@Descriptor(BDF) String bdf) throws InterruptedException {
        PciAddress a = PciAddress.parse(bdf);
        SysfsPci sysfs = SysfsPci.system();
        long t0 = System.nanoTime();
        AtomicInteger done = new AtomicInteger();
        Thread t = Thread.ofPlatform().daemon().name("vfio-unbind-" + a).start(() -> {
            try {
                sysfs.unbindFromDriver(a);
                done.set(1);
            } catch (IOException e) {
                done.set(-1);
            }
        });
        t.join(KERNEL_UNBIND_WAIT_MS);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (done.get() != 1) {
            throw new HwException(HwException.EIO, a + ": kernel unbind " + (t.isAlive() ? "still blocked after " + ms
                    + " ms (the device was not released)" : "failed"));
        }
        String driver = SysfsPci.linkName(sysfs.deviceDir(a).resolve("driver"));
        return "vfio: " + a + " unbound from vfio-pci by the kernel in " + ms + " ms; driver now "
                + (driver == null ? "none" : driver);
    }

    /** vfio:bind BDF — binds the function to vfio-pci in the kernel, then rescans every VFIO bridge. */
    @Descriptor("bind a function to vfio-pci in the host kernel, then rescan every VFIO bridge")
    public String bind(@Descriptor(BDF) String bdf) throws IOException {
        PciAddress a = PciAddress.parse(bdf);
        try {
            SysfsPci.system().bindToVfio(a);
            String added = rescan();
            if (functions().stream().noneMatch(f -> f.address().equals(a))) {
                throw new HwException(HwException.EIO, a + ": bound to vfio-pci but the rescan did not open it ("
                        + added + "; see the log)");
            }
            return "vfio: " + a + " bound to vfio-pci; " + added;
        } catch (HwException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            throw new HwException(HwException.EIO, a + ": bind failed: " + trace(e), e);
        }
    }

    /** @return the exception and where it was thrown, for a shell that prints only messages */
    static String trace(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(TRACE_FRAMES, st.length); i++) {
            sb.append(" at ").append(st[i]);
        }
        return sb.toString();
    }

    /** vfio:rescan — opens newly bound functions and announces them. */
    @Descriptor("open the functions newly bound to vfio-pci and announce them")
    public String rescan() {
        StringBuilder sb = new StringBuilder();
        for (VfioBackend be : backends) {
            VfioBridge b = be.bridge();
            if (b != null) {
                sb.append("vfio: bridge ").append(b.name()).append(" added ").append(b.rescan().stream()
                        .map(f -> f.address().toString()).toList()).append('\n');
            }
        }
        return sb.toString().stripTrailing();
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private List<VfioFunction> functions() {
        List<VfioFunction> out = new ArrayList<>();
        for (VfioBackend be : backends) {
            VfioBridge b = be.bridge();
            if (b != null) {
                out.addAll(b.vfioFunctions());
            }
        }
        return out;
    }

    private VfioFunction function(String bdf) {
        PciAddress a = PciAddress.parse(bdf);
        for (VfioFunction f : functions()) {
            if (f.address().equals(a)) {
                return f;
            }
        }
        throw new HwException(HwException.ENODEV, a + " is not open in any VFIO bridge");
    }
}
