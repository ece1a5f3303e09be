package org.nova.hw.host;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.IrqHandler;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;

/**
 * One of the host's own PCI functions, read-only: config space is read from sysfs (as much as
 * the kernel shows this process; the rest reads as zero), regions come from the resource file,
 * and everything that would change the device or touch it — config writes, BAR mappings,
 * interrupts, DMA, reset — is refused with EROFS naming the function. The function holds no
 * file descriptor between calls, so a refused or abandoned probe leaks nothing.
 */
final class HostFunction implements PciFunction {
    /** pci_regs.h. */
    private static final int PCI_VENDOR_ID = 0x00;
    private static final int PCI_STATUS = 0x06;
    private static final int PCI_STATUS_CAP_LIST = 0x10;
    private static final int PCI_CAPABILITY_LIST = 0x34;
    private static final int PCI_INTERRUPT_PIN = 0x3d;
    private static final int PCI_CAP_ID_MSI = 0x05;
    private static final int PCI_CAP_ID_MSIX = 0x11;
    private static final int PCI_MSI_FLAGS_QMASK = 0x0e;
    private static final int PCI_MSIX_FLAGS_QSIZE = 0x7ff;
    private static final int MAX_CAPS = 48;

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
        int id = readConfig(PCI_VENDOR_ID, 4);
        String drv = sysfs.driver(address);
        this.model = String.format("PCI device %04x:%04x (host, read-only%s)", id & 0xffff, id >>> 16,
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
            v |= (b[i] & 0xff) << (8 * i);
        }
        return v;
    }

    private void checkAccess(int offset, int width) {
        live();
        if (width != 1 && width != 2 && width != 4) {
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
            case INTX -> readConfig(PCI_INTERRUPT_PIN, 1) != 0 ? 1 : 0;
            case MSI -> {
                int cap = capability(PCI_CAP_ID_MSI);
                yield cap == 0 ? 0 : 1 << ((readConfig(cap + 2, 2) & PCI_MSI_FLAGS_QMASK) >> 1);
            }
            case MSIX -> {
                int cap = capability(PCI_CAP_ID_MSIX);
                yield cap == 0 ? 0 : (readConfig(cap + 2, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
            }
        };
    }

    /** @return the offset of a capability, 0 if absent (or not readable by this process) */
    private int capability(int id) {
        if ((readConfig(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int pos = readConfig(PCI_CAPABILITY_LIST, 1) & ~3;
        for (int n = 0; n < MAX_CAPS && pos >= 0x40 && pos < 256; n++) {
            int hdr = readConfig(pos, 2);
            if ((hdr & 0xff) == id) {
                return pos;
            }
            pos = (hdr >>> 8) & ~3;
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
