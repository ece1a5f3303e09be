package org.nova.hw.sim.gpu;

import org.nova.hw.pci.PciClass;
import org.nova.nvidia.NvidiaPciIds;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.Radix3;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.regs.Pgsp;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Fuse;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfalcon2;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.regs.RegisterMap;
import org.nova.nvidia.vbios.Vbios;
import org.nova.nvidia.vbios.VbiosBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A register-level NVIDIA GPU as nova-core sees it up to a started GSP: PMC identification,
 * the GFW boot progress and its privilege mask, the framebuffer size registers, the VBIOS
 * (in the PCI expansion ROM and through BAR0's PROM window), the fuses that select signatures,
 * the falcons GSP and SEC2, FWSEC-FRTS creating WPR2, and the booter on SEC2 that starts the
 * GSP's RISC-V core after checking what it was handed.
 *
 * <p>The secure ROM never throws into the driver: a ucode it refuses ends its falcon run with an
 * error code in MAILBOX0 (as the boot ROM and the booter report failures on hardware) and the
 * reason is logged. Hopper and Blackwell chips are identification-only: their falcons run
 * nothing (no 535 firmware exists for them).
 *
 * <p>Once the booter started the RISC-V core, GSP-RM ({@link SimGsp}) runs on its own thread:
 * it serves the message queues in the driver's DMA memory with the generated bindings of the
 * trusted firmware's release (535.113.01 or 570.144), and booter_unload tears WPR2 down after
 * UNLOADING_GUEST_DRIVER.
 *
 * <p>Threading: the platform calls {@link #read}, {@link #write}, {@link #reset} with the
 * function's lock held; GFW boot progresses with time; GSP-RM's thread reaches host memory only
 * through {@link GpuHost} DMA and shares with register accesses only volatile fields.
 */
public final class NvidiaGpu {
    private static final Logger LOG = LoggerFactory.getLogger(NvidiaGpu.class);

        /** Memory bus width GSP-RM reports (fb_bus_width): TU102, GA102 and AD102 all have a 384-bit bus. */
    static final int FB_BUS_WIDTH = 384;
    /** BAR0: 16 MiB of registers (nova-core driver.rs BAR0_SIZE). */
    public static final long BAR0_SIZE = 16L << 20;
    /**
     * BAR1: the VRAM aperture the simulator exposes, a 1:1 window onto VRAM offsets
     * [0, BAR1_SIZE) (no BAR1 page tables are modelled), zero until written.
     */
    public static final long BAR1_SIZE = 256L << 20;
    /** Expansion ROM BAR size. */
    public static final long ROM_SIZE = 128L << 10;
    /** PROM window: the VBIOS through BAR0 (nova-core vbios.rs ROM_OFFSET). */
    public static final long PROM_SIZE = 1L << 20;
    /** How long after power-on or reset GFW boot reports completion. */
    public static final long GFW_BOOT_DELAY_NANOS = 20_000_000L;
    /** Fuse bitmap strapped for the FWSEC and booter ucodes: version 2. */
    static final int FUSE_BITMAP = 0b11;
    /** FWSEC signatures are made for fuse versions 0, 1 and 2. */
    static final int[] FWSEC_FUSE_VERSIONS = {0, 1, 2};
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
    /** MAILBOX0 of booter_unload when GSP-RM has not stopped (no UNLOADING_GUEST_DRIVER). */
    public static final int BOOTER_ERR_GSP_RUNNING = 0x0000_0e05;
    /** MAILBOX0 of the booter when it has no trusted firmware to check against. */
    public static final int BOOTER_ERR_NO_FIRMWARE = 0x0000_0e04;
    /*
     * SEC2-RTOS's verdicts on a core resume (MAILBOX0; 0 = GSP-RM resumed). The real codes are not
     * public; these are the simulator's own, like the booter's above.
     */
    /** MAILBOX0 of SEC2-RTOS when no GSP-RM waits to be resumed. */
    public static final int SEC2_ERR_NOTHING_TO_RESUME = 0x0000_0f01;
    /** MAILBOX0 of SEC2-RTOS when the GSP's mailboxes do not hold the LibOS arguments GSP-RM booted with. */
    public static final int SEC2_ERR_LIBOS_ARGS = 0x0000_0f02;
    /** MAILBOX0 of SEC2-RTOS when it refuses to resume GSP-RM (the {@link GpuFault#SEC2_RESUME_ERROR} fault). */
    public static final int SEC2_ERR_RESUME = 0x0000_0f03;

    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GpuOptions options;
    private final GpuIdentity identity;
    private final byte[] rom;
    private final Vbios vbios;
    private final SimFalcon gsp;
    private final SimFalcon sec2;
    private final Map<Integer, Integer> plain = new HashMap<>();
    /** VRAM [0, BAR1_SIZE): what BAR1 shows; null until first used. */
    private MemorySegment vramMemory;
    private boolean vramReleased;
    /** VRAM chunks a vGPU wrote through its VF's BAR1, for the scrubber. */
    private final java.util.BitSet scrubDirty = new java.util.BitSet();
    private final java.util.concurrent.atomic.AtomicLong vfBar1Faults = new java.util.concurrent.atomic.AtomicLong();
    private GpuHost host;
    private long poweredOnAt;
    private int wpr2Lo;
    private int wpr2Hi;
    private int frtsScratch;
    private long libosAddr;
    private volatile SimGsp simGsp;
    private final SimVgpuManager vgpu;
    /** The GSP falcon's SWGEN0 interrupt is pending (GSP-RM wrote to its message queue, not yet cleared). */
    private volatile boolean swgen0;
    /** GSP -> CPU message-queue interrupts raised (for tests and diagnostics). */
    private final java.util.concurrent.atomic.AtomicLong msgqInterrupts = new java.util.concurrent.atomic.AtomicLong();
    /** What the driver's CPU sequencer last wrote to {@link SimGsp#SEQUENCER_SCRATCH} (read by GSP-RM's thread). */
    volatile int sequencerScratch;
    /** BSI_SECURE_SCRATCH_14: GSP-RM sets boot_stage_3_handoff once it resumed; read-only to the host. */
    private volatile int bsiScratch14;
    /** GSP-RM staged SEC2-RTOS in SEC2 for a core resume; SEC2's next start runs it (a reset scrubs it). */
    private volatile boolean sec2RtosStaged;

    /** @param options the strapping */
    public NvidiaGpu(GpuOptions options) {
        this.options = options;
        this.vgpu = new SimVgpuManager(this);
        this.identity = new GpuIdentity(options.chipset(), 0xa, 0x1);
        boolean ga102Plus = options.chipset().compareTo(Chipset.GA102) >= 0;
        this.gsp = new SimFalcon(FalconEngine.GSP, this, ga102Plus);
        this.sec2 = new SimFalcon(FalconEngine.SEC2, this, ga102Plus);
        this.rom = buildVbios();
        this.vbios = Vbios.parse("simulated VBIOS", MemorySegment.ofArray(rom));
        powerOn();
    }

    /** @return the strapping */
    public GpuOptions options() {
        return options;
    }

    /** @return a description for lspci-like listings */
    public String description() {
        return "NVIDIA " + options.chipset() + " (simulated)";
    }

    /** @return the PCI device ID of the board modelled */
    /**
     * @return the L2 cache size GSP-RM reports (l2_cache_size): the full chips' 96 MiB on AD102,
     *     6 MiB on TU102 and GA102 (NVIDIA's architecture whitepapers)
     */
    long l2CacheSize() {
        return options.chipset().architecture() == Architecture.ADA ? 96L << 20 : 6L << 20;
    }

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

    /** @return the 24-bit class code: VGA, or 3D for data-centre parts */
    public int classCode() {
        return switch (options.chipset()) {
            case GA100, GH100, GB100, GB102 -> PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_3D, 0);
            default -> PciClass.withProgIf(PciClass.PCI_CLASS_DISPLAY_VGA, 0);
        };
    }

    /** @return the expansion ROM contents (the VBIOS) */
    public byte[] rom() {
        return rom.clone();
    }

    /** @return the VBIOS as this GPU's ROM holds it, parsed */
    public Vbios vbios() {
        return vbios;
    }

    /** Starts the device: keeps the platform side. */
    public void start(GpuHost gpuHost) {
        this.host = gpuHost;
    }

    /** Function-level reset: everything back to power-on (GFW boots again). */
    public void reset() {
        powerOn();
    }

    GpuHost host() {
        return host != null ? host : NO_HOST;
    }

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

    private void powerOn() {
        SimGsp g = simGsp;
        if (g != null) {
            g.stop();
            simGsp = null;
        }
        poweredOnAt = System.nanoTime();
        plain.clear();
        if (vgpu != null) {
            vgpu.reset();
        }
        gsp.powerOn();
        sec2.powerOn();
        frtsScratch = 0;
        bsiScratch14 = 0;
        sec2RtosStaged = false;
        if (options.fault() == GpuFault.WPR2_SET) {
            long at = (options.fbSizeMiB() << 20) - (64L << 20);
            wpr2Lo = Pfb.wpr2Encode(at);
            wpr2Hi = Pfb.wpr2Encode(at + FbLayoutFacts.FRTS_SIZE);
        } else {
            wpr2Lo = 0;
            wpr2Hi = 0;
        }
    }

    void log(String fmt, Object... args) {
        LOG.warn("sim {}: " + fmt, prepend(options.chipset(), args));
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] a = new Object[rest.length + 1];
        a[0] = first;
        System.arraycopy(rest, 0, a, 1, rest.length);
        return a;
    }

    // ---- VBIOS ----------------------------------------------------------------------------------

    private byte[] buildVbios() {
        FwsecImageBuilder fw = new FwsecImageBuilder();
        for (int v : FWSEC_FUSE_VERSIONS) {
            fw.signature(v, fwsecSignature(v));
        }
        return new VbiosBuilder().pciIds(NvidiaPciIds.PCI_VENDOR_ID_NVIDIA, deviceId(), classCode())
                .biosVersion(0x9000_0000L | (long) options.chipset().id() << 8 | 0x01)
                .fwsec(fw.build()).build();
    }

    private byte[] fwsecSignature(int fuseVersion) {
        byte[] b = new byte[FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE];
        new SplittableRandom(0xf5ecL * 1000 + options.chipset().id() * 16L + fuseVersion).nextBytes(b);
        return b;
    }

    // ---- BAR0 -----------------------------------------------------------------------------------

    /**
     * A BAR0 read.
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     */
    public long read(long offset, int size) {
        if (offset >= Vbios.ROM_OFFSET && offset < Vbios.ROM_OFFSET + PROM_SIZE) {
            long v = 0;
            for (int i = size - 1; i >= 0; i--) {
                long at = offset - Vbios.ROM_OFFSET + i;
                v = v << 8 | (at < rom.length ? rom[(int) at] & 0xff : 0);
            }
            return v;
        }
        if (size == 8) {
            return Integer.toUnsignedLong(read32((int) offset)) | (long) read32((int) offset + 4) << 32;
        }
        int word = read32((int) (offset & ~3L));
        int shift = (int) (offset & 3) * 8;
        long mask = size == 4 ? 0xffff_ffffL : (1L << (size * 8)) - 1;
        return (Integer.toUnsignedLong(word) >>> shift) & mask;
    }

    /**
     * A BAR0 write (registers take 32-bit writes; other widths are dropped).
     *
     * @param offset offset, naturally aligned
     * @param size 1, 2, 4 or 8
     * @param value the value
     */
    public void write(long offset, int size, long value) {
        if (offset >= Vbios.ROM_OFFSET && offset < Vbios.ROM_OFFSET + PROM_SIZE) {
            return; // the PROM is read-only
        }
        if (size == 8) {
            write32((int) offset, (int) value);
            write32((int) offset + 4, (int) (value >>> 32));
            return;
        }
        if (size != 4) {
            log("{}-byte write at 0x{} dropped: registers take 32-bit writes", size, Long.toHexString(offset));
            return;
        }
        write32((int) offset, (int) value);
    }

    private boolean gfwDone() {
        return options.fault() != GpuFault.GFW_HANG && System.nanoTime() - poweredOnAt >= GFW_BOOT_DELAY_NANOS;
    }

    private boolean identificationOnly() {
        return !options.chipset().hasGspFirmware535();
    }

    private int read32(int off) {
        int[] ids = identity.encode();
        if (off == Pmc.BOOT_0.address()) {
            return ids[0];
        } else if (off == Pmc.BOOT_42.address()) {
            return ids[1];
        } else if (off == Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.address()) {
            return Pgc6.PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0.set(0, gfwDone());
        } else if (off == Pgc6.GFW_BOOT.address()) {
            if (!gfwDone()) {
                long ms = (System.nanoTime() - poweredOnAt) / 1_000_000;
                return Pgc6.GFW_BOOT_PROGRESS.of(Math.min(0xfe, 0x10 + ms * 8));
            }
            return Pgc6.GFW_BOOT_PROGRESS.of(Pgc6.GFW_BOOT_PROGRESS_COMPLETED);
        } else if (off == Pgc6.USABLE_FB_SIZE_IN_MB.address()) {
            return (int) options.fbSizeMiB();
        } else if (off == Pgc6.BSI_SECURE_SCRATCH_14.address()) {
            return bsiScratch14;
        } else if (off == Pfb.PRI_MMU_LOCAL_MEMORY_RANGE.address()) {
            return localMemoryRange(options.fbSizeMiB());
        } else if (off == Pfb.PRI_MMU_WPR2_ADDR_LO.address()) {
            return wpr2Lo;
        } else if (off == Pfb.PRI_MMU_WPR2_ADDR_HI.address()) {
            return wpr2Hi;
        } else if (off == Pbus.SW_SCRATCH_0E_FRTS_ERR.address()) {
            return frtsScratch;
        } else if (off == Pdisp.VGA_WORKSPACE_BASE.address()) {
            long at = (options.fbSizeMiB() << 20) - FbLayoutFacts.NV_PRAMIN_SIZE;
            return Pdisp.VGA_WORKSPACE_ADDR.of(at >>> Pdisp.VGA_WORKSPACE_ADDR_SHIFT)
                    | Pdisp.VGA_WORKSPACE_STATUS_VALID.of(1);
        } else if (Fuse.OPT_FPF_GSP_UCODE1_VERSION.indexAt(off) >= 0 || Fuse.OPT_FPF_SEC2_UCODE1_VERSION.indexAt(off) >= 0) {
            return fuseBitmap(off);
        } else if (off == Fuse.STATUS_OPT_DISPLAY_GM107.address() || off == Fuse.STATUS_OPT_DISPLAY_GA100.address()) {
            return 0; // display present
        }
        FalconEngine e = FalconEngine.containing(off);
        if (e != null) {
            return falcon(e).read(off);
        }
        return plain.getOrDefault(off, 0);
    }

    private int fuseBitmap(int off) {
        if (Fuse.OPT_FPF_SEC2_UCODE1_VERSION.indexAt(off) >= 0) {
            // The booter's fuse: strapped so that its signature metadata selects a signature.
            return trustedBooter().map(b -> (int) ((1L << Math.min(15, b.params().fuseVersion())) - 1)).orElse(FUSE_BITMAP);
        }
        return FUSE_BITMAP;
    }

    /** Encodes a size in MiB as lower_mag << lower_scale (no ECC). */
    static int localMemoryRange(long mib) {
        int scale = Long.numberOfTrailingZeros(mib);
        long mag = mib >>> scale;
        while (mag > Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.maxValue()) {
            throw new IllegalArgumentException(mib + " MiB cannot be encoded in LOCAL_MEMORY_RANGE");
        }
        return Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.of(mag) | Pfb.LOCAL_MEMORY_RANGE_LOWER_SCALE.of(Math.min(scale, 15));
    }

    private void write32(int off, int v) {
        if (off == Pmc.BOOT_0.address() || off == Pmc.BOOT_42.address() || off == Pgc6.GFW_BOOT.address()
                || off == Pfb.PRI_MMU_WPR2_ADDR_LO.address() || off == Pfb.PRI_MMU_WPR2_ADDR_HI.address()
                || off == Pgc6.BSI_SECURE_SCRATCH_14.address()) {
            // Read-only for the host (WPR2 and the BSI scratch are written by secure firmware only).
            return;
        }
        if (off == GSP_IRQSCLR && Pfalcon.IRQSCLR_SWGEN0.get(v) != 0) {
            // the driver acknowledges the message-queue interrupt: the cause clears, INTx drops
            swgen0 = false;
            host().interrupt(false);
        }
        FalconEngine e = FalconEngine.containing(off);
        if (e != null) {
            falcon(e).write(off, v);
            return;
        }
        if (off == Pbus.SW_SCRATCH_0E_FRTS_ERR.address()) {
            frtsScratch = v;
            return;
        }
        if (off == SimGsp.SEQUENCER_SCRATCH) {
            sequencerScratch = v;
        }
        if (off == Pgsp.QUEUE_HEAD.address()) {
            SimGsp g = simGsp;
            if (g != null) {
                g.kick();
            }
            return;
        }
        if (RegisterMap.lookup(off).isEmpty() && !plain.containsKey(off)) {
            LOG.debug("sim {}: write 0x{} to unmodelled register 0x{}", options.chipset(), Integer.toHexString(v),
                    Integer.toHexString(off));
        }
        plain.put(off, v);
    }

    SimFalcon falcon(FalconEngine e) {
        return e == FalconEngine.GSP ? gsp : sec2;
    }

    // ---- VRAM and its apertures --------------------------------------------------------------------

    /** Granule in which GSP-RM's scrubber tracks the VRAM a vGPU wrote through its VF's BAR1. */
    static final long SCRUB_CHUNK = 64L << 10;

    /**
     * The whole VRAM ({@code fbSizeMiB} MiB), zero until written. Backed by a shared mapping of a
     * sparse, already deleted file: pages cost memory (page cache) only once written, and the
     * mapping reserves no swap, so tens of GiB of simulated VRAM fit any host.
     *
     * <p>Lifetime: like a real BAR, which stays mapped until its user unmaps it even when the
     * device is gone, the memory is never unmapped under a holder: it belongs to an automatic
     * arena and is unmapped by the garbage collector once neither this model nor any mapping (a
     * PCI Bar's view keeps the segment reachable) refers to it. {@link #releaseVram()} drops the
     * model's reference.
     *
     * @return the VRAM, {@code fbSizeMiB << 20} bytes
     * @throws IllegalStateException after {@link #releaseVram()}, or if the memory cannot be mapped
     */
    public synchronized MemorySegment vram() {
        if (vramReleased) {
            throw new IllegalStateException("the VRAM of the simulated " + options.chipset() + " was released");
        }
        if (vramMemory == null) {
            // (a board configured with less VRAM than BAR1 still backs the whole aperture)
            long size = Math.max(options.fbSizeMiB() << 20, BAR1_SIZE);
            try {
                Path file = Files.createTempFile("nova-sim-vram", ".bin");
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.wrap(new byte[1]), size - 1);
                    vramMemory = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, Arena.ofAuto());
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot map the simulated VRAM: " + e, e);
            }
        }
        return vramMemory;
    }

    /**
     * The memory behind BAR1: VRAM offsets [0, {@link #BAR1_SIZE}), the same bytes
     * {@link #vramRead}/{@link #vramWrite} reach, so a CPU write through the aperture is what VRAM
     * holds at that offset.
     *
     * @return the aperture memory, {@link #BAR1_SIZE} bytes (a view of {@link #vram()})
     * @throws IllegalStateException after {@link #releaseVram()}, or if the memory cannot be mapped
     */
    public MemorySegment vramAperture() {
        return vram().asSlice(0, BAR1_SIZE);
    }

    /**
     * The function was removed: the model lets go of its VRAM (unmapped once nothing refers to
     * it) and {@link #vram()}, {@link #vramRead} and {@link #vramWrite} fail from now on.
     * Idempotent.
     */
    public synchronized void releaseVram() {
        vramReleased = true;
        vramMemory = null;
    }

    /** A VRAM read: little-endian, size 1, 2, 4 or 8 bytes. */
    public long vramRead(long offset, int size) {
        MemorySegment m = vram();
        return switch (size) {
            case 1 -> m.get(ValueLayout.JAVA_BYTE, offset) & 0xffL;
            case 2 -> m.get(LE16, offset) & 0xffffL;
            case 4 -> m.get(LE32, offset) & 0xffff_ffffL;
            default -> m.get(LE64, offset);
        };
    }

    /** A VRAM write: the low size bytes of value, little-endian. */
    public void vramWrite(long offset, int size, long value) {
        MemorySegment m = vram();
        switch (size) {
            case 1 -> m.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
            case 2 -> m.set(LE16, offset, (short) value);
            case 4 -> m.set(LE32, offset, (int) value);
            default -> m.set(LE64, offset, value);
        }
    }

    /**
     * A read through VF {@code vfIndex}'s BAR1: GSP-RM maps it onto the framebuffer of the vGPU
     * booted with gfid {@code vfIndex + 1}, so a VF reaches its own vGPU's memory and nothing
     * else. Without a running vGPU, or past its framebuffer, the access faults: reads return 0
     * (the simulator's choice; the hardware's fault reply is not public) and it is counted.
     */
    public long vfBar1Read(int vfIndex, long offset, int size) {
        long at = vgpu.translateVfBar1(vfIndex + 1, offset, size);
        if (at < 0) {
            vfBar1Faults.incrementAndGet();
            return 0;
        }
        return vramRead(at, size);
    }

    /** A write through VF {@code vfIndex}'s BAR1 (see {@link #vfBar1Read}); a faulting write is dropped. */
    public void vfBar1Write(int vfIndex, long offset, int size, long value) {
        long at = vgpu.translateVfBar1(vfIndex + 1, offset, size);
        if (at < 0) {
            vfBar1Faults.incrementAndGet();
            return;
        }
        synchronized (scrubDirty) {
            scrubDirty.set((int) (at / SCRUB_CHUNK), (int) ((at + size - 1) / SCRUB_CHUNK) + 1);
        }
        vramWrite(at, size, value);
    }

    /** @return the VF BAR1 accesses that faulted (no vGPU behind them, or past its framebuffer) */
    public long vfBar1Faults() {
        return vfBar1Faults.get();
    }

    /**
     * GSP-RM's scrubber: zeroes [offset, offset + length) of VRAM where a vGPU wrote through its
     * VF's BAR1 (untouched VRAM is zero already, so only written chunks are cleared and a
     * gigabyte framebuffer costs nothing to scrub).
     */
    void scrubVram(long offset, long length) {
        MemorySegment m = vram();
        synchronized (scrubDirty) {
            int first = (int) (offset / SCRUB_CHUNK);
            int end = (int) ((offset + length + SCRUB_CHUNK - 1) / SCRUB_CHUNK);
            for (int c = scrubDirty.nextSetBit(first); c >= 0 && c < end; c = scrubDirty.nextSetBit(c + 1)) {
                long from = Math.max(offset, c * SCRUB_CHUNK);
                long to = Math.min(offset + length, (c + 1) * SCRUB_CHUNK);
                m.asSlice(from, to - from).fill((byte) 0);
                if (from == c * SCRUB_CHUNK && to == (c + 1) * SCRUB_CHUNK) {
                    scrubDirty.clear(c);
                }
            }
        }
    }

    // ---- the secure ROM: what a started falcon runs -----------------------------------------------

    /** Called when a falcon's CPU is started. */
    void run(SimFalcon f) {
        if (identificationOnly()) {
            log("{}: no ucode runs on an identification-only {} model", f.engine, options.chipset());
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        if (f == gsp) {
            if (matchesFwsec(f)) {
                runFwsec(f);
            } else {
                // The driver boots the GSP falcon with the libos address in the mailboxes: the
                // RISC-V core waits for the booter; the falcon halts at once.
                libosAddr = Integer.toUnsignedLong(f.mailbox0) | Integer.toUnsignedLong(f.mailbox1) << 32;
                f.finish(f.mailbox0);
            }
        } else if (sec2RtosStaged) {
            runSec2Rtos(f);
        } else {
            runBooter(f);
        }
    }

    /**
     * A falcon was put through engine reset (its memories scrubbed). Resetting the GSP under a
     * running GSP-RM stops it, as a reset stops any firmware; only a GSP-RM that saved its state
     * for a core resume survives. Resetting SEC2 scrubs a staged SEC2-RTOS.
     */
    void falconReset(SimFalcon f) {
        if (f == gsp) {
            SimGsp g = simGsp;
            if (g != null && !g.awaitingResume()) {
                log("GSP: reset while GSP-RM runs: GSP-RM stops");
                g.stop();
                simGsp = null;
            }
        } else {
            sec2RtosStaged = false;
        }
    }

    /**
     * GSP-RM's mid-initialisation reset: it saved its state in WPR2, staged SEC2-RTOS and asks the
     * driver's CPU sequencer to reset the GSP core and resume it ({@link SimGsp}).
     */
    void prepareCoreResume() {
        bsiScratch14 = 0;
        sec2RtosStaged = true;
    }

    /**
     * SEC2-RTOS started by the sequencer's core resume: it checks that GSP-RM waits and that the
     * GSP's mailboxes hold the LibOS arguments it booted with, then resumes GSP-RM on the GSP's
     * RISC-V core and reports the hand-off in BSI_SECURE_SCRATCH_14. SEC2-RTOS keeps running (its
     * CPU does not halt); MAILBOX0 holds its verdict.
     */
    private void runSec2Rtos(SimFalcon f) {
        sec2RtosStaged = false;
        SimGsp g = simGsp;
        long args = Integer.toUnsignedLong(gsp.mailbox0) | Integer.toUnsignedLong(gsp.mailbox1) << 32;
        if (g == null || !g.awaitingResume()) {
            log("SEC2-RTOS: no GSP-RM waits to be resumed");
            f.mailbox0 = SEC2_ERR_NOTHING_TO_RESUME;
        } else if (args != libosAddr) {
            log("SEC2-RTOS: the GSP's mailboxes hold 0x{}, GSP-RM booted with LibOS arguments at 0x{}",
                    Long.toHexString(args), Long.toHexString(libosAddr));
            f.mailbox0 = SEC2_ERR_LIBOS_ARGS;
        } else if (options.fault() == GpuFault.SEC2_RESUME_ERROR) {
            log("SEC2-RTOS: resume refused (fault)");
            f.mailbox0 = SEC2_ERR_RESUME;
        } else {
            gsp.riscvActive = true;
            f.mailbox0 = 0;
            bsiScratch14 = Pgc6.BSI_BOOT_STAGE_3_HANDOFF.set(bsiScratch14, true);
            g.resume();
        }
    }

    private boolean matchesFwsec(SimFalcon f) {
        FalconUcodeDescV3 d = vbios.fwsecDesc();
        MemorySegment ucode = vbios.fwsecUcode();
        return MemorySegment.ofArray(f.imem).asSlice(d.imemPhysBase(), d.imemLoadSize())
                .mismatch(ucode.asSlice(0, d.imemLoadSize())) == -1;
    }

    private boolean ga102Plus() {
        return options.chipset().compareTo(Chipset.GA102) >= 0;
    }

    private void runFwsec(SimFalcon f) {
        FalconUcodeDescV3 d = vbios.fwsecDesc();
        if (f.dmaError) {
            log("FWSEC: a DMA transfer into the falcon failed; the boot ROM refuses the ucode");
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        // Signature: the one for the fused version must sit at the PKC offset of DMEM.
        int fuse = ga102Plus() ? Fuse.versionFromBitmap(FUSE_BITMAP) : 0;
        int idx = d.signatureIndex(fuse);
        MemorySegment expected = vbios.fwsecSignatures().get(idx);
        long pkc = d.pkcDataOffset();
        if (ga102Plus() && (f.bromParaaddr != pkc || f.bromEngidmask != d.engineIdMask()
                || f.bromUcodeId != d.ucodeId() || f.modSel != Pfalcon2.MOD_SEL_ALGO_RSA3K)) {
            log("FWSEC: boot ROM parameters (paraaddr 0x{}, engidmask 0x{}, ucode id {}, mod_sel {}) do not match the ucode",
                    Integer.toHexString(f.bromParaaddr), Integer.toHexString(f.bromEngidmask), f.bromUcodeId, f.modSel);
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        MemorySegment dmem = MemorySegment.ofArray(f.dmem);
        if (dmem.asSlice(d.dmemPhysBase() + pkc, expected.byteSize()).mismatch(expected) != -1) {
            log("FWSEC: DMEM at 0x{} does not hold the signature for fuse version {}", Long.toHexString(pkc), fuse);
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        // The command: the DMEM mapper's init_cmd and the FRTS region of the command buffer.
        long mapper = d.dmemPhysBase() + FwsecImageBuilder.MAPPER_DMEM_OFFSET;
        int initCmd = f.dmem32((int) mapper + FwsecInterface.DMEMMAPPER_INIT_CMD);
        if (initCmd != FwsecInterface.CMD_FRTS) {
            log("FWSEC: command 0x{} is not modelled (only FRTS)", Integer.toHexString(initCmd));
            f.finish(FWSEC_ERR_COMMAND);
            return;
        }
        int region = (int) d.dmemPhysBase() + FwsecImageBuilder.CMD_IN_DMEM_OFFSET + FwsecInterface.READ_VBIOS_SIZE;
        long frtsAddr = Integer.toUnsignedLong(f.dmem32(region + 8)) << FwsecInterface.FRTS_SHIFT;
        long frtsSize = Integer.toUnsignedLong(f.dmem32(region + 12)) << FwsecInterface.FRTS_SHIFT;
        int type = f.dmem32(region + 16);
        if (options.fault() == GpuFault.FWSEC_ERROR) {
            frtsScratch = Pbus.FRTS_ERR_CODE.of(GpuFault.FWSEC_ERROR_CODE);
            f.finish(0);
            return;
        }
        long fb = options.fbSizeMiB() << 20;
        if (type != FwsecInterface.FRTS_REGION_TYPE_FB || frtsSize != FbLayoutFacts.FRTS_SIZE
                || frtsAddr + frtsSize > fb || Pfb.wpr2HigherBound(wpr2Hi) != 0) {
            log("FWSEC-FRTS: refused region 0x{}+0x{} type {} (framebuffer 0x{}, WPR2 hi 0x{})",
                    Long.toHexString(frtsAddr), Long.toHexString(frtsSize), type, Long.toHexString(fb),
                    Long.toHexString(Pfb.wpr2HigherBound(wpr2Hi)));
            frtsScratch = Pbus.FRTS_ERR_CODE.of(1);
            f.finish(0);
            return;
        }
        wpr2Lo = Pfb.wpr2Encode(frtsAddr);
        wpr2Hi = Pfb.wpr2Encode(frtsAddr + frtsSize);
        frtsScratch = 0;
        f.finish(0);
    }

    /** The firmware this GPU's secure ROM trusts, found like the driver finds it. */
    private Optional<Path> trustedFile(String file) {
        String rel = FirmwareNames.path(options.chipset(), file, trustedVersion());
        for (Path dir : options.firmwareDirs()) {
            Path p = dir.resolve(rel);
            if (Files.isRegularFile(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** @return the newest release with bindings whose GSP image the firmware folders hold */
    private String trustedVersion() {
        for (GspAbi abi : GspAbi.all().reversed()) {
            String rel = FirmwareNames.path(options.chipset(), FirmwareNames.GSP, abi.version());
            for (Path dir : options.firmwareDirs()) {
                if (Files.isRegularFile(dir.resolve(rel))) {
                    return abi.version();
                }
            }
        }
        return GpuFirmwareGenerator.VERSION;
    }

    private Optional<BooterFirmware> trustedBooter() {
        return trustedBooter(FirmwareNames.BOOTER_LOAD);
    }

    private Optional<BooterFirmware> trustedBooter(String file) {
        try {
            Optional<Path> p = trustedFile(file);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            byte[] b = Files.readAllBytes(p.get());
            return Optional.of(BooterFirmware.parse(p.get().toString(), MemorySegment.ofArray(b)));
        } catch (IOException | FormatException e) {
            return Optional.empty();
        }
    }

    private void runBooter(SimFalcon f) {
        Optional<BooterFirmware> trusted = trustedBooter();
        if (trusted.isEmpty()) {
            log("booter: no trusted booter_load for {} in {}", options.chipset(), options.firmwareDirs());
            f.finish(BOOTER_ERR_NO_FIRMWARE);
            return;
        }
        // booter_unload when SEC2's IMEM holds its code, booter_load otherwise
        Optional<BooterFirmware> unloadFw = trustedBooter(FirmwareNames.BOOTER_UNLOAD);
        boolean unload = unloadFw.isPresent() && MemorySegment.ofArray(f.imem)
                .asSlice(0, unloadFw.get().imemSecLoad().len())
                .mismatch(unloadFw.get().ucode().asSlice(unloadFw.get().imemSecLoad().offset(),
                        unloadFw.get().imemSecLoad().len())) == -1;
        BooterFirmware b = unload ? unloadFw.get() : trusted.get();
        if (f.dmaError) {
            log("booter: a DMA transfer into SEC2 failed; the boot ROM refuses the ucode");
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        MemorySegment ucode = b.ucode();
        var app0 = b.imemSecLoad();
        MemorySegment imem = MemorySegment.ofArray(f.imem);
        MemorySegment dmem = MemorySegment.ofArray(f.dmem);
        if (imem.asSlice(0, app0.len()).mismatch(ucode.asSlice(app0.offset(), app0.len())) != -1
                || f.bootvec != b.bootAddress()) {
            log("booter: IMEM (boot vector 0x{}) does not hold booter_load's code", Integer.toHexString(f.bootvec));
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        long pkc = b.pkcDataOffset();
        long sigSize = b.signatureSize();
        long dataSize = b.load().osDataSize();
        MemorySegment data = ucode.asSlice(b.load().osDataOffset(), dataSize);
        boolean dataOk = dmem.asSlice(0, pkc).mismatch(data.asSlice(0, pkc)) == -1
                && dmem.asSlice(pkc + sigSize, dataSize - pkc - sigSize)
                        .mismatch(data.asSlice(pkc + sigSize, dataSize - pkc - sigSize)) == -1;
        int fuse = ga102Plus() ? Fuse.versionFromBitmap(fuseBitmap(Fuse.OPT_FPF_SEC2_UCODE1_VERSION.address(0))) : 0;
        MemorySegment sig;
        try {
            sig = b.signatureFor(fuse);
        } catch (FormatException e) {
            log("booter: {}", e.getMessage());
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        if (!dataOk || dmem.asSlice(pkc, sigSize).mismatch(sig) != -1) {
            log("booter: DMEM does not hold booter_load's data with the signature for fuse version {} at 0x{}",
                    fuse, Long.toHexString(pkc));
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        if (ga102Plus() && (f.bromParaaddr != pkc || f.bromEngidmask != b.params().engineIdMask()
                || f.bromUcodeId != b.params().ucodeId() || f.modSel != Pfalcon2.MOD_SEL_ALGO_RSA3K)) {
            log("booter: boot ROM parameters do not match booter_load");
            f.finish(BROM_ERR_SIGNATURE);
            return;
        }
        if (Pfb.wpr2HigherBound(wpr2Hi) == 0) {
            log("booter: WPR2 does not exist: FWSEC-FRTS has not run");
            f.finish(BOOTER_ERR_NO_WPR2);
            return;
        }
        if (unload) {
            if (gsp.riscvActive) {
                log("booter_unload: GSP-RM still runs; WPR2 stays");
                f.finish(BOOTER_ERR_GSP_RUNNING);
                return;
            }
            wpr2Lo = 0;
            wpr2Hi = 0;
            f.mailbox1 = 0;
            f.finish(0);
            return;
        }
        int err = checkWprMeta(Integer.toUnsignedLong(f.mailbox0) | Integer.toUnsignedLong(f.mailbox1) << 32);
        if (err != 0) {
            f.finish(err);
            return;
        }
        // The booter loads GSP-RM into WPR2 and starts the GSP's RISC-V core.
        gsp.riscvActive = true;
        startGspRm();
        f.mailbox1 = 0;
        f.finish(0);
    }

    private long u64(MemorySegment s, long at) {
        return s.get(LE64, at);
    }

    private int checkWprMeta(long addr) {
        MemorySegment meta = MemorySegment.ofArray(new byte[GspFwWprMeta.SIZE]);
        if (!host().dmaRead(addr, meta)) {
            log("booter: WPR metadata at 0x{} is not readable", Long.toHexString(addr));
            return BOOTER_ERR_WPR_META;
        }
        if (GspFwWprMeta.get(meta, GspFwWprMeta.MAGIC_AT) != GspFwWprMeta.MAGIC || GspFwWprMeta.get(meta, GspFwWprMeta.REVISION_AT) != GspFwWprMeta.REVISION) {
            log("booter: WPR metadata magic 0x{} revision {}", Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.MAGIC_AT)),
                    GspFwWprMeta.get(meta, GspFwWprMeta.REVISION_AT));
            return BOOTER_ERR_WPR_META;
        }
        long fb = options.fbSizeMiB() << 20;
        if (GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_OFFSET) != Pfb.wpr2LowerBound(wpr2Lo)
                || GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_SIZE) != FbLayoutFacts.FRTS_SIZE || GspFwWprMeta.get(meta, GspFwWprMeta.FB_SIZE) != fb
                || GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_END) != Pfb.wpr2HigherBound(wpr2Hi)
                || GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_START) >= GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_OFFSET)) {
            log("booter: WPR metadata layout (frts 0x{}+0x{}, wpr 0x{}..0x{}, fb 0x{}) does not match WPR2 0x{}..0x{}",
                    Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_OFFSET)), Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.FRTS_SIZE)),
                    Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_START)),
                    Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_END)), Long.toHexString(GspFwWprMeta.get(meta, GspFwWprMeta.FB_SIZE)),
                    Long.toHexString(Pfb.wpr2LowerBound(wpr2Lo)), Long.toHexString(Pfb.wpr2HigherBound(wpr2Hi)));
            return BOOTER_ERR_WPR_META;
        }
        return checkGspImage(meta);
    }

    /** Follows the radix-3 table in system memory and compares pages with the trusted .fwimage. */
    private int checkGspImage(MemorySegment meta) {
        Optional<Path> gspFile = trustedFile(FirmwareNames.GSP);
        Optional<Path> blFile = trustedFile(FirmwareNames.BOOTLOADER);
        if (gspFile.isEmpty() || blFile.isEmpty()) {
            log("booter: no trusted gsp/bootloader image for {}", options.chipset());
            return BOOTER_ERR_NO_FIRMWARE;
        }
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(gspFile.get(), StandardOpenOption.READ);
                FileChannel bl = FileChannel.open(blFile.get(), StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            GspFirmware fw = GspFirmware.parse(gspFile.get().toString(), file);
            RiscvFirmware boot = RiscvFirmware.parse(blFile.get().toString(),
                    bl.map(FileChannel.MapMode.READ_ONLY, 0, bl.size(), arena));
            long size = u64(meta, GspFwWprMeta.SIZE_OF_RADIX3_ELF);
            if (size != fw.imageSize()) {
                log("booter: radix-3 image size 0x{} is not the GSP image's 0x{}", Long.toHexString(size),
                        Long.toHexString(fw.imageSize()));
                return BOOTER_ERR_GSP_IMAGE;
            }
            long level0 = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_RADIX3_ELF);
            List<Long> probes = new ArrayList<>(List.of(0L, size / 2 & -Radix3.PAGE_SIZE, (size - 1) & -Radix3.PAGE_SIZE));
            for (long va : probes) {
                long len = Math.min(64, size - va);
                long pa = Radix3.translate(this::dmaU64, level0, va);
                MemorySegment got = MemorySegment.ofArray(new byte[(int) len]);
                if (pa == -1 || !host().dmaRead(pa, got) || got.mismatch(fw.image().asSlice(va, len)) != -1) {
                    log("booter: GSP image page at va 0x{} (through the radix-3 table at 0x{}) is not the trusted image",
                            Long.toHexString(va), Long.toHexString(level0));
                    return BOOTER_ERR_GSP_IMAGE;
                }
            }
            long blAddr = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_BOOTLOADER);
            long blSize = u64(meta, GspFwWprMeta.SIZE_OF_BOOTLOADER);
            MemorySegment head = MemorySegment.ofArray(new byte[(int) Math.min(64, boot.ucode().byteSize())]);
            if (blSize != boot.ucode().byteSize() || !host().dmaRead(blAddr, head)
                    || head.mismatch(boot.ucode().asSlice(0, head.byteSize())) != -1) {
                log("booter: bootloader at 0x{} (0x{} bytes) is not the trusted bootloader", Long.toHexString(blAddr),
                        Long.toHexString(blSize));
                return BOOTER_ERR_GSP_IMAGE;
            }
            MemorySegment sigs = fw.signatures(options.chipset());
            long sigAddr = GspFwWprMeta.get(meta, GspFwWprMeta.SYSMEM_ADDR_OF_SIGNATURE);
            MemorySegment gotSig = MemorySegment.ofArray(new byte[(int) Math.min(64, sigs.byteSize())]);
            if (u64(meta, GspFwWprMeta.SIZE_OF_SIGNATURE) != sigs.byteSize() || !host().dmaRead(sigAddr, gotSig)
                    || gotSig.mismatch(sigs.asSlice(0, gotSig.byteSize())) != -1) {
                log("booter: GSP signatures at 0x{} are not {}'s", Long.toHexString(sigAddr),
                        options.chipset().gspSignatureSection());
                return BOOTER_ERR_GSP_IMAGE;
            }
            return 0;
        } catch (IOException | FormatException e) {
            log("booter: cannot read the trusted GSP firmware: {}", e.getMessage());
            return BOOTER_ERR_NO_FIRMWARE;
        }
    }

    private long dmaU64(long addr) {
        MemorySegment b = MemorySegment.ofArray(new byte[8]);
        return host().dmaRead(addr, b) ? b.get(LE64, 0) : -1;
    }

    /** Starts GSP-RM with the bindings of the trusted firmware's release. */
    private void startGspRm() {
        Optional<Path> p = trustedFile(FirmwareNames.GSP);
        String version;
        try {
            byte[] b = Files.readAllBytes(p.orElseThrow());
            version = GspFirmware.parse(p.get().toString(), MemorySegment.ofArray(b)).version();
        } catch (IOException | FormatException | java.util.NoSuchElementException e) {
            log("GSP: cannot read the trusted GSP firmware's version: {}", e.toString());
            return;
        }
        Optional<GspAbi> abi = GspAbi.forVersion(version);
        if (abi.isEmpty()) {
            log("GSP: no ABI bindings for firmware {}: GSP-RM idles", version);
            return;
        }
        SimGsp old = simGsp;
        if (old != null) {
            old.stop();
        }
        SimGsp g = new SimGsp(this, abi.get(), libosAddr, options.fault());
        simGsp = g;
        g.start(options.chipset().name());
    }

    /**
     * Makes GSP-RM crash now (for fault tests): its thread stops and the RISC-V core halts, as
     * after a firmware exception. WPR2 stays; a reset recovers the GPU.
     */
    public void crashGsp() {
        SimGsp g = simGsp;
        if (g != null) {
            g.stop();
        }
        gspCrashed();
    }

    /** The GSP falcon's interrupt-status-clear register (absolute BAR0 offset). */
    static final int GSP_IRQSCLR = Pfalcon.IRQSCLR.address(FalconEngine.GSP);

    /**
     * GSP-RM wrote to its message queue (GSP -> CPU): the GSP falcon raises SWGEN0 and the GPU
     * signals its interrupt (MSI vector 0, or INTx until the driver clears SWGEN0 in IRQSCLR).
     */
    void raiseMsgqInterrupt() {
        swgen0 = true;
        msgqInterrupts.incrementAndGet();
        host().interrupt(true);
    }

    /** @return how many message-queue interrupts GSP-RM raised */
    public long msgqInterrupts() {
        return msgqInterrupts.get();
    }

    /** @return whether the message-queue interrupt (SWGEN0) is pending, not yet cleared by the driver */
    public boolean msgqInterruptPending() {
        return swgen0;
    }

    /** GSP-RM crashed: the RISC-V core halts. */
    void gspCrashed() {
        gsp.riscvActive = false;
        simGsp = null;
    }

    /** GSP-RM unloaded (UNLOADING_GUEST_DRIVER): it stops; the core halts. */
    void gspUnloaded() {
        vgpu.reset();
        gsp.riscvActive = false;
        simGsp = null;
    }

    /** @return the marketing name GSP-RM reports */
    String boardName() {
        return "NVIDIA " + options.chipset().name() + " (simulated)";
    }

    /** @return whether the GSP's RISC-V core runs (for tests and diagnostics) */
    public boolean gspRunning() {
        return gsp.riscvActive;
    }

    /** @return the chip's architecture */
    public Architecture architecture() {
        return options.chipset().architecture();
    }

    // ---- SR-IOV and vGPU --------------------------------------------------------------------------

    /** @return GSP-RM's vGPU manager on this GPU (no types on a chip without vGPU support) */
    public SimVgpuManager vgpu() {
        return vgpu;
    }

    /** @return whether the board has SR-IOV for vGPU (a vGPU-capable chip) */
    public boolean vgpuCapable() {
        return SimVgpuManager.supported(options.chipset());
    }

    /** @return TotalVFs of the SR-IOV capability, 0 on a chip without vGPU */
    public int totalVfs() {
        return vgpuCapable() ? SimVgpuManager.TOTAL_VFS : 0;
    }

    /** @return the VF Device ID of the SR-IOV capability */
    public int vfDeviceId() {
        return deviceId() + 1;
    }
}
