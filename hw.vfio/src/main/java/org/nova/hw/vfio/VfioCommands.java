package org.nova.hw.vfio;

import org.nova.hw.pci.PciRegs;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The {@code vfio} shell scope: diagnosis of the VFIO backend (what is open), configuration
 * through ConfigurationAdmin, kernel-side unbind/bind (which exercises the request interrupt),
 * and self-checks and a micro-benchmark that drive QEMU's edu and pci-testdev devices through the
 * backend SPI. The self-checks print one {@code CHECK <name> PASS|FAIL <detail>} line per check
 * and never throw for a failed check, so a test harness sees every result.
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
        "osgi.command.function=edu",
        "osgi.command.function=testdev",
        "osgi.command.function=bench",
        "osgi.command.function=await" })
public final class VfioCommands {
    /** How long enable/disable wait for the backend to follow the configuration. */
    private static final long CONFIG_WAIT_MS = 15_000;

    private final org.osgi.framework.BundleContext context;

    @org.osgi.service.component.annotations.Activate
    public VfioCommands(org.osgi.framework.BundleContext context) {
        this.context = context;
    }

    /** A PCI address as vfio:await takes it: [dddd:]bb:dd.f. */
    private static final java.util.regex.Pattern AWAIT_DEVICE =
            java.util.regex.Pattern.compile("(\\p{XDigit}{4}:)?\\p{XDigit}{2}:\\p{XDigit}{2}\\.[0-7]");
    /** How long the service registry must stay still after a device appeared. */
    private static final long AWAIT_QUIET_MS = 300;

    /**
     * vfio:await SCOPE:FUNCTION [SECONDS] — waits until a shell command is registered (a slow
     * machine, such as a TCG guest, may run a script before every bundle's commands are up).
     * vfio:await DEVICE [SECONDS] — waits until a host bridge of any backend (VFIO, simulator,
     * host) has the function DEVICE (dddd:bb:dd.f) and the service registry has been still for
     * a moment; devices that arrive through ConfigurationAdmin come asynchronously, so a script
     * runs this, then drv:settle (which waits for the probes) before using the device.
     */
    public String await(String what, int... seconds) throws InterruptedException, org.osgi.framework.InvalidSyntaxException {
        long limit = (seconds.length > 0 ? seconds[0] : 120) * 1000L;
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
            Thread.sleep(50);
        }
        return "await: " + what + " available after " + (System.currentTimeMillis() - t0) + " ms";
    }

    private String awaitDevice(PciAddress a, long limit, long t0) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLong lastEvent = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        org.osgi.framework.ServiceListener l = e -> lastEvent.set(System.nanoTime());
        context.addServiceListener(l);
        try {
            String where = null;
            while (where == null) {
                where = bridgeWith(a);
                if (where == null) {
                    if (System.currentTimeMillis() - t0 > limit) {
                        throw new HwException(HwException.ENODEV, "no host bridge has " + a + " after " + limit + " ms");
                    }
                    Thread.sleep(50);
                }
            }
            while (System.nanoTime() - lastEvent.get() < AWAIT_QUIET_MS * 1_000_000L
                    && System.currentTimeMillis() - t0 <= limit) {
                Thread.sleep(50);
            }
            return "await: " + a + " present in bridge " + where + " after " + (System.currentTimeMillis() - t0) + " ms";
        } finally {
            context.removeServiceListener(l);
        }
    }

    /** @return "name (backend)" of a registered host bridge that has the function, or null */
    private String bridgeWith(PciAddress a) {
        try {
            var refs = context.getServiceReferences(org.nova.hw.HostBridge.class, null);
            for (var ref : refs) {
                org.nova.hw.HostBridge b = context.getService(ref);
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
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    private final List<VfioBackend> backends = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    // ---- status ----------------------------------------------------------------------------------

    /** vfio:status [LABEL] — every open container, group and device fd, mapping, IRQ set and DMA map, and the fd census. */
    public String status(String... label) {
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
                            .append(java.util.Arrays.toString(s.fds())).append(", delivered ").append(s.delivered()).append('\n');
                }
                for (VfioDmaBuffer d : f.buffers()) {
                    sb.append("    buffer ").append(d).append('\n');
                }
            }
        }
        int[] census = fdCensus();
        sb.append(String.format("open" + tag + ": bridges=%d containers=%d groups=%d devices=%d mappings=%d dmamaps=%d irqfds=%d%n",
                bridges, containers, groups, devices, mappings, dmaMaps, irqFds));
        sb.append(String.format("proc-fds" + tag + ": vfio=%d vfio-device=%d eventfd=%d", census[0], census[2], census[1]));
        return sb.toString();
    }

    /** @return {fds of /dev/vfio/* (containers, groups), eventfds, VFIO device fds} of this process */
    static int[] fdCensus() {
        int vfio = 0;
        int efd = 0;
        int dev = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String t = Files.readSymbolicLink(p).toString();
                    if (t.startsWith("/dev/vfio/")) {
                        vfio++;
                    } else if (t.equals("anon_inode:[eventfd]")) {
                        efd++;
                    } else if (t.equals("anon_inode:[vfio-device]")) {
                        dev++;
                    }
                } catch (IOException e) {
                    // the fd closed while listing (e.g. the directory stream's own)
                }
            }
        } catch (IOException e) {
            return new int[] {-1, -1, -1};
        }
        return new int[] {vfio, efd, dev};
    }

    /** vfio:devices — the functions of every VFIO bridge, as {@code lspci -n} prints them. */
    public String devices() {
        StringBuilder sb = new StringBuilder();
        for (VfioFunction f : functions()) {
            sb.append(lspciLine(f)).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    static String lspciLine(VfioFunction f) {
        PciAddress a = f.address();
        int vendor = f.readConfig(PciRegs.PCI_VENDOR_ID, 2);
        int device = f.readConfig(PciRegs.PCI_DEVICE_ID, 2);
        int cls = f.readConfig(PciRegs.PCI_CLASS_DEVICE, 2);
        int rev = f.readConfig(PciRegs.PCI_REVISION_ID, 1);
        int progIf = f.readConfig(PciRegs.PCI_CLASS_PROG, 1);
        String addr = a.domain() == 0 ? String.format("%02x:%02x.%x", a.bus(), a.device(), a.function()) : a.toString();
        return String.format("%s %04x: %04x:%04x%s%s", addr, cls, vendor, device,
                rev != 0 ? String.format(" (rev %02x)", rev) : "", progIf != 0 ? String.format(" (prog-if %02x)", progIf) : "");
    }

    /** vfio:cfg BDF OFFSET [WIDTH] — reads config space. */
    public String cfg(String bdf, String offset, int... width) {
        VfioFunction f = function(bdf);
        int off = Integer.decode(offset);
        int w = width.length > 0 ? width[0] : 4;
        return String.format("0x%0" + (2 * w) + "x", f.readConfig(off, w));
    }

    // ---- configuration ---------------------------------------------------------------------------

    /** vfio:enable [BDF...] — sets the configuration enabled=true (devices: the arguments) and waits for the bridge. */
    public String enable(String... devices) throws IOException, InterruptedException {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("enabled", Boolean.TRUE);
        props.put("devices", devices);
        return configure(props, true);
    }

    /** vfio:disable — sets the configuration enabled=false and waits until no VFIO bridge is left. */
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
            Thread.sleep(50);
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
    public String unbind(String bdf) throws InterruptedException {
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
        t.join(30_000);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (done.get() != 1) {
            throw new HwException(HwException.EIO, a + ": kernel unbind " + (t.isAlive() ? "still blocked after " + ms
                    + " ms (the device was not released)" : "failed"));
        }
        String driver = SysfsPci.linkName(sysfs.deviceDir(a).resolve("driver"));
        return "vfio: " + a + " unbound from vfio-pci by the kernel in " + ms + " ms; driver now "
                + (driver == null ? "none" : driver);
    }

    /** vfio:bind BDF — binds the function to vfio-pci in the kernel, then rescans every VFIO bridge. */
    public String bind(String bdf) throws IOException {
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
        for (int i = 0; i < Math.min(6, st.length); i++) {
            sb.append(" at ").append(st[i]);
        }
        return sb.toString();
    }

    /** vfio:rescan — opens newly bound functions and announces them. */
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

    // ---- self-checks -----------------------------------------------------------------------------

    private static final class Checks {
        private final StringBuilder out = new StringBuilder();
        private int failed;

        void check(String name, boolean ok, String detail) {
            if (!ok) {
                failed++;
            }
            out.append("CHECK ").append(name).append(ok ? " PASS " : " FAIL ").append(detail).append('\n');
        }

        void info(String line) {
            out.append(line).append('\n');
        }

        String result(String what) {
            out.append("CHECKS ").append(what).append(failed == 0 ? " PASS" : " FAIL " + failed);
            return out.toString();
        }
    }

    // QEMU edu (docs/specs/edu.rst): BAR0 registers.
    private static final int EDU_IDENT = 0x00;
    private static final int EDU_LIVENESS = 0x04;
    private static final int EDU_FACTORIAL = 0x08;
    private static final int EDU_STATUS = 0x20;
    private static final int EDU_STATUS_COMPUTING = 0x01;
    private static final int EDU_STATUS_IRQ_ON_FACT = 0x80;
    private static final int EDU_IRQ_STATUS = 0x24;
    private static final int EDU_IRQ_RAISE = 0x60;
    private static final int EDU_IRQ_ACK = 0x64;
    private static final int EDU_DMA_SRC = 0x80;
    private static final int EDU_DMA_DST = 0x88;
    private static final int EDU_DMA_COUNT = 0x90;
    private static final int EDU_DMA_CMD = 0x98;
    private static final int EDU_DMA_START = 0x1;
    private static final int EDU_DMA_TO_RAM = 0x2;
    private static final int EDU_DMA_IRQ = 0x4;
    private static final int EDU_IRQ_DMA = 0x100;
    private static final long EDU_BUFFER = 0x40000;
    /** QEMU 7.2's edu refuses a 4096-byte transfer (off-by-one range check); 2048 works. */
    private static final int EDU_DMA_LEN = 2048;

    /**
     * vfio:edu BDF — a backend self-check with QEMU's edu device: identification, liveness,
     * factorial with the MSI completion interrupt, DMA round trip, a device write into a buffer
     * mapped device-read-only and to an unmapped IOVA (both blocked by the IOMMU: the guest logs DMAR
     * faults), INTx, and that closing releases every fd. (Stand-in until the samples bundle's edu
     * driver runs here; the driver-level checks belong to it.)
     */
    public String edu(String bdf) throws InterruptedException {
        Checks c = new Checks();
        VfioFunction f = function(bdf);
        int[] before = fdCensus();
        int mappingsBefore = f.mappings().size();
        int cmd = f.readConfig(PciRegs.PCI_COMMAND, 2);
        f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER);
        try (Mmio bar = f.map(0)) {
            c.check("edu.mmap", bar.segment().isPresent(), "BAR0 " + bar.size() + " bytes, " + bar);
            int ident = bar.read32(EDU_IDENT);
            c.check("edu.ident", (ident & 0xff) == 0xed, String.format("0x%08x", ident));
            bar.write32(EDU_LIVENESS, 0x12345678);
            int live = bar.read32(EDU_LIVENESS);
            c.check("edu.liveness", live == ~0x12345678, String.format("0x%08x", live));

            CountDownLatch fact = new CountDownLatch(1);
            AtomicInteger lastStatus = new AtomicInteger();
            int[] dmaDone = new int[1];
            CountDownLatch[] dmaLatch = {new CountDownLatch(1)};
            c.check("edu.msi.count", f.irqCount(IrqType.MSI) >= 1, "MSI vectors " + f.irqCount(IrqType.MSI));
            try (IrqSet msi = f.enableIrqs(IrqType.MSI, 1, v -> {
                int st = bar.read32(EDU_IRQ_STATUS);
                lastStatus.set(st);
                bar.write32(EDU_IRQ_ACK, st);
                if ((st & EDU_IRQ_DMA) != 0) {
                    dmaDone[0]++;
                    dmaLatch[0].countDown();
                } else {
                    fact.countDown();
                }
            })) {
                bar.write32(EDU_STATUS, EDU_STATUS_IRQ_ON_FACT);
                bar.write32(EDU_FACTORIAL, 10);
                boolean irq = fact.await(5, TimeUnit.SECONDS);
                int result = bar.read32(EDU_FACTORIAL);
                c.check("edu.factorial.msi", irq && result == 3628800,
                        "10! = " + Integer.toUnsignedString(result) + ", MSI " + (irq ? "received" : "missing")
                                + String.format(" (irq status 0x%x)", lastStatus.get()));
                bar.write32(EDU_STATUS, 0);

                try (DmaBuffer buf = f.allocateDma(2 * EDU_DMA_LEN, EnumSet.allOf(DmaDirection.class))) {
                    MemorySegment mem = buf.memory();
                    for (int i = 0; i < EDU_DMA_LEN; i += 4) {
                        mem.set(VfioDeviceFd.LE_INT, i, 0xC0DE0000 | i);
                    }
                    dma(bar, buf.iova(), EDU_BUFFER, false, false);
                    dmaLatch[0] = new CountDownLatch(1);
                    dma(bar, EDU_BUFFER, buf.iova() + EDU_DMA_LEN, true, true);
                    boolean got = dmaLatch[0].await(5, TimeUnit.SECONDS);
                    long mismatch = mem.asSlice(0, EDU_DMA_LEN).mismatch(mem.asSlice(EDU_DMA_LEN, EDU_DMA_LEN));
                    c.check("edu.dma.roundtrip", got && mismatch == -1, "iova 0x" + Long.toHexString(buf.iova())
                            + ", " + EDU_DMA_LEN + " bytes RAM->device->RAM, MSI " + (got ? "received" : "missing")
                            + ", mismatch at " + mismatch);
                }
                try (DmaBuffer ro = f.allocateDma(EDU_DMA_LEN, EnumSet.of(DmaDirection.TO_DEVICE))) {
                    dma(bar, EDU_BUFFER, ro.iova(), true, false);
                    long nonZero = ro.memory().mismatch(MemorySegment.ofArray(new byte[EDU_DMA_LEN]));
                    c.check("edu.dma.readonly.blocked", nonZero == -1, "device write to read-only iova 0x"
                            + Long.toHexString(ro.iova()) + (nonZero == -1 ? " left the buffer zero" : " changed byte " + nonZero));
                }
                long unmapped;
                try (DmaBuffer gone = f.allocateDma(EDU_DMA_LEN, EnumSet.allOf(DmaDirection.class))) {
                    unmapped = gone.iova() + 0x10_0000L; // never mapped: 1 MiB above a live buffer
                }
                dma(bar, EDU_BUFFER, unmapped, true, false);
                c.check("edu.dma.unmapped.blocked", f.isPresent() && (bar.read32(EDU_IDENT) & 0xff) == 0xed,
                        "device write to unmapped iova 0x" + Long.toHexString(unmapped) + " completed without"
                                + " reaching host memory (see the DMAR fault in dmesg)");
            }
            c.check("edu.msi.closed", f.irqSet() == null, "MSI set closed");

            CountDownLatch intx = new CountDownLatch(1);
            if (f.irqCount(IrqType.INTX) > 0) {
                try (IrqSet s = f.enableIrqs(IrqType.INTX, 1, v -> {
                    bar.write32(EDU_IRQ_ACK, bar.read32(EDU_IRQ_STATUS));
                    intx.countDown();
                })) {
                    bar.write32(EDU_IRQ_RAISE, 0x2);
                    boolean got = intx.await(5, TimeUnit.SECONDS);
                    c.check("edu.intx", got, "INTx " + (got ? "received and unmasked" : "missing"));
                }
            }
            try {
                f.reset();
                c.info("INFO edu.reset done");
            } catch (HwException e) {
                c.info("INFO edu.reset " + e.getMessage());
            }
        }
        f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd);
        int[] after = fdCensus();
        c.check("edu.fds.released", after[0] == before[0] && after[1] == before[1] && after[2] == before[2] && f.mappings().size() == mappingsBefore
                && f.buffers().isEmpty() && f.group().maps().isEmpty(), String.format("vfio fds %d->%d, eventfds %d->%d,"
                + " mappings %d, dma maps %d", before[0], after[0], before[1], after[1], f.mappings().size(), f.group().maps().size()));
        return c.result("edu " + f.address());
    }

    private static void dma(Mmio bar, long src, long dst, boolean toRam, boolean irq) throws InterruptedException {
        bar.write64(EDU_DMA_SRC, src);
        bar.write64(EDU_DMA_DST, dst);
        bar.write64(EDU_DMA_COUNT, EDU_DMA_LEN);
        bar.write64(EDU_DMA_CMD, EDU_DMA_START | (toRam ? EDU_DMA_TO_RAM : 0) | (irq ? EDU_DMA_IRQ : 0));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((bar.read32(EDU_DMA_CMD) & EDU_DMA_START) != 0) {
            if (System.nanoTime() > deadline) {
                throw new HwException(HwException.EIO, "edu DMA did not complete within 5 s");
            }
            Thread.sleep(1);
        }
    }

    // QEMU pci-testdev (hw/misc/pci-testdev.c): struct PCITestDevHdr at the start of each BAR.
    private static final int TESTDEV_TEST = 0x0;
    private static final int TESTDEV_WIDTH = 0x1;
    private static final int TESTDEV_OFFSET = 0x4;
    private static final int TESTDEV_DATA = 0x8;
    private static final int TESTDEV_COUNT = 0xc;
    private static final int TESTDEV_NAME = 0x10;
    private static final int TESTDEV_TESTS = 3;
    /** The test rust_driver_pci runs (TestIndex::NO_EVENTFD): the write is counted by the device model. */
    private static final int TESTDEV_NO_EVENTFD = 0;

    /**
     * vfio:testdev BDF — a backend self-check with QEMU's pci-testdev, the protocol of the kernel's
     * rust_driver_pci sample: select a test, read its offset and data, write the data there, and the
     * test's count grows by one; on BAR0 (memory, mmap) and BAR1 (I/O ports, pread/pwrite).
     */
    public String testdev(String bdf) {
        Checks c = new Checks();
        VfioFunction f = function(bdf);
        int mappingsBefore = f.mappings().size();
        int cmd = f.readConfig(PciRegs.PCI_COMMAND, 2);
        f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd | PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_IO);
        c.check("testdev.ident", f.readConfig(0, 2) == 0x1b36 && f.readConfig(2, 2) == 0x0005,
                String.format("%04x:%04x", f.readConfig(0, 2), f.readConfig(2, 2)));
        for (int barIndex = 0; barIndex <= 1; barIndex++) {
            try (Mmio bar = f.map(barIndex)) {
                String kind = bar.segment().isPresent() ? "mmap" : "pread/pwrite";
                for (int t = 0; t < TESTDEV_TESTS; t++) {
                    bar.write8(TESTDEV_TEST, t);
                    StringBuilder name = new StringBuilder();
                    for (int i = TESTDEV_NAME; i < bar.size(); i++) {
                        int ch = bar.read8(i);
                        if (ch == 0) {
                            break;
                        }
                        name.append((char) ch);
                    }
                    int width = bar.read8(TESTDEV_WIDTH);
                    int offset = bar.read32(TESTDEV_OFFSET);
                    int data = bar.read32(TESTDEV_DATA);
                    int before = bar.read32(TESTDEV_COUNT);
                    switch (width) {
                        case 1 -> bar.write8(offset, data);
                        case 2 -> bar.write16(offset, data);
                        default -> bar.write32(offset, data);
                    }
                    int after = bar.read32(TESTDEV_COUNT);
                    String detail = String.format("%s, width %d, offset 0x%x, data 0x%x, count %d -> %d", kind, width,
                            offset, data, before, after);
                    if (t == TESTDEV_NO_EVENTFD) {
                        c.check("testdev.bar" + barIndex + "." + name, after == before + 1, detail);
                    } else {
                        // the eventfd tests count only through KVM ioeventfds, which TCG does not use
                        c.info("INFO testdev.bar" + barIndex + "." + name + " " + detail);
                    }
                }
            }
        }
        f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd);
        c.check("testdev.released", f.mappings().size() == mappingsBefore, "mappings " + mappingsBefore + " -> "
                + f.mappings().size());
        return c.result("testdev " + f.address());
    }

    // ---- benchmark -------------------------------------------------------------------------------

    /**
     * vfio:bench BDF [BAR] [OFFSET] [MILLIS] — read32 of one register through the mmap'd BAR (the
     * segment directly, and Mmio.read32 with its checks) against pread on the same register.
     * A plain harness (warm-up, then 5 timed rounds, median reported), not JMH.
     */
    public String bench(String bdf, int... args) {
        VfioFunction f = function(bdf);
        int barIndex = args.length > 0 ? args[0] : 0;
        long offset = args.length > 1 ? args[1] : 0;
        long millis = args.length > 2 ? args[2] : 1500;
        int cmd = f.readConfig(PciRegs.PCI_COMMAND, 2);
        f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd | PciRegs.PCI_COMMAND_MEMORY);
        StringBuilder sb = new StringBuilder();
        try (Mmio mapped = f.map(barIndex); Mmio rw = f.mapWithoutMmap(barIndex)) {
            MemorySegment seg = mapped.segment().orElseThrow(() -> new HwException(HwException.EINVAL,
                    "region " + barIndex + " is not mmap-able"));
            double segment = measure(millis, () -> seg.get(VfioDeviceFd.LE_INT, offset));
            double checked = measure(millis, () -> mapped.read32(offset));
            double pread = measure(millis, () -> rw.read32(offset));
            sb.append(String.format("BENCH mmio.segment.read32 %.1f ns/op%n", segment));
            sb.append(String.format("BENCH mmio.read32 %.1f ns/op%n", checked));
            sb.append(String.format("BENCH pread.read32 %.1f ns/op%n", pread));
            sb.append(String.format("BENCH ratio pread/mmio.read32 %.1f, pread/segment %.1f", pread / checked, pread / segment));
        } finally {
            f.writeConfig(PciRegs.PCI_COMMAND, 2, cmd);
        }
        return sb.toString();
    }

    private static volatile int sink;

    private static double measure(long millis, java.util.function.IntSupplier op) {
        long warm = System.nanoTime() + millis * 1_000_000L / 2;
        int acc = 0;
        while (System.nanoTime() < warm) {
            for (int i = 0; i < 256; i++) {
                acc += op.getAsInt();
            }
        }
        double[] rounds = new double[5];
        for (int r = 0; r < rounds.length; r++) {
            long n = 0;
            long t0 = System.nanoTime();
            long end = t0 + millis * 1_000_000L / (2 * rounds.length);
            long now;
            do {
                for (int i = 0; i < 256; i++) {
                    acc += op.getAsInt();
                }
                n += 256;
                now = System.nanoTime();
            } while (now < end);
            rounds[r] = (double) (now - t0) / n;
        }
        sink = acc;
        java.util.Arrays.sort(rounds);
        return rounds[rounds.length / 2];
    }

    private ConfigurationAdmin requireConfigAdmin() {
        ConfigurationAdmin ca = configAdmin;
        if (ca == null) {
            throw new HwException(HwException.ENODEV, "no ConfigurationAdmin service");
        }
        return ca;
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
