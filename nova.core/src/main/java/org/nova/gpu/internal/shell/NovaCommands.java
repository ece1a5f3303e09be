package org.nova.gpu.internal.shell;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareCompression;
import org.nova.driver.firmware.FirmwareLoader;
import org.nova.driver.shell.Usage;
import org.nova.gpu.FbRegion;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.GspLogBuffer;
import org.nova.gpu.GspCommands;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.RpcStats;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fw.BinFirmware;
import org.nova.nvidia.fw.BinHeader;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.Elf64;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.RiscvFirmware;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code nova} shell scope: {@code nova:fw FILE} validates a firmware file as the probe does
 * and shows what the parsers find in it, {@code nova:info [DEVICE]} the GPUs nova.core drives (with the GSP's firmware, the ABI
 * bindings in use and the static information it reported), {@code nova:gsplog DEVICE [BUFFER]} a GSP
 * log buffer decoded as far as its format allows, {@code nova:gsplogdump DEVICE BUFFER FILE} its raw
 * bytes, {@code nova:fbregions DEVICE} the framebuffer regions GSP-RM reported, {@code nova:rpc-stats
 * [DEVICE]} the command queues' and the clients' accounting.
 * Arguments no overload takes get EINVAL with the usage line.
 */
@Component(service = NovaCommands.class, property = {
        "osgi.command.scope=nova",
        "osgi.command.function=fw",
        "osgi.command.function=info",
        "osgi.command.function=gsplog",
        "osgi.command.function=gsplogdump",
        "osgi.command.function=fbregions",
        "osgi.command.function=rpcstats"})
public final class NovaCommands {
    /** The osgi.command.scope of these commands. */
    static final String SCOPE = "nova";
    /** Parameter descriptor of a GPU. */
    static final String GPU = "GPU: the GPU's PCI device, \"0000:00:05.0\" or \"00:05.0\" (nova:info lists them)";
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final NovaGpus gpus;
    private final GspCommands gsp;

    @Activate
    public NovaCommands(@Reference NovaGpus gpus, @Reference GspCommands gsp) {
        this.gpus = gpus;
        this.gsp = gsp;
    }

    /**
     * Gogo's catch-all, tried after every overload of the name: arguments none of them takes.
     *
     * @throws DriverException always, EINVAL with the command's usage line
     */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /**
     * nova:fw FILE — validates a firmware file as the probe does and shows what the parsers find: a GSP
     * image's ELF sections, a booter's or bootloader's headers. A {@code .zst} or {@code .xz} file is
     * decompressed as the firmware loader does and described under its name without the suffix.
     *
     * @throws DriverException ENOENT (no such file), EINVAL naming the structure and why where the probe
     *     would refuse the file, or naming the file when its compressed data is truncated or corrupt; EFBIG
     *     over the loader's limit
     */
    @Descriptor("validate a firmware file (plain, .zst or .xz) as nova-core's probe does and show what the parsers "
            + "find: a GSP image's ELF sections, a booter's or bootloader's headers")
    public String fw(@Descriptor("FILE: a firmware file, e.g. /lib/firmware/nvidia/ga102/gsp/booter_load-535.113.01.bin"
            + " or the same with .zst or .xz") String file) throws IOException {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new DriverException(Errno.ENOENT, "no file " + file);
        }
        FirmwareCompression compression = FirmwareCompression.of(file);
        String name = compression.strip(file);
        try (Firmware f = Firmware.load(name, p, compression, FirmwareLoader.MAX_SIZE)) {
            return describe(name, f.data());
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, e.getMessage(), e);
        }
    }

    /**
     * The text nova:fw prints for a file's bytes, after the validation the probe runs on the same file:
     * the parser is the one the probe uses for the file's role (booter_load, booter_unload, bootloader or
     * gsp, from its name {@code nvidia/<chip>/gsp/<file>-<release>.bin}, else from its magic), and for a
     * GSP image named so, its chip's signature section and its release are checked as the probe checks
     * them. What only the GPU knows (its fuses, hence the signature a booter is patched with) is left to
     * the probe.
     *
     * @return the description
     * @throws FormatException naming the file, the structure and why, wherever the probe would refuse
     *     the file for its contents
     */
    public static String describe(String name, MemorySegment data) {
        if (name.replace('\\', '/').matches("(?:^|.*/)" + FmcFirmware.FILE + "-[0-9][0-9.]*\\.bin$")) {
            return describeFmc(name, data);
        }
        Optional<FirmwareNames.Named> named = FirmwareNames.parse(name);
        String role = named.map(FirmwareNames.Named::file).orElseGet(() -> roleByContent(name, data));
        return switch (role) {
            case FirmwareNames.GSP -> describeGsp(name, data, named);
            case FirmwareNames.BOOTLOADER -> describeRiscv(name, data);
            case FirmwareNames.GEN_BOOTLOADER -> describeGenBootloader(name, data);
            default -> describeBooter(name, data);
        };
    }

    /** @return the role a file without a firmware name has by its contents */
    private static String roleByContent(String name, MemorySegment data) {
        int magic = data.byteSize() >= Integer.BYTES ? data.get(LE32, 0) : 0;
        if (magic == Elf64.ELF_MAGIC) {
            return FirmwareNames.GSP;
        }
        if (magic != BinHeader.MAGIC) {
            throw new FormatException(name, "file header", 0, FormatException.Kind.BAD_MAGIC, String.format(
                    "neither an ELF (7f 45 4c 46) nor an NVIDIA binary firmware (bin_magic 0x%x): not a firmware "
                            + "file (first word 0x%08x)", BinHeader.MAGIC, magic));
        }
        FormatException notBooter;
        try {
            BooterFirmware.parse(name, data);
            return FirmwareNames.BOOTER_LOAD;
        } catch (FormatException e) {
            notBooter = e;
        }
        try {
            RiscvFirmware.parse(name, data);
            return FirmwareNames.BOOTLOADER;
        } catch (FormatException notRiscv) {
            throw new FormatException(name, "application header", BinFirmware.parse(name, data).header().headerOffset(),
                    FormatException.Kind.BAD_VALUE, "neither a booter (" + notBooter.getMessage()
                            + ") nor a RISC-V ucode (" + notRiscv.getMessage() + ")");
        }
    }

    private static String describeGsp(String name, MemorySegment data, Optional<FirmwareNames.Named> named) {
        GspFirmware gsp = GspFirmware.parse(name, data);
        named.ifPresent(n -> {
            gsp.signatures(n.chipset());
            if (!gsp.version().equals(n.version())) {
                throw new FormatException(name, GspFirmware.SECTION_VERSION + " section", -1,
                        FormatException.Kind.BAD_VALUE, "the image reports version " + gsp.version()
                                + ", its file name release " + n.version());
            }
        });
        Elf64 elf = gsp.elf();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: ELF64, machine %d, %d sections, GSP firmware %s%n", name, elf.machine(),
                elf.sections().size(), gsp.version()));
        sb.append(String.format("%-4s %-24s %12s %12s%n", "IDX", "NAME", "OFFSET", "SIZE"));
        for (Elf64.Section s : elf.sections()) {
            sb.append(String.format("%-4d %-24s %#12x %#12x%n", s.index(), s.index() == 0 ? "(null)" : s.name(),
                    s.offset(), s.size()));
        }
        return sb.toString();
    }

    private static StringBuilder binHeader(String name, BinFirmware bin) {
        BinHeader h = bin.header();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s: NVIDIA binary firmware%n", name));
        sb.append(String.format("bin_magic      %#x%n", h.magic()));
        sb.append(String.format("bin_ver        %#x%n", h.version()));
        sb.append(String.format("bin_size       %#x%n", h.binSize()));
        sb.append(String.format("header_offset  %#x%n", h.headerOffset()));
        sb.append(String.format("data_offset    %#x%n", h.dataOffset()));
        sb.append(String.format("data_size      %#x%n", h.dataSize()));
        return sb;
    }

    private static String describeBooter(String name, MemorySegment data) {
        BooterFirmware b = BooterFirmware.parse(name, data);
        StringBuilder sb = binHeader(name, b.bin());
        sb.append(String.format("hs header      %s%n", b.hs()));
        sb.append(String.format("load header    %s%n", b.load()));
        sb.append(String.format("signature      %s%n", b.params()));
        sb.append(String.format("patch_loc      %#x%n", b.patchLocation()));
        sb.append(String.format("signatures     %d x %#x bytes%n", b.signatures().size(), b.signatureSize()));
        return sb.toString();
    }

    private static String describeRiscv(String name, MemorySegment data) {
        RiscvFirmware r = RiscvFirmware.parse(name, data);
        StringBuilder sb = binHeader(name, r.bin());
        sb.append(String.format("riscv desc     %s%n", r.desc()));
        return sb.toString();
    }

    /** The generic bootloader that DMAs FWSEC in on Turing and GA100 (firmware/fwsec/bootloader.rs). */
    private static String describeGenBootloader(String name, MemorySegment data) {
        GenBootloader g = GenBootloader.parse(name, data);
        StringBuilder sb = binHeader(name, g.file());
        sb.append(String.format("bl desc        start_tag 0x%x, code_size 0x%x (0x%x padded), IMEM 0x%x, boot 0x%x%n",
                g.startTag(), g.codeSize(), g.alignedCodeSize(), g.imemDstStart(), g.bootAddr()));
        return sb.toString();
    }

    /** The FMC of a Hopper or Blackwell chip (firmware/fsp.rs): its chain-of-trust sections, as the probe parses them. */
    private static String describeFmc(String name, MemorySegment data) {
        FmcFirmware f = FmcFirmware.parse(name, data);
        return String.format("%s: FMC firmware (the FSP's chain of trust)%nimage          %#x bytes%n"
                + "hash           %d bytes (SHA-384)%npublickey      %d bytes (zero-padded)%n"
                + "signature      %d bytes (zero-padded)%n", name, f.image().byteSize(), f.hash().length,
                f.publicKey().length, f.signature().length);
    }

    /** nova:info — every GPU nova.core drives. */
    @Descriptor("show the GPUs nova-core drives: chipset, VBIOS, firmware, memory, GSP state")
    public String info() {
        return format(gpus.gpus(), gsp);
    }

    /** nova:info DEVICE — one GPU ("0000:00:05.0" or "00:05.0"). */
    @Descriptor("show the GPUs nova-core drives: chipset, VBIOS, firmware, memory, GSP state")
    public String info(@Descriptor(GPU) String device) {
        GpuInfo g = gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
        return format(List.of(g), gsp);
    }

    /** Parameter descriptor of a GSP log buffer. */
    static final String BUFFER = "BUFFER: a GSP log buffer, LOGINIT, LOGINTR or LOGRM";

    /** nova:gsplog DEVICE — the LOGRM buffer, decoded as far as its format allows. */
    @Descriptor("print a GPU's GSP log buffer LOGRM decoded as far as the LibOS format allows (put pointer, entries)")
    public String gsplog(@Descriptor(GPU) String device) {
        return gsplog(device, GspLogBuffer.LOGRM.name());
    }

    /** nova:gsplog DEVICE BUFFER — one GSP log buffer, decoded as far as its format allows. */
    @Descriptor("print a GPU's GSP log buffer decoded as far as the LibOS format allows (put pointer, entries)")
    public String gsplog(@Descriptor(GPU) String device, @Descriptor(BUFFER) String buffer) {
        GpuInfo g = gpu(device);
        String log = gsp.log(g.device(), logBuffer(buffer));
        return log.isEmpty() ? g.device() + ": the GSP log " + buffer + " is gone (the GPU unbound)" : log;
    }

    /**
     * nova:gsplogdump DEVICE BUFFER FILE — writes a GSP log buffer's raw bytes to a file, as
     * debugfs' binary loginit/logintr/logrm give them to an offline decoder.
     *
     * @throws DriverException ENODEV (no GPU with a running GSP), EINVAL (no such buffer), EIO
     *     (the file cannot be written), naming what
     */
    @Descriptor("write a GPU's GSP log buffer, raw, to a file (as debugfs' binary loginit, logintr, logrm)")
    public String gsplogdump(@Descriptor(GPU) String device, @Descriptor(BUFFER) String buffer,
            @Descriptor("PATH: where to write the buffer's bytes (replaced if it exists)") String file) {
        GpuInfo g = gpu(device);
        byte[] b = gsp.logBytes(g.device(), logBuffer(buffer));
        try {
            Files.write(Path.of(file), b);
        } catch (IOException | RuntimeException e) {
            throw new DriverException(Errno.EIO, "cannot write " + file + ": " + e.getMessage(), e);
        }
        return String.format("%s: %s, %d bytes, written to %s", g.device(), buffer.toUpperCase(Locale.ROOT),
                b.length, file);
    }

    /** nova:fbregions DEVICE — the framebuffer regions GSP-RM reported in GetGspStaticInfo. */
    @Descriptor("show the framebuffer regions GSP-RM reported (reserved, protected, compression and ISO support; "
            + "the usable ones back the VRAM allocator)")
    public String fbregions(@Descriptor(GPU) String device) {
        GpuInfo g = gpu(device);
        List<FbRegion> regions = gsp.fbRegions(g.device());
        if (regions.isEmpty()) {
            return g.device() + ": no framebuffer regions (the GSP did not report them)";
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-3s %18s %18s %10s %-9s %-9s %-10s %-4s %-6s%n", "IDX", "BASE", "END", "MIB",
                "RESERVED", "PROTECTED", "COMPRESSED", "ISO", "USABLE"));
        for (FbRegion r : regions) {
            sb.append(String.format("%-3d %#18x %#18x %10d %-9s %-9s %-10s %-4s %-6s%n", r.index(), r.base(), r.end(),
                    r.size() >> 20, yes(r.reserved() != 0), yes(r.protectedMemory()), yes(r.compressed()),
                    yes(r.iso()), yes(r.usable())));
        }
        return sb.toString();
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    private GpuInfo gpu(String device) {
        return gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
    }

    /** @throws DriverException EINVAL naming the buffers there are */
    private static GspLogBuffer logBuffer(String name) {
        try {
            return GspLogBuffer.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.EINVAL, "no GSP log buffer " + name + " (there are "
                    + java.util.Arrays.toString(GspLogBuffer.values()) + ")");
        }
    }

    /** nova:rpc-stats — the command queues and every client, of every GPU. */
    @Descriptor("show the GSP command queues' and the RPC clients' accounting")
    public String rpcstats() {
        StringBuilder sb = new StringBuilder();
        for (GpuInfo g : gpus.gpus()) {
            sb.append(rpcstats(g.device()));
        }
        return sb.isEmpty() ? "no GPU bound to NovaCore" : sb.toString();
    }

    /** nova:rpc-stats DEVICE — one GPU's command queues and clients. */
    @Descriptor("show the GSP command queues' and the RPC clients' accounting")
    public String rpcstats(@Descriptor(GPU) String device) {
        GpuInfo g = gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
        StringBuilder sb = new StringBuilder();
        gsp.status(g.device()).ifPresent(s -> sb.append(String.format(
                "%s: commands sent %d, messages received %d, sends that waited for room %d, interrupts %d, "
                        + "found by the fallback check %d, CPU sequencer runs %d%s%n", s.device(),
                s.commandsSent(), s.messagesReceived(), s.queueFullWaits(), s.interrupts(), s.fallbackPolls(),
                s.sequencerRuns(),
                s.error().isEmpty() ? "" : ", queues unusable: " + s.error())));
        for (RpcStats r : gsp.stats(g.device())) {
            sb.append(String.format("  client %-16s calls %d, failures %d, timeouts %d, mean %.1f us%s%n", r.client(),
                    r.calls(), r.failures(), r.timeouts(), r.calls() == 0 ? 0.0 : r.totalNanos() / 1e3 / r.calls(),
                    r.open() ? "" : " (closed)"));
        }
        return sb.toString();
    }

    private static String format(List<GpuInfo> list, GspCommands gsp) {
        if (list.isEmpty()) {
            return "no GPU bound to NovaCore";
        }
        StringBuilder sb = new StringBuilder();
        for (GpuInfo g : list) {
            sb.append(String.format("%s: Chipset %s, Architecture %s, Revision %s, VBIOS %s, firmware %s, "
                    + "FB %d MiB, BAR0 %d MiB, BAR1 %d MiB, boot state %s%n", g.device(), g.chipset(),
                    g.architecture(), g.revision(), g.vbiosVersion().isEmpty() ? "-" : g.vbiosVersion(),
                    g.firmwareVersion(), g.fbSize() >> 20, g.bar0Size() >> 20, g.bar1Size() >> 20, g.state()));
            gsp.status(g.device()).ifPresent(st -> sb.append(String.format(
                    "  GSP firmware %s, ABI bindings %s, GPU name %s, FB reported by GSP-RM %s%s%n",
                    st.firmwareVersion(), st.bindings().isEmpty() ? "-" : st.bindings(),
                    st.gpuName().isEmpty() ? "(not in this release's bindings)" : st.gpuName(),
                    st.fbLength() == 0 ? "-" : (st.fbLength() >> 20) + " MiB",
                    st.error().isEmpty() ? "" : ", queues unusable: " + st.error())));
            gsp.status(g.device()).filter(st -> !st.staticInfo().isEmpty()).ifPresent(st -> sb.append("  static info: ")
                    .append(st.staticInfo().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(", "))).append(System.lineSeparator()));
        }
        return sb.toString();
    }
}
