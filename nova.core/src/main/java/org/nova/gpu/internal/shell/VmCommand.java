package org.nova.gpu.internal.shell;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.internal.mm.Bar1Space;
import org.nova.gpu.internal.mm.Bar1Spaces;
import org.nova.gpu.internal.mm.VaAllocator;
import org.nova.gpu.internal.mm.Walker;
import org.nova.nvidia.mmu.MmuFormat;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code nova:vm GPU [VA]}: a GPU's BAR1 VA space — who owns the binding and the root, the VA
 * ranges held (mappings and the kernel carve-out), the driver's table memory — and, with a VA, the
 * walk of that BAR1 offset level by level as the driver's {@link Walker} reads the tables through
 * PRAMIN (the same path on hardware; nothing of the simulator is asked). {@link #view} gathers the
 * data, {@link #format} prints it.
 */
@Component(service = VmCommand.class, property = {
        "osgi.command.scope=nova",
        "osgi.command.function=vm"})
public final class VmCommand {
    /** Every table is one 4 KiB VRAM block (PageTableManager). */
    private static final long TABLE_BYTES = 4096;

    /**
     * What {@code nova:vm} shows.
     *
     * @param device the GPU
     * @param underGspRm whether GSP-RM owns BAR1's binding and root directory
     * @param instBlock the instance block the BAR1 block register names
     * @param format the page-table format the space is written in (version 2, or 3 on Hopper and Blackwell)
     * @param root the root directory (PD3 in version 2, PD4 in version 3)
     * @param size the VA space's bytes
     * @param carveOut bytes reserved for the kernel at the top
     * @param free bytes of VA no range holds, the carve-out not counted (it is never free for mappings)
     * @param carveOutFree bytes of the carve-out the kernel has not mapped
     * @param tables the driver's tables now (the root excluded when it is GSP-RM's)
     * @param ranges the ranges held, lowest first
     * @param walk the walk of the asked VA, or null
     */
    public record View(String device, boolean underGspRm, long instBlock, MmuFormat format, long root, long size,
            long carveOut,
            long free, long carveOutFree, int tables, List<VaAllocator.Range> ranges, Walker.Walk walk) {
    }

    private final NovaGpus gpus;
    private final Bar1Spaces spaces;

    @Activate
    public VmCommand(@Reference NovaGpus gpus, @Reference Bar1Spaces spaces) {
        this.gpus = gpus;
        this.spaces = spaces;
    }

    /** nova:vm GPU — BAR1's VA space. */
    @Descriptor("show a GPU's BAR1 VA space: the binding, the VA ranges mapped, the carve-out, the page-table memory")
    public String vm(@Descriptor(NovaCommands.GPU) String device) {
        return format(view(device, -1));
    }

    /** nova:vm GPU VA — BAR1's VA space and the walk of one BAR1 offset. */
    @Descriptor("show a GPU's BAR1 VA space and the level-by-level walk of one BAR1 offset")
    public String vm(@Descriptor(NovaCommands.GPU) String device,
            @Descriptor("VA: a BAR1 offset, decimal or 0x-hex") String va) {
        long v;
        try {
            v = Long.decode(va);
        } catch (NumberFormatException e) {
            throw new DriverException(Errno.EINVAL, "not a VA: " + va + " (decimal or 0x-hex)");
        }
        return format(view(device, v));
    }

    /** Gogo's catch-all: arguments no overload takes. @throws DriverException EINVAL with the usage line */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), NovaCommands.SCOPE, argv));
    }

    /**
     * @param va a BAR1 offset to walk, or -1 for none
     * @throws DriverException ENODEV when no GPU is bound there; ENOENT when its BAR1 is linear (no
     *     VA space); EINVAL for a VA outside the space
     */
    public View view(String device, long va) {
        GpuInfo g = gpus.gpu(device).orElseThrow(() -> new DriverException(Errno.ENODEV,
                "no GPU bound to NovaCore at " + device));
        Bar1Space s = spaces.bar1(g.device()).orElseThrow(() -> new DriverException(Errno.ENOENT,
                g.device() + ": BAR1 is linear onto VRAM (GSP-RM reported no BAR1 root): no VA space"));
        long size = s.tables().vaSize();
        if (va != -1 && (va < 0 || va >= size)) {
            throw new DriverException(Errno.EINVAL, String.format("%s: VA 0x%x is outside BAR1's 0x%x-byte space",
                    g.device(), va, size));
        }
        return new View(g.device(), s.underGspRm(), s.instBlock(), s.tables().format(), s.tables().pageDirectory(),
                size, s.carveOut(),
                s.freeBytes(), s.kernelFreeBytes(), s.tables().tables(), s.ranges(), va == -1 ? null : s.walk(va));
    }

    /** @return the view as the command prints it */
    public static String format(View v) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s BAR1: 0x%x bytes of VA, %s%n", v.device(), v.size(), v.underGspRm()
                ? "bound by GSP-RM (instance block and root are GSP-RM's; the driver's tables hang off the root)"
                : "bound by the driver"));
        sb.append(String.format("  MMU format version %d (%d-bit VA), instance block 0x%x, root (%s) 0x%x%n",
                v.format().version(), v.format().vaBits(), v.instBlock(), v.format().root().name(), v.root()));
        sb.append(String.format("  driver page tables: %d (%d KiB of VRAM)%n", v.tables(),
                v.tables() * TABLE_BYTES >> 10));
        sb.append(String.format("  carve-out: %s%n", v.carveOut() == 0 ? "none"
                : String.format("0x%x bytes at 0x%x (0x%x of them not mapped by the kernel)", v.carveOut(),
                        v.size() - v.carveOut(), v.carveOutFree())));
        sb.append(String.format("  VA free: 0x%x of 0x%x bytes (the carve-out is not free)%n", v.free(), v.size()));
        sb.append(String.format("  %-18s %-18s %s%n", "VA", "SIZE", "OWNER"));
        if (v.ranges().isEmpty()) {
            sb.append("  (nothing mapped)\n");
        }
        for (VaAllocator.Range r : v.ranges()) {
            sb.append(String.format("  %#-18x %#-18x %s%n", r.va(), r.size(), r.owner()));
        }
        Walker.Walk w = v.walk();
        if (w != null) {
            sb.append(String.format("walk of VA 0x%x:%n", w.va()));
            for (Walker.Step st : w.steps()) {
                sb.append("  ").append(st).append('\n');
            }
            sb.append(w.mapped()
                    ? String.format("  -> %s 0x%x (%d KiB page%s)%n",
                            w.aperture() == org.nova.gpu.vm.VmAperture.VIDEO_MEMORY ? "VRAM" : w.aperture() + " DMA",
                            w.pa(), (1L << w.pageShift()) >> 10, w.readOnly() ? ", read-only" : "")
                    : w.sparse() ? "  -> sparse: reads return zero, writes are dropped\n"
                    : String.format("  -> not mapped: %s%n", w.fault()));
        }
        return sb.toString();
    }
}
