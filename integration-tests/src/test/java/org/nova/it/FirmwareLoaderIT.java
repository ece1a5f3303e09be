package org.nova.it;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;

import javax.inject.Inject;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.devres.DevresScope;
import org.nova.devres.DevresTracker;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareCompression;
import org.nova.driver.firmware.FirmwareLoader;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * Issue 17 item 5 on Felix: the firmware loader service reads {@code .zst} files with the zstd
 * decoder driver.core carries inside its bundle (no bundle provides it; it needs sun.misc from the
 * framework) and {@code .xz} files through the org.tukaani.xz bundle, and a corrupt one fails with
 * EINVAL naming the file, nothing registered. The search path and the order are the unit tests'
 * (driver.core CompressedFirmwareTest); here the point is that the bundles wire and run.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FirmwareLoaderIT {
    private static final String NAME = "nova-it/fw-loader.bin";

    @Inject
    private BundleContext context;

    @Inject
    private ConfigurationAdmin cm;

    /** The service, held for one test: deleting the configuration after a test makes SCR replace the component. */
    private ServiceReference<FirmwareLoader> ref;
    private FirmwareLoader loader;

    private Path dir;
    private Dictionary<String, Object> before;
    private final DevresTracker tracker = new DevresTracker();
    private DevresScope scope;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.driverModel() };
    }

    @Before
    public void configuredFolder() throws Exception {
        dir = Files.createTempDirectory("nova-fw-it");
        org.osgi.service.cm.Configuration c = cm.getConfiguration(FirmwareLoader.PID, "?");
        before = c.getProperties();
        Dictionary<String, Object> p = new Hashtable<>();
        p.put("path", new String[] {dir.toString()});
        c.update(p);
        Await.until("the loader searches " + dir, () -> {
            release();
            ref = context.getServiceReference(FirmwareLoader.class);
            loader = ref == null ? null : context.getService(ref);
            return loader != null && loader.searchPath().contains(dir);
        }, () -> loader == null ? "no FirmwareLoader service" : loader.searchPath());
        assertEquals("the configured folder first", dir, loader.searchPath().get(0));
        scope = tracker.newScope("fw-it");
    }

    @After
    public void restore() throws Exception {
        scope.releaseAll();
        assertEquals("nothing of the requests stays registered", 0, tracker.liveTotal());
        release();
        org.osgi.service.cm.Configuration c = cm.getConfiguration(FirmwareLoader.PID, "?");
        if (before == null) {
            c.delete();
        } else {
            c.update(before);
        }
    }

    private void release() {
        if (ref != null) {
            context.ungetService(ref);
            ref = null;
            loader = null;
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private void write(String file, byte[] bytes) throws IOException {
        Path f = dir.resolve(file);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
    }

    /**
     * A zstd frame as RFC 8878 section 3.1.1 lays it out, written here because the probe has no
     * zstd encoder: single segment, a 4-byte content size, one raw last block.
     */
    private static byte[] zstdRawFrame(byte[] data) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.writeBytes(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}); // magic
        f.write(0xa0); // frame header descriptor: content size in 4 bytes, single segment
        for (int i = 0; i < 4; i++) {
            f.write(data.length >>> 8 * i);
        }
        int block = 1 | data.length << 3; // last block, raw
        f.writeBytes(new byte[] {(byte) block, (byte) (block >> 8), (byte) (block >> 16)});
        f.writeBytes(data);
        return f.toByteArray();
    }

    private static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (XZOutputStream out = new XZOutputStream(bytes, new LZMA2Options(0), XZ.CHECK_CRC32)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    @Test
    public void zstdAndXzFilesLoadThroughTheService() throws Exception {
        write(NAME + ".xz", xz(text("from the xz bundle")));
        write(NAME + ".zst", zstdRawFrame(text("from the zstd decoder inside driver.core")));
        Firmware zst = loader.request(NAME, scope);
        assertEquals("a .zst is tried before an .xz", FirmwareCompression.ZSTD, zst.compression());
        assertArrayEquals(text("from the zstd decoder inside driver.core"), zst.data().toArray(ValueLayout.JAVA_BYTE));
        Files.delete(dir.resolve(NAME + ".zst"));
        Firmware xz = loader.request(NAME, scope);
        assertEquals(FirmwareCompression.XZ, xz.compression());
        assertArrayEquals(text("from the xz bundle"), xz.data().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(2, scope.releaseAll());
        assertTrue(zst.isClosed() && xz.isClosed());
    }

    @Test
    public void aCorruptFileIsEinvalNamingIt() throws Exception {
        byte[] frame = zstdRawFrame(text("cut short"));
        write(NAME + ".zst", Arrays.copyOf(frame, frame.length - 3));
        try {
            loader.request(NAME, scope);
            fail("a truncated .zst loaded");
        } catch (DriverException e) {
            assertEquals(e.getMessage(), Errno.EINVAL, e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains(dir.resolve(NAME + ".zst").toString()));
        }
        assertEquals(0, scope.liveCount());
    }
}
