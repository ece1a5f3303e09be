package org.nova.gpu.internal.shell;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.shell.Usage;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.GspCommands;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.RpcStats;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fw.BinFirmware;
import org.nova.nvidia.fw.BinHeader;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.Elf64;
import org.nova.nvidia.fw.RiscvFirmware;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code nova} shell scope: {@code nova:fw FILE} shows what the firmware parsers find in a
 * file, {@code nova:info [DEVICE]} the GPUs nova.core drives (with the GSP's firmware, the ABI
 * bindings in use and the static information it reported), {@code nova:gsplog DEVICE} the GSP-RM
 * log buffer, {@code nova:rpc-stats [DEVICE]} the command queues' and the clients' accounting.
 * Arguments no overload takes get EINVAL with the usage line.
 */
@Component(service = NovaCommands.class, property = {
        "osgi.command.scope=nova",
        "osgi.command.function=fw",
        "osgi.command.function=info",
        "osgi.command.function=gsplog",
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

    /** nova:fw FILE — an ELF's sections, or a binary-header file's header fields. */
    @Descriptor("show what the firmware parsers find in a file: an ELF's sections or a binary header's fields")
    public String fw(@Descriptor("FILE: a firmware file, e.g. /lib/firmware/nvidia/ga102/gsp/booter_load-535.113.01.bin")
            String file) throws IOException {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) {
            throw new DriverException(Errno.ENOENT, "no file " + file);
        }
        try (Firmware f = Firmware.map(file, p)) {
            return describe(file, f.data());
        } catch (FormatException e) {
            throw new DriverException(Errno.EINVAL, e.getMessage(), e);
        }
    }

    /** @return the text nova:fw prints for a file's bytes */
    public static String describe(String name, MemorySegment data) {
        StringBuilder sb = new StringBuilder();
        int magic = data.byteSize() >= 4 ? data.get(LE32, 0) : 0;
        if (magic == Elf64.ELF_MAGIC) {
            Elf64 elf = Elf64.parse(name, data);
            sb.append(String.format("%s: ELF64, machine %d, %d sections%n", name, elf.machine(),
                    elf.sections().size()));
            sb.append(String.format("%-4s %-24s %12s %12s%n", "IDX", "NAME", "OFFSET", "SIZE"));
            for (Elf64.Section s : elf.sections()) {
                sb.append(String.format("%-4d %-24s %#12x %#12x%n", s.index(), s.name().isEmpty() ? "(null)" : s.name(),
                        s.offset(), s.size()));
            }
            return sb.toString();
        }
        BinFirmware bin = BinFirmware.parse(name, data);
        BinHeader h = bin.header();
        sb.append(String.format("%s: NVIDIA binary firmware%n", name));
        sb.append(String.format("bin_magic      %#x%n", h.magic()));
        sb.append(String.format("bin_ver        %#x%n", h.version()));
        sb.append(String.format("bin_size       %#x%n", h.binSize()));
        sb.append(String.format("header_offset  %#x%n", h.headerOffset()));
        sb.append(String.format("data_offset    %#x%n", h.dataOffset()));
        sb.append(String.format("data_size      %#x%n", h.dataSize()));
        try {
            BooterFirmware b = BooterFirmware.parse(name, data);
            sb.append(String.format("hs header      %s%n", b.hs()));
            sb.append(String.format("load header    %s%n", b.load()));
            sb.append(String.format("signature      %s%n", b.params()));
            sb.append(String.format("patch_loc      %#x%n", b.patchLocation()));
            sb.append(String.format("signatures     %d x %#x bytes%n", b.signatures().size(), b.signatureSize()));
            return sb.toString();
        } catch (FormatException notBooter) {
            // not a heavy-secure booter: try the RISC-V descriptor
        }
        try {
            RiscvFirmware r = RiscvFirmware.parse(name, data);
            sb.append(String.format("riscv desc     %s%n", r.desc()));
        } catch (FormatException notRiscv) {
            sb.append("(application header neither a booter nor a RISC-V descriptor)\n");
        }
        return sb.toString();
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

    /** nova:gsplog DEVICE — the GSP-RM log buffer (debugfs logrm). */
    @Descriptor("print a GPU's GSP-RM log buffer (debugfs logrm)")
    public String gsplog(@Descriptor(GPU) String device) {
        GpuInfo g = gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
        String log = gsp.log(g.device());
        return log.isEmpty() ? g.device() + ": the GSP log is empty" : log;
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
