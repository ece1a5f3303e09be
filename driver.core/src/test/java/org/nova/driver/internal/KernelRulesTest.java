package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.internal.shell.DriverCommands;

/**
 * dd.c and bus.c rules as the kernel has them, on the core's own test bus: the walk of
 * __device_attach_driver past a probe's errors, bind_store's order of checks, unbind_store's
 * driver, drivers_autoprobe_store's reading of a write, and what {@code drv:why} says where this
 * runtime differs on purpose. The PCI side of the same rules is bus.pci's KernelConformanceTest.
 */
class KernelRulesTest extends CoreTestBase {
    private final TestDriver specific = TestDriver.of("specific", "acme:widget:1");
    private final TestDriver generic = TestDriver.of("generic", "acme:*:*");

    /** dd.c __device_attach_driver: a probe's -EPROBE_DEFER is positive there, so the walk goes on. */
    @Test
    void aDeferringProbeLetsTheNextMatchingDriverBind() {
        specific.probe((d, drv) -> {
            throw new ProbeDeferException("not yet");
        });
        register(specific);
        register(generic);
        Device d = add("d0", "acme:widget:1");
        settle();
        assertEquals(Optional.of("generic"), d.driver());
        assertEquals(1, specific.probeCalls());
        assertEquals(List.of(), core.deferredDevices(), "driver_bound takes it off the deferred list");
    }

    /** The same walk with a rejection (-ENODEV) and with a failure (-EIO). */
    @Test
    void aRejectingOrFailingProbeLetsTheNextMatchingDriverBind() {
        for (Errno e : List.of(Errno.ENODEV, Errno.EIO)) {
            TestDriver first = TestDriver.of("first-" + e, "acme:gadget:" + e.ordinal());
            first.probe((d, drv) -> {
                throw new DriverException(e, "no");
            });
            register(first);
        }
        register(generic);
        Device d1 = add("d1", "acme:gadget:" + Errno.ENODEV.ordinal());
        Device d2 = add("d2", "acme:gadget:" + Errno.EIO.ordinal());
        settle();
        assertEquals(Optional.of("generic"), d1.driver());
        assertEquals(Optional.of("generic"), d2.driver());
    }

    /** bus.c bind_store: the match is checked before __driver_probe_device's "already bound". */
    @Test
    void bindOfABoundDeviceByANonMatchingDriverIsEnodevNotEbusy() {
        TestDriver other = TestDriver.of("other", "zeta:*:*");
        register(specific);
        register(other);
        add("d0", "acme:widget:1");
        settle();
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> bus.bind("d0", "other")).errno());
        assertEquals(Errno.EBUSY, assertThrows(DriverException.class, () -> bus.bind("d0", "specific")).errno());
        register(generic);
        assertEquals(Errno.EBUSY, assertThrows(DriverException.class, () -> bus.bind("d0\n", "generic")).errno(),
                "sysfs_streq: the newline echo leaves is not part of the name");
    }

    /** bus.c unbind_store: only the driver the device is bound to may let it go. */
    @Test
    void unbindThroughAnotherDriverIsEnodevAndKeepsTheBinding() {
        register(specific);
        register(generic);
        Device d = add("d0", "acme:widget:1");
        settle();
        DriverCommands sh = new DriverCommands(core);
        assertEquals(Errno.ENODEV, assertThrows(DriverException.class, () -> sh.unbind("test", "d0", "generic"))
                .errno());
        assertEquals(Optional.of("specific"), d.driver());
        assertEquals(Errno.ENOENT, assertThrows(DriverException.class, () -> bus.unbind("d0", "nobody")).errno());
        assertEquals("d0 unbound from specific\n", sh.unbind("test", "d0", "specific"));
        assertFalse(d.isBound());
    }

    /** bus.c drivers_autoprobe_store: off only for a write starting with '0'. */
    @Test
    void autoprobeReadsARawWriteAsBusCDoes() {
        DriverCommands sh = new DriverCommands(core);
        assertEquals("test autoprobe off\n", sh.autoprobe("test", "0\n"));
        assertFalse(bus.autoprobe());
        assertEquals("test autoprobe on\n", sh.autoprobe("test", "2"));
        assertTrue(bus.autoprobe());
        sh.autoprobe("test", "00");
        assertFalse(bus.autoprobe());
        sh.autoprobe("test", "n");
        assertTrue(bus.autoprobe(), "the kernel reads anything but a leading '0' as on");
        sh.autoprobe("test", "off");
        assertFalse(bus.autoprobe(), "the shell's own words mean what they say");
    }

    /** drv:why names the kernel's first choice when the trial order differs, and the differences. */
    @Test
    void whyShowsWhereTheRuntimeDiffersFromTheKernel() {
        register(generic);
        register(specific);
        add("d0", "acme:widget:1");
        settle();
        String out = new DriverCommands(core).why("test", "d0");
        assertTrue(out.contains("specific is tried first"), out);
        assertTrue(out.contains("would try generic first"), out);
        assertTrue(out.contains("differs from the kernel on purpose"), out);
        assertTrue(out.contains("registration order"), out);
    }
}
