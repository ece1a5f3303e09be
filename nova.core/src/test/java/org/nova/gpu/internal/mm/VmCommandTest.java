package org.nova.gpu.internal.mm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.gpu.NovaGpus;
import org.nova.gpu.internal.shell.VmCommand;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.mmu.MmuHal;

/**
 * nova:vm over a BAR1 space on the simulated GPU: the ranges and table memory it lists are the
 * space's, and the walk it prints ends at the VRAM page the simulator's MMU translates to.
 */
class VmCommandTest {
    private static final String DEV = "0000:00:05.0";
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    private static NovaGpus gpus() {
        GpuInfo info = new GpuInfo(DEV, "GA102", "Ampere", "a1", "94.02", "535.113.01", 24L << 30, 16 << 20,
                NvidiaGpu.BAR1_SIZE, GpuInfo.BootState.GSP_STARTED);
        return new NovaGpus() {
            @Override
            public List<GpuInfo> gpus() {
                return List.of(info);
            }

            @Override
            public Optional<GpuInfo> gpu(String device) {
                return device.equals(DEV) || device.equals("00:05.0") ? Optional.of(info) : Optional.empty();
            }

            @Override
            public boolean vgpuSupported(String device) {
                return false;
            }
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "GH100"})
    void listsTheSpaceAndWalksAVaToWhatTheGpuTranslates(Chipset chip) {
        MmGpu g = new MmGpu(tmp, chip);
        Bar1Space bar1 = Bar1Space.bind("sim", g.bar0, MmuHal.of(chip.architecture()), g.vram, g.pramin, g.tlb,
                NvidiaGpu.BAR1_SIZE, 16 * MIB);
        VramBlock b = g.vram.allocate(MIB, "gem");
        long va = bar1.map(b, "nova-drm:card0:file1", false);
        VmCommand cmd = new VmCommand(gpus(), d -> d.equals(DEV) ? Optional.of(bar1) : Optional.empty());

        VmCommand.View v = cmd.view("00:05.0", va + 0x2_0010);
        assertEquals(2, v.ranges().size(), "the mapping and the carve-out");
        assertEquals(bar1.tables().tables(), v.tables());
        assertEquals(NvidiaGpu.BAR1_SIZE - 16 * MIB - MIB, v.free(), "VA free counts neither the mapping nor the carve-out");
        assertEquals(16 * MIB, v.carveOutFree());
        assertEquals(g.gpu.mmu().translate(bar1.instBlock(), va + 0x2_0010, false), v.walk().pa(),
                "the driver's walk ends where the GPU's MMU translates");
        String out = cmd.vm("00:05.0", "0x" + Long.toHexString(va + 0x2_0010));
        assertTrue(out.contains("nova-drm:card0:file1") && out.contains("kernel"), out);
        assertTrue(out.contains(String.format("-> VRAM 0x%x (64 KiB page)", b.offset() + 0x2_0010)), out);
        assertTrue(out.contains(g.format.root().name()) && out.contains("PD0"), out);
        assertTrue(out.contains("MMU format version " + g.format.version() + " (" + g.format.vaBits() + "-bit VA)"), out);
        assertEquals(g.format.directories().size() + 1, v.walk().steps().size(), "every directory level and the page table");
        assertTrue(out.contains(String.format("VA free: 0x%x of 0x%x bytes", NvidiaGpu.BAR1_SIZE - 17 * MIB,
                NvidiaGpu.BAR1_SIZE)), out);

        String hole = cmd.vm(DEV, "0x100000");
        assertTrue(hole.contains("-> not mapped"), hole);
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> cmd.vm(DEV, Long.toString(NvidiaGpu.BAR1_SIZE))).errno());
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class, () -> cmd.vm(DEV, "zz")).errno());
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> cmd.vm("0000:00:09.0")).errno());
        VmCommand linear = new VmCommand(gpus(), d -> Optional.empty());
        assertEquals(Errno.ENOENT, assertThrows(DriverException.class, () -> linear.vm(DEV)).errno());

        bar1.unmap(va);
        g.vram.free(b);
        bar1.close();
    }
}
