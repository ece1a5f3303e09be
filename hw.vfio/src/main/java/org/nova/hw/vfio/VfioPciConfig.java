package org.nova.hw.vfio;

import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * Config space of a vfio-pci function, read and written through the device fd at the config
 * region's offset (VFIO_PCI_CONFIG_REGION_INDEX). What user space sees there is vfio-pci's
 * virtualised view (drivers/vfio/pci/vfio_pci_config.c, "VFIO PCI config space virtualization"):
 * the BARs and the ROM BAR are emulated (sizing works, but a write never reaches the device:
 * vfio_bar_fixup), MSI and MSI-X are enabled only through VFIO_DEVICE_SET_IRQS, and the kernel
 * follows the command register's memory enable and zaps every BAR mmap while it is clear
 * (__vfio_pci_memory_enabled). Touching a zapped mapping is a SIGBUS, so this class remembers
 * PCI_COMMAND_MEMORY as last written or read here, and BAR accesses refuse with EIO while it is
 * clear (see {@link VfioMmio}).
 *
 * <p>Thread safety: accesses may come from any thread; the memory-enable bit is volatile.
 */
final class VfioPciConfig {
    private final PciAddress address;
    private final VfioDeviceFd fd;
    private final VfioDeviceFd.Region region;
    private final int size;
    private volatile boolean memoryEnabled;

    VfioPciConfig(PciAddress address, VfioDeviceFd fd) {
        this.address = address;
        this.fd = fd;
        this.region = fd.region(VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX);
        this.size = region.size() >= PciRegs.PCI_CFG_SPACE_EXP_SIZE ? PciRegs.PCI_CFG_SPACE_EXP_SIZE
                : PciRegs.PCI_CFG_SPACE_SIZE;
        refreshCommand();
    }

    /** @return 256 (conventional) or 4096 (PCI Express), as the config region's size says */
    int size() {
        return size;
    }

    private void check(int offset, int width) {
        if (width != Byte.BYTES && width != Short.BYTES && width != Integer.BYTES) {
            throw new HwException(HwException.EINVAL, address + ": config access width " + width + " (1, 2 or 4)");
        }
        if (offset % width != 0) {
            throw new HwException(HwException.EINVAL, address + ": config offset 0x" + Integer.toHexString(offset)
                    + " is not aligned to " + width);
        }
        if (offset < 0 || offset + width > size) {
            throw new HwException(HwException.ERANGE, address + ": config offset 0x" + Integer.toHexString(offset)
                    + " beyond " + size + " bytes");
        }
    }

    /** @see org.nova.hw.PciFunction#readConfig */
    int read(int offset, int width) {
        check(offset, width);
        return (int) fd.pread("config read 0x" + Integer.toHexString(offset), region.offset() + offset, width);
    }

    /** @see org.nova.hw.PciFunction#readConfigBlock: one pread of the config region for the whole block */
    byte[] readBlock(int offset, int length) {
        if (offset % Integer.BYTES != 0 || length % Integer.BYTES != 0 || length < 0) {
            throw new HwException(HwException.EINVAL, address + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes is not dword aligned");
        }
        if (offset < 0 || offset + length > size) {
            throw new HwException(HwException.ERANGE, address + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes beyond " + size + " bytes");
        }
        return fd.preadBlock("config read 0x" + Integer.toHexString(offset) + "+" + length, region.offset() + offset, length);
    }

    /** @see org.nova.hw.PciFunction#writeConfig */
    void write(int offset, int width, int value) {
        check(offset, width);
        fd.pwrite("config write 0x" + Integer.toHexString(offset), region.offset() + offset, width, value);
        if (offset <= PciRegs.PCI_COMMAND && PciRegs.PCI_COMMAND < offset + width) {
            refreshCommand();
        }
    }

    /** Reads the command register again (after a write to it, or a reset that cleared it). */
    void refreshCommand() {
        memoryEnabled = (read(PciRegs.PCI_COMMAND, Short.BYTES) & PciRegs.PCI_COMMAND_MEMORY) != 0;
    }

    /** @return PCI_COMMAND_MEMORY as last written or read through this function */
    boolean memoryEnabled() {
        return memoryEnabled;
    }
}
