package org.nova.drm.nova;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.drm.DrmDevice;
import org.nova.drm.DrmErrno;
import org.nova.drm.DrmException;
import org.nova.drm.DrmFile;
import org.nova.drm.NovaDrm;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.NovaDrmData;

/** The nova-drm auxiliary driver and its shell commands over fake auxiliary devices (no OSGi). */
class NovaDrmDriverTest {
    static final long K4 = 4096;

    /** A fake "NovaCore.nova-drm.&lt;id&gt;" carrying its registration data. */
    record FakeAux(String name, Object data) implements AuxiliaryDevice {
        @Override
        public String matchName() {
            return name.substring(0, name.lastIndexOf('.'));
        }

        @Override
        public int id() {
            return Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
        }

        @Override
        public Device device() {
            return null;
        }

        @Override
        public Device parent() {
            return null;
        }

        @Override
        public <T> Optional<T> registrationData(Class<T> type) {
            return type.isInstance(data) ? Optional.of(type.cast(data)) : Optional.empty();
        }
    }

    @Test
    void identity() {
        NovaDrmDriver d = new NovaDrmDriver();
        assertEquals("Nova.nova-drm", d.name());
        assertEquals(List.of("NovaCore.nova-drm"), d.idTable());
        DriverException e = assertThrows(DriverException.class, () -> d.probe(new FakeAux("NovaCore.nova-drm.0", 42),
                "NovaCore.nova-drm"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(d.devices().isEmpty());
    }

    @Test
    void twoGpusCreateShareAndFreeThroughTheUapi() {
        NovaDrmDriver nova = new NovaDrmDriver();
        DrmCommands cmds = new DrmCommands(nova);
        try (Arena arena = Arena.ofConfined()) {
            BuddyVramManager[] vram = new BuddyVramManager[2];
            FakeAux[] aux = new FakeAux[2];
            DrmDevice[] devs = new DrmDevice[2];
            for (int i = 0; i < 2; i++) {
                MemorySegment aperture = arena.allocate(64L << 20);
                vram[i] = BuddyVramManager.of("0000:00:0" + (5 + i) + ".0", 0, 64L << 20, aperture);
                aux[i] = new FakeAux("NovaCore.nova-drm." + i,
                        new NovaDrmData(vram[i].gpu(), 256L << 20, vram[i], aperture));
                devs[i] = nova.probe(aux[i], "NovaCore.nova-drm");
            }
            assertEquals(2, nova.devices().size());
            String list = cmds.list();
            assertTrue(list.contains("NovaCore.nova-drm.0") && list.contains("NovaCore.nova-drm.1"), list);
            assertTrue(list.contains("0000:00:06.0") && list.contains("renderD129"), list);
            for (int i = 0; i < 2; i++) {
                DrmDevice dev = devs[i];
                DrmFile a = dev.open(DrmFile.Node.RENDER);
                DrmFile b = dev.open(DrmFile.Node.RENDER);
                assertEquals(256L << 20, NovaDrm.getParam(a, NovaDrm.NOVA_GETPARAM_VRAM_BAR_SIZE));
                int h = NovaDrm.gemCreate(a, 100_000);
                assertEquals(25 * K4, NovaDrm.gemInfo(a, h));
                int fd = NovaDrm.primeHandleToFd(a, h);
                int hb = NovaDrm.primeFdToHandle(b, fd);
                assertEquals(25 * K4, NovaDrm.gemInfo(b, hb));
                MemorySegment ma = a.mmap(a.mmapOffset(h), 25 * K4);
                ma.set(ValueLayout.JAVA_BYTE, 5, (byte) (7 + i));
                assertEquals(7 + i, b.mmap(b.mmapOffset(hb), K4).get(ValueLayout.JAVA_BYTE, 5));
                String gem = cmds.gem(dev.primaryName());
                assertTrue(gem.contains(a.name() + ":" + h) && gem.contains(b.name() + ":" + hb), gem);
                assertTrue(cmds.gem(b.name()).contains("0x19000"), cmds.gem(b.name()));
                assertTrue(cmds.gem().contains(dev.primaryName()));
                NovaDrm.gemClose(a, h);
                nova.closeFd(fd);
                assertEquals(25 * K4, NovaDrm.gemInfo(b, hb), "b's import keeps it alive");
                b.close();
                assertEquals(64L << 20, vram[i].available(), "freed");
                a.close();
            }
            assertThrows(DrmException.class, () -> cmds.gem("card7"));
            assertEquals(DrmErrno.ENOENT, assertThrows(DrmException.class, () -> cmds.gem("card0/99")).errno());
            // unbind GPU 0 with a file open and memory held
            DrmFile open = devs[0].open(DrmFile.Node.PRIMARY);
            NovaDrm.gemCreate(open, 1 << 20);
            nova.remove(aux[0], devs[0]);
            assertEquals(-DrmErrno.ENODEV.value(), open.ioctl(NovaDrm.DRM_IOCTL_NOVA_GETPARAM, arena.allocate(16)));
            assertEquals(64L << 20, vram[0].available());
            assertEquals(List.of(devs[1]), nova.devices());
            assertTrue(nova.dataOf(devs[0]).isEmpty());
            nova.remove(aux[1], devs[1]);
            assertTrue(nova.devices().isEmpty());
        }
    }
}
