package org.nova.vgpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.pci.PciAddress;
import org.nova.vgpu.VgpuType;

/**
 * Issue 14 item 11: what the manager calls creatable is creatable. The simulated AD102's types on
 * its VRAM (24 GiB less the GSP's regions at the top): framebuffers go in fixed-size placements,
 * available instances count the free ones, a create beyond them is refused before anything is
 * allocated, types of one placement size mix, and a destroyed vGPU's placement is reused.
 */
class VgpuCapacityTest {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;
    /** The client VRAM of the simulated AD102: 24 GiB less the GSP's WPR2 and heap at the top. */
    private static final long VRAM = 24 * GIB - 512 * MIB;
    /** The simulated AD102's types (SimVgpuManager). */
    private static final List<FakeFirmware.T> AD102 = List.of(new FakeFirmware.T(0x3b1, "NVIDIA L40-1Q", 4, 1024),
            new FakeFirmware.T(0x3b2, "NVIDIA L40-2Q", 4, 2048), new FakeFirmware.T(0x3b3, "NVIDIA L40-4Q", 4, 4096),
            new FakeFirmware.T(0x3b4, "NVIDIA L40-8Q", 2, 8192), new FakeFirmware.T(0x3c1, "NVIDIA L40-1B", 4, 1024));
    /** VFs bound: more than any type's placements, so a refusal is the placements', not a lack of VFs. */
    private static final int VFS = 6;

    private FakeFirmware fw;
    private BuddyVramManager vram;
    private VgpuCore core;

    private void gpu() {
        fw = new FakeFirmware(AD102);
        vram = BuddyVramManager.of(FakeFirmware.PF, 0, VRAM, fw.aperture);
        core = new VgpuCore(fw, fw, pf -> Optional.of(vram), Duration.ofMillis(300));
        for (int i = 0; i < VFS; i++) {
            core.vfBound(PciAddress.parse(FakeFirmware.PF), new FakeVf(i, fw), 0x10de | 0x2685 << 16);
        }
    }

    private static String vf(int i) {
        return "0000:00:06." + (i + 1);
    }

    private VgpuType type(String shortName) {
        return core.types(FakeFirmware.PF).stream().filter(t -> t.shortName().equals(shortName)).findFirst()
                .orElseThrow();
    }

    private int available(VgpuType t) {
        return core.availableInstances(FakeFirmware.PF, t.id());
    }

    /** @throws AssertionError unless the create is refused with {@code errno} and nothing was allocated */
    private void refusedBeforeAnything(Errno errno, String vf, VgpuType t) {
        Map<String, Long> held = vram.usageByOwner();
        int boots = (int) fw.log.stream().filter("bootload"::equals).count();
        DriverException e = assertThrows(DriverException.class, () -> core.create(vf, t.name()));
        assertEquals(errno, e.errno(), e.getMessage());
        assertEquals(held, vram.usageByOwner(), "nothing allocated: " + e.getMessage());
        assertEquals(boots, fw.log.stream().filter("bootload"::equals).count(), "no firmware call");
    }

    @Test
    void everyTypeCreatesExactlyItsAvailableInstancesThenRefuses() {
        Map<String, Integer> expected = Map.of("L40-1Q", 4, "L40-2Q", 4, "L40-4Q", 4, "L40-1B", 4,
                "L40-8Q", 1); // 8 GiB placements above the BAR1 aperture: only [8 GiB, 16 GiB) on this VRAM
        for (FakeFirmware.T spec : AD102) {
            gpu();
            VgpuType t = core.types(FakeFirmware.PF).stream().filter(x -> x.id() == spec.id()).findFirst()
                    .orElseThrow();
            int n = available(t);
            assertEquals(expected.get(t.shortName()), n, t.name());
            for (int i = 0; i < n; i++) {
                assertTrue(core.creatableTypes(FakeFirmware.PF).contains(t), t.name() + " #" + i);
                core.create(vf(i), t.name());
                assertEquals(n - i - 1, available(t), t.name() + " after " + (i + 1));
            }
            assertFalse(core.creatableTypes(FakeFirmware.PF).contains(t), t.name() + " full");
            refusedBeforeAnything(Errno.ENOSPC, vf(n), t);
            vram.allocator().checkInvariants();
        }
    }

    @Test
    void whatCreatableTypesListsCanBeCreatedUntilItStopsListingIt() {
        for (FakeFirmware.T spec : AD102) {
            gpu();
            VgpuType t = core.types(FakeFirmware.PF).stream().filter(x -> x.id() == spec.id()).findFirst()
                    .orElseThrow();
            int created = 0;
            while (core.creatableTypes(FakeFirmware.PF).contains(t)) {
                String vf = vf(created);
                DriverException refused = null;
                try {
                    core.create(vf, t.name());
                } catch (DriverException e) {
                    refused = e;
                }
                assertEquals(null, refused, t.name() + " listed creatable after " + created + " creates, refused: "
                        + (refused == null ? "" : refused.getMessage()));
                created++;
            }
            assertTrue(created > 0, t.name() + " creatable at first");
        }
    }

    @Test
    void typesOfOnePlacementSizeMixOthersAreRefusedUntilTheLastGoes() {
        gpu();
        VgpuType q1 = type("L40-1Q");
        VgpuType b1 = type("L40-1B");
        VgpuType q2 = type("L40-2Q");
        core.create(vf(0), q1.name());
        assertEquals(3, available(b1), "1B shares 1Q's placements");
        assertEquals(0, available(q2));
        assertEquals(List.of(q1, b1), core.creatableTypes(FakeFirmware.PF));
        refusedBeforeAnything(Errno.ENODEV, vf(1), q2);
        core.create(vf(1), b1.name());
        assertEquals(2, available(q1));
        assertEquals(2, available(b1));
        core.create(vf(2), q1.name());
        core.create(vf(3), b1.name());
        assertEquals(0, available(q1));
        refusedBeforeAnything(Errno.ENOSPC, vf(4), b1);
        for (int i = 0; i < 4; i++) {
            core.destroy(vf(i));
        }
        assertEquals(4, available(q2), "every placement size again once none runs");
        core.create(vf(0), q2.name());
        assertEquals(List.of(q2.id()), List.copyOf(fw.booted.values()));
    }

    @Test
    void aDestroyedVgpusPlacementIsTheNextCreates() {
        gpu();
        VgpuType q4 = type("L40-4Q");
        for (int i = 0; i < 4; i++) {
            core.create(vf(i), q4.name());
        }
        long offset = core.device(vf(1)).orElseThrow().info().fbOffset();
        core.destroy(vf(1));
        assertEquals(1, available(q4));
        core.create(vf(4), q4.name());
        assertEquals(offset, core.device(vf(4)).orElseThrow().info().fbOffset(), "the freed placement");
        assertEquals(0, available(q4));
        refusedBeforeAnything(Errno.ENOSPC, vf(5), q4);
    }

    @Test
    void vramAnotherClientHoldsInAPlacementIsNotCountedAndNotUsed() {
        gpu();
        VgpuType q4 = type("L40-4Q");
        // another client (nova-drm, say) holds a block inside the highest 4 GiB placement
        VramBlock other = vram.allocateAt(16 * GIB + 2 * GIB, GIB, "nova-drm:card0");
        assertEquals(3, available(q4));
        for (int i = 0; i < 3; i++) {
            long fb = core.create(vf(i), q4.name()).info().fbOffset();
            assertTrue(fb + 4 * GIB <= 16 * GIB, "not in the held placement: " + Long.toHexString(fb));
        }
        refusedBeforeAnything(Errno.ENOSPC, vf(3), q4);
        vram.free(other);
        assertEquals(1, available(q4));
        core.create(vf(3), q4.name());
    }
}
