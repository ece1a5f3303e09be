package org.nova.hw.host;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaMapping;
import org.nova.hw.DmaDirection;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.SysfsPciDevice;

/**
 * One of the host's own PCI functions, read-only: config space is read from sysfs (as much as
 * the kernel shows this process; the rest reads as zero; {@link #readConfigBlock} in one read),
 * regions come from the resource file, the kernel's view from its attributes ({@link #sysfs()}),
 * and everything that would change the device or touch it — config writes, BAR mappings,
 * interrupts, DMA, reset — is refused with EROFS naming the function. The function holds no
 * file descriptor between calls, so a refused or abandoned probe leaks nothing.
 */
final class HostFunction implements PciFunction {
    private final HostPciBridge bridge;
    private final PciAddress address;
    private final HostSysfs sysfs;
    private final int configSize;
    private final String model;
    private volatile boolean present = true;

    HostFunction(HostPciBridge bridge, HostSysfs sysfs, PciAddress address) {
        this.bridge = bridge;
        this.sysfs = sysfs;
        this.address = address;
        this.configSize = sysfs.configSize(address);
        int vendor = readConfig(PciRegs.PCI_VENDOR_ID, Short.BYTES);
        int device = readConfig(PciRegs.PCI_DEVICE_ID, Short.BYTES);
        String drv = sysfs.driver(address);
        this.model = String.format("PCI device %04x:%04x (host, read-only%s)", vendor, device,
                drv == null ? "" : ", kernel driver " + drv);
    }

    @Override
    public PciAddress address() {
        return address;
    }

    @Override
    public HostBridge bridge() {
        return bridge;
    }

    @Override
    public boolean isPresent() {
        return present && sysfs.exists(address);
    }

    void markGone() {
        present = false;
    }

    @Override
    public String model() {
        return model;
    }

    @Override
    public int configSize() {
        return configSize;
    }

    private void live() {
        if (!present) {
            throw new HwException(HwException.ENODEV, address + " was removed");
        }
    }

    private HwException readOnly(String what) {
        return new HwException(HwException.EROFS, address + " belongs to the host (backend host, read-only): "
                + what + " refused; bind it to vfio-pci and use the VFIO backend to drive it");
    }

    @Override
    public int readConfig(int offset, int width) {
        checkAccess(offset, width);
        byte[] b = sysfs.readConfig(address, offset, width);
        int v = 0;
        for (int i = 0; i < width; i++) {
            v |= Byte.toUnsignedInt(b[i]) << (Byte.SIZE * i); // little-endian, as PCI
        }
        return v;
    }

    /** The whole block in one open and one read of the sysfs config file, as lib/sysfs.c's sysfs_read. */
    @Override
    public byte[] readConfigBlock(int offset, int length) {
        live();
        if (offset % Integer.BYTES != 0 || length % Integer.BYTES != 0 || length < 0) {
            throw new HwException(HwException.EINVAL, address + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes is not dword aligned");
        }
        if (offset < 0 || offset + length > configSize) {
            throw new HwException(HwException.ERANGE, address + ": config block at 0x" + Integer.toHexString(offset)
                    + " of " + length + " bytes beyond " + configSize + " bytes");
        }
        return sysfs.readConfig(address, offset, length);
    }

    /** The kernel's own view: irq, resources, driver, IOMMU group, slot and modalias, read now. */
    @Override
    public Optional<SysfsPciDevice> sysfs() {
        live();
        return Optional.of(sysfs.attributes(address));
    }

    private void checkAccess(int offset, int width) {
        live();
        if (width != Byte.BYTES && width != Short.BYTES && width != Integer.BYTES) {
            throw new HwException(HwException.EINVAL, address + ": config access width " + width + " (1, 2 or 4)");
        }
        if (offset % width != 0) {
            throw new HwException(HwException.EINVAL, address + ": misaligned config access at 0x"
                    + Integer.toHexString(offset) + " width " + width);
        }
        if (offset < 0 || offset + width > configSize) {
            throw new HwException(HwException.ERANGE, address + ": config offset 0x" + Integer.toHexString(offset)
                    + " beyond " + configSize + " bytes");
        }
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        checkAccess(offset, width);
        throw readOnly(String.format("config write of 0x%x (width %d) at 0x%x", value, width, offset));
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        live();
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, address + ": region index " + index + " outside 0.."
                    + RegionInfo.ROM_INDEX);
        }
        return sysfs.region(address, index);
    }

    @Override
    public Mmio map(int index) {
        if (region(index).isEmpty()) {
            throw new HwException(HwException.ENXIO, address + ": region " + index + " does not exist");
        }
        throw readOnly("mapping region " + index);
    }

    @Override
    public int irqCount(IrqType type) {
        live();
        return switch (type) {
            case INTX -> readConfig(PciRegs.PCI_INTERRUPT_PIN, Byte.BYTES) != 0 ? 1 : 0;
            case MSI -> {
                int cap = capability(PciRegs.PCI_CAP_ID_MSI);
                yield cap == 0 ? 0 : 1 << ((readConfig(cap + PciRegs.PCI_MSI_FLAGS, Short.BYTES)
                        & PciRegs.PCI_MSI_FLAGS_QMASK) >> PciRegs.PCI_MSI_FLAGS_QMASK_SHIFT);
            }
            case MSIX -> {
                int cap = capability(PciRegs.PCI_CAP_ID_MSIX);
                yield cap == 0 ? 0 : (readConfig(cap + PciRegs.PCI_MSIX_FLAGS, Short.BYTES) & PciRegs.PCI_MSIX_FLAGS_QSIZE) + 1;
            }
        };
    }

    /** @return the offset of a capability, 0 if absent (or not readable by this process) */
    private int capability(int id) {
        if ((readConfig(PciRegs.PCI_STATUS, Short.BYTES) & PciRegs.PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int pos = readConfig(PciRegs.PCI_CAPABILITY_LIST, Byte.BYTES) & PciRegs.PCI_CAP_POINTER_MASK;
        for (int n = 0; n < PciRegs.PCI_FIND_CAP_TTL && pos >= PciRegs.PCI_STD_HEADER_SIZEOF
                && pos < PciRegs.PCI_CFG_SPACE_SIZE; n++) {
            if (readConfig(pos + PciRegs.PCI_CAP_LIST_ID, Byte.BYTES) == id) {
                return pos;
            }
            pos = readConfig(pos + PciRegs.PCI_CAP_LIST_NEXT, Byte.BYTES) & PciRegs.PCI_CAP_POINTER_MASK;
        }
        return 0;
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        live();
        throw readOnly("enabling " + count + " " + type + " interrupt(s)");
    }

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        live();
        throw readOnly("DMA buffer of " + size + " bytes");
    }

    @Override
    public DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        live();
        throw readOnly("DMA mapping of " + length + " bytes");
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return List.of();
    }

    @Override
    public void reset() {
        live();
        throw readOnly("function reset");
    }

    @Override
    public Optional<SriovControl> sriov() {
        return Optional.empty();
    }

    @Override
    public Optional<PciFunction> physfn() {
        PciAddress pf = sysfs.physfn(address);
        return pf == null ? Optional.empty() : bridge.function(pf);
    }

    @Override
    public String toString() {
        return "host function " + address;
    }
}
