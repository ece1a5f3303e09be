package org.nova.gpu.internal;

import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sysmem flush page (nova-core fb.rs {@code SysmemFlush}, torvalds/linux cb9f145f): one page
 * of coherent DMA memory whose address goes into NV_PFB_NISO_FLUSH_SYSMEM_ADDR (and _HI from
 * GA100 on, {@link GpuHal#writeSysmemFlushPage}). The GPU's sysmembar flushes its writes to system
 * memory through it, and a falcon's reset acknowledgement is such a write: the page must be
 * registered before any falcon is reset.
 *
 * <p>Owned by {@link Gpu}: registered right after GFW boot, unregistered at unbind after the last
 * falcon reset, and on a failed probe before its device resources (the page among them) are
 * released, so the GPU never keeps an address the host has freed. The page itself is a device
 * resource of the binding.
 */
final class SysmemFlush {
    private static final Logger LOG = LoggerFactory.getLogger(SysmemFlush.class);
    /** One host page, what nova-core allocates (kernel::page::PAGE_SIZE). */
    static final long PAGE_SIZE = 4096;

    private final String slot;
    private final GpuHal hal;
    private final DmaCoherent page;

    private SysmemFlush(String slot, GpuHal hal, DmaCoherent page) {
        this.slot = slot;
        this.hal = hal;
        this.page = page;
    }

    /**
     * Allocates the page and registers it.
     *
     * @throws DriverException ENOMEM if the page cannot be allocated; EINVAL if its address does
     *     not fit the register (the page is freed again)
     */
    static SysmemFlush register(PciDevice dev, Bar0 bar, GpuHal hal) {
        DmaCoherent page = dev.allocCoherent(PAGE_SIZE);
        try {
            hal.writeSysmemFlushPage(bar, page.iova());
        } catch (DriverException e) {
            page.close();
            throw e;
        }
        return new SysmemFlush(dev.slot(), hal, page);
    }

    /** @return the page's bus address */
    long address() {
        return page.iova();
    }

    /**
     * Unregisters the page (fb.rs unregister): the register is cleared only if it still holds
     * this page; another address there is a bug, logged and left alone.
     */
    void unregister(Bar0 bar) {
        long now = hal.readSysmemFlushPage(bar);
        if (now != page.iova()) {
            LOG.warn("{}: not unregistering the sysmem flush page 0x{}: the register holds 0x{}", slot,
                    Long.toHexString(page.iova()), Long.toHexString(now));
            return;
        }
        try {
            hal.writeSysmemFlushPage(bar, 0);
        } catch (DriverException e) {
            LOG.warn("{}: failed to unregister the sysmem flush page: {}", slot, e.getMessage());
        }
    }
}
