package org.nova.vgpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.PluginTask;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.hw.pci.PciAddress;
import org.nova.vgpu.VfioDevice;
import org.nova.vgpu.VgpuInfo;
import org.nova.vgpu.VgpuType;

/** The vGPU lifecycle against a fake nova.core: types, create, the RFC's errors, destroy, release, isolation. */
class VgpuCoreTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    /** The fake GPU's VRAM. */
    private static final long TOTAL = 32 * GIB;
    private FakeFirmware fw;
    private BuddyVramManager vram;
    private VgpuCore core;
    private FakeVf[] vfs;

    @BeforeEach
    void setUp() {
        fw = new FakeFirmware();
        vfs = new FakeVf[] {new FakeVf(0, fw), new FakeVf(1, fw), new FakeVf(2, fw), new FakeVf(3, fw)};
        vram = BuddyVramManager.of(FakeFirmware.PF, 0, TOTAL, fw.aperture);
        core = new VgpuCore(fw, fw, pf -> Optional.of(vram), Duration.ofMillis(300));
        for (FakeVf vf : vfs) {
            core.vfBound(PciAddress.parse(FakeFirmware.PF), vf, 0x10de | 0x2685 << 16);
        }
    }

    private static void assertErrno(Errno errno, Executable e) {
        assertEquals(errno, assertThrows(DriverException.class, e).errno());
    }

    private void assertNothingHeld() {
        assertEquals(Map.of(), vram.usageByOwner());
        assertEquals(TOTAL, vram.available());
        assertEquals(Map.of(), fw.booted);
        assertEquals(List.of(), core.list());
        assertEquals(0, fw.fbBytesHeld(), "framebuffers scrubbed");
    }

    @Test
    void typesComeFromTheFirmwareAndCreatableTypesFollowTheRunningOne() {
        List<VgpuType> types = core.types(FakeFirmware.PF);
        assertEquals(List.of("NVIDIA L40-1Q", "NVIDIA L40-2Q", "NVIDIA L40-8Q"), types.stream().map(VgpuType::name)
                .toList());
        assertEquals(GIB, types.get(0).fbSize());
        assertEquals(256L << 20, types.get(0).bar1Size());
        assertEquals(512, types.get(0).channels());
        assertEquals(types, core.types("0000:00:06.2"), "a VF names its GPU");
        assertEquals(types, core.creatableTypes(FakeFirmware.PF));
        core.create("00:06.1", "L40-1Q");
        assertEquals(List.of(types.get(0)), core.creatableTypes(FakeFirmware.PF));
    }

    @Test
    void createCarvesFbAssignsChannelsBootsAndDestroyReleases() {
        VfioDevice d = core.create("0000:00:06.1", "NVIDIA L40-1Q");
        VgpuInfo i = d.info();
        assertEquals(1, i.gfid());
        assertEquals(GIB, i.fbSize());
        assertEquals(512, i.chidOffset());
        assertEquals(512, i.channels());
        assertEquals(Map.of(1, 0x3b1), fw.booted);
        // the bootload nova.core lays out for the firmware (its layout is nova.core's VgpuFirmwareTest's)
        PluginTask boot = fw.lastBoot;
        assertEquals(PciAddress.parse("00:06.1"), boot.vf());
        assertEquals(1, boot.gfid());
        assertEquals(0x3b1, boot.vgpuType());
        assertEquals(512, boot.firstChannel());
        assertEquals(512, boot.channels());
        assertEquals(i.fbOffset(), boot.framebuffer().offset());
        assertEquals(GIB, boot.framebuffer().size());
        // the plugin heap: gspHeapSize of CPU-visible VRAM
        long heap = i.pluginHeapOffset();
        assertEquals(FakeFirmware.HEAP, i.pluginHeapSize());
        assertEquals(heap, boot.heap().offset());
        assertEquals(FakeFirmware.HEAP, boot.heap().size());
        assertTrue(heap + FakeFirmware.HEAP <= FakeFirmware.APERTURE, "in the BAR1 aperture");
        assertEquals(Map.of("vgpu.vfio:0000:00:06.1", GIB, "vgpu.vfio:0000:00:06.1/plugin-heap", FakeFirmware.HEAP),
                vram.usageByOwner());
        VfioDevice d2 = core.create("0000:00:06.3", "0x3b1");
        assertEquals(3, d2.info().gfid());
        assertEquals(1024, d2.info().chidOffset());
        assertEquals(List.of("0000:00:06.1", "0000:00:06.3"), core.list().stream().map(VgpuInfo::vf).toList());
        core.destroy("0000:00:06.1");
        assertTrue(d.isClosed());
        assertErrno(Errno.ENODEV, () -> d.read(VfioDevice.BAR1_REGION_INDEX, 0, 4));
        // boot, boot, then shutdown and cleanup of gfid 1, in that order
        assertEquals(List.of("bootload", "bootload", "shutdown", "cleanup"), fw.log.subList(fw.log.size() - 4,
                fw.log.size()));
        // the freed channels are reused
        assertEquals(512, core.create("0000:00:06.2", "NVIDIA L40-1Q").info().chidOffset());
        core.destroy("0000:00:06.2");
        core.destroy("0000:00:06.3");
        assertErrno(Errno.ENODEV, () -> core.destroy("0000:00:06.3"));
        assertNothingHeld();
    }

    @Test
    void theRfcsErrorsLeakNothing() {
        assertErrno(Errno.ENODEV, () -> core.create("0000:00:06.1", "NVIDIA A100-1G"));
        assertErrno(Errno.ENODEV, () -> core.create("0000:00:07.1", "NVIDIA L40-1Q"));
        assertNothingHeld();
        core.create("0000:00:06.1", "NVIDIA L40-8Q");
        assertErrno(Errno.EBUSY, () -> core.create("0000:00:06.1", "NVIDIA L40-8Q"));
        assertErrno(Errno.ENODEV, () -> core.create("0000:00:06.2", "NVIDIA L40-1Q")); // homogeneous
        core.create("0000:00:06.2", "NVIDIA L40-8Q");
        assertErrno(Errno.ENOSPC, () -> core.create("0000:00:06.3", "NVIDIA L40-8Q")); // max instances 2
        assertEquals(16 * GIB + 2 * FakeFirmware.HEAP, vram.usageByOwner().values().stream()
                .mapToLong(Long::longValue).sum());
        assertEquals(2, fw.booted.size());
        core.destroy("0000:00:06.1");
        core.destroy("0000:00:06.2");
        assertNothingHeld();
        // VRAM exhausted by another client: ENOSPC, and no firmware call
        var hog = vram.allocate(TOTAL, "someone-else");
        int calls = fw.log.size();
        assertErrno(Errno.ENOSPC, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        assertEquals(calls, fw.log.size());
        vram.free(hog);
        // the firmware refuses: memory and channels go back
        fw.failNextBoot = Errno.EBUSY;
        assertErrno(Errno.EBUSY, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        fw.failNextBoot = Errno.ENOSPC;
        assertErrno(Errno.ENOSPC, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        assertNothingHeld();
        assertEquals(512, core.create("0000:00:06.1", "NVIDIA L40-1Q").info().chidOffset());
    }

    @Test
    void noVgpuSupportOrNoBoundPfIsEnodev() {
        fw.vgpu = false;
        assertErrno(Errno.ENODEV, () -> core.types(FakeFirmware.PF));
        assertErrno(Errno.ENODEV, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        fw.vgpu = true;
        fw.bound = false;
        assertErrno(Errno.ENODEV, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        assertNothingHeld();
    }

    @Test
    void vfUnbindDestroysItsVgpuAndTheLastVfClosesTheChannel() {
        core.create("0000:00:06.1", "NVIDIA L40-1Q");
        core.create("0000:00:06.2", "NVIDIA L40-1Q");
        assertEquals(1, fw.openChannels);
        // sriov_configure(0) before the PF unbinds: the VFs unbind (last first), their vGPUs go
        for (int i = vfs.length - 1; i >= 0; i--) {
            core.vfUnbound(vfs[i].slot());
        }
        assertNothingHeld();
        assertEquals(0, fw.openChannels);
        assertEquals(List.of(), core.boundVfs());
    }

    @Test
    void closingTheDriverReleasesEveryVgpuAndItsMemory() {
        VfioDevice a = core.create("0000:00:06.1", "NVIDIA L40-2Q");
        VfioDevice b = core.create("0000:00:06.2", "NVIDIA L40-2Q");
        a.write(VfioDevice.BAR1_REGION_INDEX, 0, 8, 0x1122334455667788L);
        b.write(VfioDevice.BAR1_REGION_INDEX, 4096, 4, 0xcafe);
        assertTrue(fw.fbBytesHeld() > 0);
        core.closeAll();
        assertTrue(a.isClosed());
        assertTrue(b.isClosed());
        assertNothingHeld();
        assertEquals(0, fw.openChannels);
    }

    @Test
    void aPluginThatNeverReportsIsEtimedoutAndLeavesNothing() {
        fw.pluginReports = false;
        DriverException e = assertThrows(DriverException.class, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        assertEquals(Errno.ETIMEDOUT, e.errno());
        assertTrue(e.getMessage().contains("GSP_PLUGIN_BOOTLOADED within 300 ms"), e.getMessage());
        // the booted plugin was shut down and cleaned up, the heap, framebuffer and channels returned
        assertEquals(List.of("bootload", "shutdown", "cleanup"), fw.log.subList(fw.log.size() - 3, fw.log.size()));
        assertNothingHeld();
        fw.pluginReports = true;
        assertEquals(512, core.create("0000:00:06.1", "NVIDIA L40-1Q").info().chidOffset());
    }

    @Test
    void noCpuVisibleVramForTheHeapIsEnospcAndLeavesNothing() {
        var hog = vram.allocateBelow(FakeFirmware.APERTURE, "someone-else", FakeFirmware.APERTURE);
        core.types(FakeFirmware.PF); // the types are read once
        int calls = fw.log.size();
        DriverException e = assertThrows(DriverException.class, () -> core.create("0000:00:06.1", "NVIDIA L40-1Q"));
        assertEquals(Errno.ENOSPC, e.errno());
        assertEquals(calls, fw.log.size(), "no firmware call");
        vram.free(hog);
        assertNothingHeld();
    }

    @Test
    void twoVgpusCannotReachEachOthersMemory() {
        VfioDevice a = core.create("0000:00:06.1", "NVIDIA L40-1Q");
        VfioDevice b = core.create("0000:00:06.2", "NVIDIA L40-1Q");
        long bar1 = a.regions().stream().filter(r -> r.index() == VfioDevice.BAR1_REGION_INDEX).findFirst()
                .orElseThrow().size();
        assertEquals(256L << 20, bar1, "BAR1 sized by the type");
        // the same guest offsets land in different framebuffers
        for (long off : new long[] {0, 4096, bar1 - 8}) {
            a.write(VfioDevice.BAR1_REGION_INDEX, off, 8, 0xaaaa_0000L | off);
            b.write(VfioDevice.BAR1_REGION_INDEX, off, 8, 0xbbbb_0000L | off);
        }
        for (long off : new long[] {0, 4096, bar1 - 8}) {
            assertEquals(0xaaaa_0000L | off, a.read(VfioDevice.BAR1_REGION_INDEX, off, 8));
            assertEquals(0xbbbb_0000L | off, b.read(VfioDevice.BAR1_REGION_INDEX, off, 8));
        }
        // nothing past the aperture: no offset reaches the other vGPU's framebuffer
        long distance = Math.abs(b.info().fbOffset() - a.info().fbOffset());
        for (long off : new long[] {bar1, bar1 - 4 + 1, distance, -distance, -8, Long.MAX_VALUE - 4}) {
            assertErrno(Errno.ERANGE, () -> a.read(VfioDevice.BAR1_REGION_INDEX, off, 8));
            assertErrno(Errno.ERANGE, () -> a.write(VfioDevice.BAR1_REGION_INDEX, off, 8, 0xdead));
        }
        assertEquals(0xbbbb_0000L, b.read(VfioDevice.BAR1_REGION_INDEX, 0, 8));
        // a reset is the VF's function-level reset: the framebuffer keeps its contents, as on hardware
        a.reset();
        assertEquals(0xaaaa_0000L, a.read(VfioDevice.BAR1_REGION_INDEX, 0, 8));
        assertEquals(0xbbbb_0000L, b.read(VfioDevice.BAR1_REGION_INDEX, 0, 8));
        assertEquals(1, vfs[0].resets);
        // a destroyed vGPU's memory is cleared before it is reused
        core.destroy("0000:00:06.2");
        VfioDevice c = core.create("0000:00:06.3", "NVIDIA L40-1Q");
        assertEquals(0, c.read(VfioDevice.BAR1_REGION_INDEX, 0, 8));
    }

    @Test
    void theDeviceHasConfigBar0AndInterrupts() {
        VfioDevice d = core.create("0000:00:06.1", "NVIDIA L40-1Q");
        assertEquals(List.of("BAR0", "BAR1", "config"), d.regions().stream().map(r -> r.name()).toList());
        assertEquals(0x10de, d.read(VfioDevice.CONFIG_REGION_INDEX, 0, 2), "the guest sees NVIDIA, not FFFFh");
        assertEquals(0x2685_10deL, d.read(VfioDevice.CONFIG_REGION_INDEX, 0, 4));
        assertEquals(0x0302, d.read(VfioDevice.CONFIG_REGION_INDEX, 0xa, 2));
        d.write(VfioDevice.CONFIG_REGION_INDEX, 0, 4, 0); // IDs are read-only
        assertEquals(0x10de, d.read(VfioDevice.CONFIG_REGION_INDEX, 0, 2));
        d.write(VfioDevice.BAR0_REGION_INDEX, 0x100, 4, 0x1234);
        assertEquals(0x1234, d.read(VfioDevice.BAR0_REGION_INDEX, 0x100, 4));
        assertErrno(Errno.ERANGE, () -> d.read(VfioDevice.BAR0_REGION_INDEX, 256 << 10, 4));
        assertErrno(Errno.EINVAL, () -> d.read(VfioDevice.BAR0_REGION_INDEX, 0, 3));
        assertErrno(Errno.EINVAL, () -> d.read(5, 0, 4));
        assertEquals(1, d.irqs().stream().filter(q -> q.index() == VfioDevice.MSI_IRQ_INDEX).findFirst()
                .orElseThrow().count());
        AtomicInteger got = new AtomicInteger(-1);
        assertFalse(vfs[0].raiseMsi(), "the VF's MSI is off until the VMM listens");
        d.setIrqHandler(VfioDevice.MSI_IRQ_INDEX, got::set);
        assertTrue(vfs[0].raiseMsi());
        assertEquals(0, got.get());
        assertErrno(Errno.EINVAL, () -> d.setIrqHandler(VfioDevice.INTX_IRQ_INDEX, v -> { }));
        d.setIrqHandler(VfioDevice.MSI_IRQ_INDEX, null);
        assertFalse(vfs[0].raiseMsi(), "null disables the VF's MSI");
        d.setIrqHandler(VfioDevice.MSI_IRQ_INDEX, got::set);
        core.destroy("0000:00:06.1");
        assertFalse(vfs[0].raiseMsi(), "destroying the vGPU disables the VF's MSI");
    }

    @Test
    void configurationEntriesParse() {
        assertEquals(Map.of("0000:00:06.1", "NVIDIA L40-1Q", "0000:00:06.2", "0x3b1"),
                VgpuVfioDriver.parse(Map.of(VgpuVfioDriver.PROP_CREATE,
                        new String[] {"00:06.1=NVIDIA L40-1Q", "0000:00:06.2=0x3b1"})));
        assertEquals(Map.of(), VgpuVfioDriver.parse(Map.of()));
    }
}
