package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.nova.hw.pci.PciClass;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuHal;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.vbios.Vbios;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A register-level NVIDIA GPU as nova-core sees it up to a started GSP, composed of the units the
 * hardware has and nova-core names:
 *
 * <ul>
 *   <li>BAR0 ({@link SimBar0}) decoding to PMC's boot registers ({@link SimPmc}), GFW's boot
 *       progress ({@link SimGfw}), the framebuffer registers with WPR2 and the VGA workspace
 *       ({@link SimFb}), the fuses ({@link SimFuse}), the GSP boot registers ({@link SimGspBoot})
 *       and the falcons GSP and SEC2 ({@link SimFalcon}), and the PROM window onto the VBIOS
 *       ({@link SimVbios}), which the expansion ROM BAR shows too;</li>
 *   <li>the ucodes a started falcon runs, as the secure ROM ({@link #run}) picks them: FWSEC-FRTS
 *       ({@link SimFwsec}), booter_load and booter_unload ({@link SimBooter}), SEC2-RTOS's core
 *       resume, each checked against the firmware the GPU trusts ({@link TrustedFirmware});</li>
 *   <li>GSP-RM ({@link SimGsp}) on the GSP's RISC-V core once the booter started it, serving the
 *       message queues in the driver's DMA memory, with its vGPU manager ({@link SimVgpuManager});</li>
 *   <li>VRAM ({@link SimVram}) and the BAR1 apertures onto it ({@link SimBar1}), for the PF and
 *       for the SR-IOV VFs of a vGPU-capable board; the PRAMIN window onto it ({@link SimPramin});
 *       the GPU MMU ({@link SimMmu}, its TLB {@link SimTlb}, its registers {@link SimMmuRegs})
 *       that BAR1 translates through once a driver binds an instance block;</li>
 *   <li>the GPU's interrupt ({@link SimIntr}).</li>
 * </ul>
 *
 * <p>The secure ROM never throws into the driver: a ucode it refuses ends its falcon run with an
 * error code in MAILBOX0 (as the boot ROM and the booter report failures on hardware) and the
 * reason is logged. The codes below are the simulator's own; NVIDIA's are not public. Hopper and
 * Blackwell chips boot through their FSP instead ({@link SimFsp}: the chain of trust, GSP-FMC,
 * then the same GSP-RM); their falcons run no ucode the driver loads.
 *
 * <p>Threading: the platform calls {@link #read}, {@link #write}, {@link #reset} with the
 * function's lock held; GFW boot progresses with time; GSP-RM's thread reaches host memory only
 * through {@link GpuHost} DMA and shares with register accesses only volatile fields.
 *
 * <p>Why one class: it is the board, the one object every unit of the model reaches the others
 * through (a falcon's reset flushing through the sysmem flush unit, the booter reading the WPR
 * metadata GSP-RM then serves, the MMU walking the VRAM BAR1 exposes). Each unit is a class of its
 * own (the Sim* classes of this package); what stays here is their wiring, the power-on order,
 * the PCI function's view (config space, BARs, reset) and the few facts the units share.
 */
public final class NvidiaGpu {
    private static final Logger LOG = LoggerFactory.getLogger(NvidiaGpu.class);

    /** BAR0: 16 MiB of registers (nova-core driver.rs BAR0_SIZE). */
    public static final long BAR0_SIZE = 16L << 20;
    /** BAR1: the VRAM aperture the simulator exposes ({@link SimBar1}), zero until written. */
    public static final long BAR1_SIZE = 256L << 20;
    /** Expansion ROM BAR size. */
    public static final long ROM_SIZE = 128L << 10;
    /** Memory bus width GSP-RM reports (fb_bus_width): TU102, GA102 and AD102 all have a 384-bit bus. */
    static final int FB_BUS_WIDTH = 384;
    /** L2 cache GSP-RM reports (l2_cache_size) for AD102: the full chip's 96 MiB (NVIDIA's Ada whitepaper). */
    private static final long L2_CACHE_AD102 = 96L << 20;
    /** L2 cache GSP-RM reports for TU102 and GA102: 6 MiB (NVIDIA's Turing and Ampere whitepapers). */
    private static final long L2_CACHE_TU102_GA102 = 6L << 20;

    /** MAILBOX0 of the boot ROM refusing a heavy-secure ucode (bad signature or image). */
    public static final int BROM_ERR_SIGNATURE = 0x0000_0bad;
    /** MAILBOX0 of FWSEC for a command it does not know or cannot execute. */
    public static final int FWSEC_ERR_COMMAND = 0x0000_0c0d;
    /** MAILBOX0 of the booter when the WPR metadata is wrong. */
    public static final int BOOTER_ERR_WPR_META = 0x0000_0e01;
    /** MAILBOX0 of the booter when WPR2 does not exist (FWSEC-FRTS did not run). */
    public static final int BOOTER_ERR_NO_WPR2 = 0x0000_0e02;
    /** MAILBOX0 of the booter when the GSP image in system memory is not the trusted one. */
    public static final int BOOTER_ERR_GSP_IMAGE = 0x0000_0e03;
    /** MAILBOX0 of the booter when it has no trusted firmware to check against. */
    public static final int BOOTER_ERR_NO_FIRMWARE = 0x0000_0e04;
    /**
     * MAILBOX0 of booter_unload when GSP-RM did not unload: it still runs, or it stopped without
     * suspending (crashed, or its core was reset before it acknowledged UNLOADING_GUEST_DRIVER).
     */
    public static final int BOOTER_ERR_GSP_RUNNING = 0x0000_0e05;
    /**
     * MAILBOX0 of booter_load on a chip without FRTS (GA100) when WPR2 exists already: it creates
     * WPR2 itself and will not take one it did not set up.
     */
    public static final int BOOTER_ERR_WPR2_EXISTS = 0x0000_0e06;
    /** MAILBOX0 of SEC2-RTOS when no GSP-RM waits to be resumed. */
    public static final int SEC2_ERR_NOTHING_TO_RESUME = 0x0000_0f01;
    /** MAILBOX0 of SEC2-RTOS when the GSP's mailboxes do not hold the LibOS arguments GSP-RM booted with. */
    public static final int SEC2_ERR_LIBOS_ARGS = 0x0000_0f02;
    /** MAILBOX0 of SEC2-RTOS when it refuses to resume GSP-RM (the {@link GpuFault#SEC2_RESUME_ERROR} fault). */
    public static final int SEC2_ERR_RESUME = 0x0000_0f03;

    private static final GpuHost NO_HOST = new GpuHost() {
        @Override
        public boolean dmaRead(long iova, MemorySegment dst) {
            return false;
        }

        @Override
        public boolean dmaWrite(long iova, MemorySegment src) {
            return false;
        }
    };

    private final GpuOptions options;
    private final SimVgpuManager vgpu;
    private final SimPmc pmc;
    private final SimGfw gfw;
    private final SimFb fb;
    private final SimSysmemFlush sysmemFlush;
    private final SimFuse fuse;
    private final SimVbios vbios;
    private final SimFalcon gsp;
    private final SimFalcon sec2;
    private final SimGspBoot gspBoot;
    private final SimFwsec fwsec;
    private final SimBooter booter;
    /** The FSP of a Hopper or Blackwell chip, else null. */
    private final SimFsp fsp;
    private final SimIntr intr;
    private final SimVram vram;
    private final SimPramin pramin;
    private final SimMmu mmu;
    private final SimMmuRegs mmuRegs;
    private final SimGpuMmu mmuView;
    private final SimBar1 bar1;
    private final SimBar0 bar0;
    /** The host (PBDMA), the copy engine and the channels GSP-RM set up. */
    private final SimFifo fifo;
    private volatile GpuHost host;
    /**
     * What the driver's CPU sequencer last wrote to {@link SimGsp#SEQUENCER_SCRATCH}: written by the
     * host's BAR0 writes ({@link #sequencerScratchWritten}), read and cleared by GSP-RM's thread,
     * which reaches it as a field.
     */
    volatile int sequencerScratch;
    /** Set by a test to hold GSP-RM's unload teardown ({@link #holdGspTeardown}); read by GSP-RM's thread. */
    private volatile boolean teardownHeld;
    /** The last SET_REGISTRY's entries ({@link #gspRegistry}), written by GSP-RM's thread. */
    private volatile Map<String, Integer> registry = Map.of();
    /** gspFwHeapVfPartitionCount of the WPR metadata the booter accepted (0: bare-metal heap), until a reset. */
    private volatile int vfPartitions;
    /** GSP-RM runs in SR-IOV mode (RMSetSriovMode accepted): its vGPU manager offers types. */
    private volatile boolean sriovMode;

    /** @param options the strapping */
    public NvidiaGpu(GpuOptions options) {
        this.options = options;
        this.vgpu = new SimVgpuManager(this);
        TrustedFirmware trusted = new TrustedFirmware(options.chipset(), options.firmwareDirs());
        this.pmc = new SimPmc(options.chipset());
        this.gfw = new SimGfw(options.fault() == GpuFault.GFW_HANG);
        this.fb = new SimFb(options.fbSizeMiB(), options.fault() == GpuFault.WPR2_SET);
        this.sysmemFlush = new SimSysmemFlush(this, options.chipset());
        this.fuse = new SimFuse(ga102Plus(), trusted);
        this.vbios = new SimVbios(options.chipset(), deviceId(), classCode());
        this.gsp = new SimFalcon(FalconEngine.GSP, this, ga102Plus());
        this.sec2 = new SimFalcon(FalconEngine.SEC2, this, ga102Plus());
        this.gspBoot = new SimGspBoot(this, gsp, trusted);
        this.fwsec = new SimFwsec(this, vbios, fuse, fb, gspBoot, trusted);
        this.booter = new SimBooter(this, trusted, fuse, fb, gspBoot);
        this.fsp = bootsThroughFsp() ? new SimFsp(this, trusted, gsp, gspBoot, fb, booter) : null;
        this.intr = new SimIntr(this::host);
        // (a board configured with less VRAM than BAR1 still backs the whole aperture)
        this.vram = new SimVram(options.chipset().name(), Math.max(fb.size(), BAR1_SIZE));
        this.pramin = new SimPramin(this, vram, MmuHal.of(architecture()));
        this.mmu = new SimMmu(this, vram);
        this.mmuRegs = new SimMmuRegs(this, mmu.tlb());
        vram.viewFactory(file -> new SimBar1View(this, mmu, mmuRegs, BAR1_SIZE, file));
        this.bar1 = new SimBar1(this, vram, vgpu, mmu, mmuRegs);
        this.mmuView = new SimGpuMmu(mmu, bar1, vram, this::host);
        this.fifo = new SimFifo(this, mmu, vram);
        List<Bar0Unit> units = new java.util.ArrayList<>(List.of(pmc, gfw, fb, sysmemFlush, fuse, gspBoot, gsp, sec2,
                pramin, mmuRegs, fifo));
        if (fsp != null) {
            units.add(fsp);
        }
        this.bar0 = new SimBar0(this, vbios, intr, units);
    }

    // ---- the board ------------------------------------------------------------------------------

    /** @return the strapping */
    public GpuOptions options() {
        return options;
    }

    /** @return a description for lspci-like listings */
    public String description() {
        return "NVIDIA " + options.chipset() + " (simulated)";
    }

    /** @return the marketing name GSP-RM reports */
    String boardName() {
        return "NVIDIA " + options.chipset().name() + " (simulated)";
    }

    /** @return the chip's architecture */
    public Architecture architecture() {
        return options.chipset().architecture();
    }

    /** @return whether the chip boots its GSP through the FSP (Hopper, Blackwell: nova-core gsp/hal.rs) */
    boolean bootsThroughFsp() {
        return FspCot.bootsThroughFsp(options.chipset().architecture());
    }

    /** @return the chain-of-trust messages the FSP accepted since power-on (0 on a chip without FSP) */
    public int fspCotAccepted() {
        return fsp == null ? 0 : fsp.accepted();
    }

    /** @return whether the chip is GA102 or later (CPUCTL alias, boot ROM parameters, version fuses) */
    boolean ga102Plus() {
        return options.chipset().compareTo(Chipset.GA102) >= 0;
    }

    /** @return the PCI device ID of the board modelled for the chip (pci.ids) */
    public int deviceId() {
        return switch (options.chipset()) {
            case TU102 -> 0x1e04; // GeForce RTX 2080 Ti
            case TU104 -> 0x1e84;
            case TU106 -> 0x1f02;
            case TU116 -> 0x2182;
            case TU117 -> 0x1f82;
            case GA100 -> 0x20b0; // A100 SXM4
            case GA102 -> 0x2204; // GeForce RTX 3090
            case GA103 -> 0x2414;
            case GA104 -> 0x2484;
            case GA106 -> 0x2503;
            case GA107 -> 0x2584;
            case GH100 -> 0x2330; // H100 SXM5
            case AD102 -> 0x2684; // GeForce RTX 4090
            case AD103 -> 0x2704;
            case AD104 -> 0x2782;
            case AD106 -> 0x2803;
            case AD107 -> 0x2882;
            case GB100, GB102 -> 0x2901;
            case GB202 -> 0x2b85; // GeForce RTX 5090
            case GB203 -> 0x2c02;
            case GB205, GB206, GB207 -> 0x2d04;
        };
    }

    /** @return the PCI revision ID: the stepping the boot registers report ({@link SimPmc}) */
    public int pciRevision() {
        return SimPmc.pciRevision();
    }

    /** @return the 24-bit class code: VGA, or 3D for data-centre parts */
    public int classCode() {
        return switch (options.chipset()) {
            case GA100, GH100, GB100, GB102 -> PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_3D, 0);
            default -> PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_VGA, 0);
        };
    }

    /**
     * @return the L2 cache size GSP-RM reports (l2_cache_size): the full chips' 96 MiB on Ada,
     *     6 MiB on Turing and Ampere
     */
    long l2CacheSize() {
        return options.chipset().architecture() == Architecture.ADA ? L2_CACHE_AD102 : L2_CACHE_TU102_GA102;
    }

    /** @return the expansion ROM contents (the VBIOS) */
    public byte[] rom() {
        return vbios.image();
    }

    /** @return the VBIOS as this GPU's ROM holds it, parsed */
    public Vbios vbios() {
        return vbios.parsed();
    }

    // ---- the platform ---------------------------------------------------------------------------

    /** Starts the device: keeps the platform side. */
    public void start(GpuHost gpuHost) {
        this.host = gpuHost;
    }

    /** Function-level reset: everything back to power-on (GFW boots again). */
    public void reset() {
        gspBoot.powerOn();
        gfw.powerOn();
        bar0.powerOn();
        vgpu.reset();
        gsp.powerOn();
        sec2.powerOn();
        fb.powerOn();
        pramin.powerOn();
        mmuRegs.powerOn();
        mmu.powerOn();
        fifo.reset();
        sysmemFlush.powerOn();
        vfPartitions = 0;
        sriovMode = false;
        if (fsp != null) {
            fsp.powerOn();
        }
    }

    /** The booter accepted WPR metadata with {@code n} VF heap partitions. */
    void wprVfPartitions(int n) {
        vfPartitions = n;
    }

    /** @return the VF heap partitions of the WPR metadata GSP-RM booted with */
    int wprVfPartitions() {
        return vfPartitions;
    }

    /** GSP-RM entered (or, at its end, left) SR-IOV mode. */
    void sriovMode(boolean on) {
        sriovMode = on;
    }

    /** @return whether GSP-RM runs in SR-IOV mode (RMSetSriovMode), so its vGPU manager serves VFs */
    public boolean sriovMode() {
        return sriovMode;
    }

    /**
     * @return why the GPU's sysmembar cannot flush to system memory now ({@link SimSysmemFlush}),
     *     null when it can: a falcon reset waits for that flush
     */
    String sysmemFlushUnusable() {
        return sysmemFlush.unusableReason();
    }

    /** @return the platform side, or one that refuses DMA before {@link #start} */
    GpuHost host() {
        GpuHost h = host;
        return h != null ? h : NO_HOST;
    }

    /** A step of the GPU's own that went as it should (INFO: the orderly life of the device, not a fault). */
    void info(String fmt, Object... args) {
        Object[] a = new Object[args.length + 1];
        a[0] = options.chipset();
        System.arraycopy(args, 0, a, 1, args.length);
        LOG.info("sim {}: " + fmt, a);
    }

    void log(String fmt, Object... args) {
        Object[] a = new Object[args.length + 1];
        a[0] = options.chipset();
        System.arraycopy(args, 0, a, 1, args.length);
        LOG.warn("sim {}: " + fmt, a);
    }

    // ---- BAR0 -----------------------------------------------------------------------------------

    /**
     * A BAR0 read ({@link SimBar0}).
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     */
    public long read(long offset, int size) {
        return bar0.read(offset, size);
    }

    /**
     * A BAR0 write ({@link SimBar0}: registers take 32-bit writes; other widths are dropped).
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     * @param value the value
     */
    public void write(long offset, int size, long value) {
        bar0.write(offset, size, value);
    }

    /** The host wrote {@link SimGsp#SEQUENCER_SCRATCH}. */
    void sequencerScratchWritten(int value) {
        sequencerScratch = value;
    }

    // ---- the secure ROM: what a started falcon runs -----------------------------------------------

    /**
     * Called when a falcon's CPU is started: the GSP falcon runs FWSEC if its IMEM holds it, else it
     * was handed the LibOS arguments; SEC2 runs a staged SEC2-RTOS, else the booter.
     */
    void run(SimFalcon f) {
        if (!options.chipset().hasGspFirmware535()) {
            log("{}: {} boots through its FSP: no ucode the driver loads runs here", f.engine(), options.chipset());
            f.finish(BROM_ERR_SIGNATURE);
        } else if (f == gsp) {
            if (fwsec.loadedIn(f)) {
                fwsec.run(f);
            } else {
                gspBoot.libosArgumentsGiven(f);
            }
        } else if (gspBoot.sec2RtosStaged()) {
            gspBoot.runSec2Rtos(f);
        } else {
            booter.run(f);
        }
    }

    /** A falcon was put through engine reset ({@link SimGspBoot#falconReset}). */
    void falconReset(SimFalcon f) {
        gspBoot.falconReset(f);
    }

    // ---- GSP-RM -----------------------------------------------------------------------------------

    /**
     * Makes GSP-RM crash now (for fault tests): its thread stops and the RISC-V core halts, as
     * after a firmware exception. WPR2 stays; a reset recovers the GPU.
     */
    public void crashGsp() {
        gspBoot.crash();
    }

    /**
     * Holds GSP-RM's teardown after it acknowledged UNLOADING_GUEST_DRIVER (for tests: a slow
     * firmware), so that a driver that does not wait for the suspend report meets a GSP-RM still
     * running, deterministically; {@code false} lets it finish.
     */
    public void holdGspTeardown(boolean hold) {
        teardownHeld = hold;
    }

    /** @return whether GSP-RM's teardown is held ({@link #holdGspTeardown}) */
    boolean gspTeardownHeld() {
        return teardownHeld;
    }

    /** @return whether the GSP's RISC-V core runs (for tests and diagnostics) */
    public boolean gspRunning() {
        return gsp.riscvActive();
    }

    /** GSP-RM's mid-initialisation reset ({@link SimGspBoot#prepareCoreResume}). */
    void prepareCoreResume() {
        gspBoot.prepareCoreResume();
    }

    /**
     * @return the DWORD entries of the last SET_REGISTRY GSP-RM read, key to value in table order
     *     (empty before the first); for tests and diagnostics
     */
    public Map<String, Integer> gspRegistry() {
        return registry;
    }

    /** GSP-RM read a SET_REGISTRY table. */
    void registrySet(Map<String, Integer> entries) {
        registry = entries;
    }

    /**
     * GSP-RM refused to initialise (a boot parameter it cannot run with): it stops before it kept
     * anything in WPR2, its core halts, and the boot can be undone without a reset.
     */
    void gspInitFailed() {
        sriovMode = false;
        gspBoot.initFailed();
    }

    /** GSP-RM crashed: the RISC-V core halts. */
    void gspCrashed() {
        sriovMode = false;
        fifo.reset();
        gspBoot.crashed();
    }

    /** GSP-RM unloaded (UNLOADING_GUEST_DRIVER): its vGPUs are gone, it stops, the core halts. */
    void gspUnloaded() {
        info("GSP-RM unloaded (UNLOADING_GUEST_DRIVER acknowledged)");
        vgpu.reset();
        sriovMode = false;
        fifo.reset();
        gspBoot.unloaded();
    }

    /** GSP-RM wrote to its message queue: the GSP falcon raises SWGEN0 ({@link SimIntr}). */
    void raiseMsgqInterrupt() {
        intr.raiseMsgq();
    }

    /** A channel raised its non-stall interrupt ({@link SimIntr#raiseNonstall}). */
    void raiseNonstallInterrupt() {
        intr.raiseNonstall();
    }

    /** @return how many non-stall interrupts channels raised */
    public long nonstallInterrupts() {
        return intr.nonstallRaised();
    }

    /** @return the host and its channels */
    SimFifo fifo() {
        return fifo;
    }

    /** @return how many message-queue interrupts GSP-RM raised */
    public long msgqInterrupts() {
        return intr.raised();
    }

    /** @return whether the message-queue interrupt (SWGEN0) is pending, not yet cleared by the driver */
    public boolean msgqInterruptPending() {
        return intr.pending();
    }

    // ---- VRAM and BAR1 ----------------------------------------------------------------------------

    /**
     * @return the whole VRAM ({@link SimVram}), zero until written
     * @throws IllegalStateException after {@link #releaseVram()}, or if the memory cannot be mapped
     */
    public MemorySegment vram() {
        return vram.memory();
    }

    /**
     * @return the memory behind the PF's BAR1 while it is physical ({@link SimBar1}): the first
     *     {@link #BAR1_SIZE} bytes of VRAM, the same bytes {@link #vramRead}/{@link #vramWrite}
     *     reach; once a driver binds an instance block, BAR1 translates and this view is no longer
     *     what BAR1 shows
     * @throws IllegalStateException after {@link #releaseVram()}, or if the memory cannot be mapped
     */
    public MemorySegment vramAperture() {
        return bar1.aperture();
    }

    /**
     * @return the CPU's mapping of the PF's BAR1 ({@link SimBar1View}): linear onto VRAM while BAR1
     *     is physical, the MMU's translation as of the last bind or invalidate once it is virtual
     * @throws IllegalStateException after {@link #releaseVram()}, or if the memory cannot be mapped
     */
    public MemorySegment bar1Memory() {
        return vram.bar1View().memory();
    }

    /** BAR1's block or the TLB changed: the CPU's BAR1 mapping follows ({@link SimBar1View#relayout}). */
    void bar1Relayout() {
        SimBar1View v = vram.bar1ViewIfMapped();
        if (v != null) {
            v.relayout();
        }
    }

    /** The function was removed: the model lets go of its VRAM ({@link SimVram#release}). Idempotent. */
    public void releaseVram() {
        vram.release();
    }

    /** A VRAM read: little-endian, size 1, 2, 4 or 8 bytes. */
    public long vramRead(long offset, int size) {
        return vram.read(offset, size);
    }

    /** A VRAM write: the low size bytes of value, little-endian. */
    public void vramWrite(long offset, int size, long value) {
        vram.write(offset, size, value);
    }

    /** GSP-RM's scrubber over VRAM a vGPU wrote ({@link SimVram#scrub}). */
    void scrubVram(long offset, long length) {
        vram.scrub(offset, length);
    }

    /** A read through VF {@code vfIndex}'s BAR1 ({@link SimBar1}): 0 when it faults. */
    public long vfBar1Read(int vfIndex, long offset, int size) {
        return bar1.vfRead(vfIndex, offset, size);
    }

    /** A write through VF {@code vfIndex}'s BAR1 ({@link SimBar1}): dropped when it faults. */
    public void vfBar1Write(int vfIndex, long offset, int size, long value) {
        bar1.vfWrite(vfIndex, offset, size, value);
    }

    /** @return the VF BAR1 accesses that faulted (no vGPU behind them, or past its framebuffer) */
    public long vfBar1Faults() {
        return bar1.vfFaults();
    }

    // ---- the GPU MMU ----------------------------------------------------------------------------

    /** @return the GPU MMU as BAR1 and the GPU's engines see it ({@link SimGpuMmu}) */
    public SimGpuMmu mmu() {
        return mmuView;
    }

    // ---- SR-IOV and vGPU --------------------------------------------------------------------------

    /** @return GSP-RM's vGPU manager on this GPU (no types on a chip without vGPU support) */
    public SimVgpuManager vgpu() {
        return vgpu;
    }

    /** @return whether the chip's GSP-RM runs vGPU and the board has SR-IOV */
    public boolean vgpuCapable() {
        return SimVgpuManager.supported(options.chipset()) && options.totalVfs() > 0;
    }

    /** @return TotalVFs of the SR-IOV capability as the board is strapped ({@link GpuOptions#totalVfs}), 0 without one */
    public int totalVfs() {
        return options.totalVfs();
    }

    /** @return the VF Device ID of the SR-IOV capability: the PF's plus one */
    public int vfDeviceId() {
        return deviceId() + 1;
    }
}
