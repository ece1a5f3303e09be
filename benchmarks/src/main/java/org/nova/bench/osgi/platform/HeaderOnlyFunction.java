package org.nova.bench.osgi.platform;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
import org.nova.hw.PciFunction;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * A function that is a standard configuration header with the benchmark's ids and nothing else:
 * no BAR, no interrupt, no DMA, no SR-IOV. Config writes are dropped (the header is read-only).
 * Public because BindingBench's and MatchBench's population ({@code PciPopulation}) uses it on the
 * class path too, with headers of its own.
 */
public record HeaderOnlyFunction(HostBridge bridge, PciAddress address, ByteBuffer header) implements PciFunction {
    /** Class code (base, sub, prog-if): 0xff0000, "device does not fit any defined class" (PCI code and ID assignment spec). */
    static final int CLASS_UNDEFINED = 0xff0000;

    /** A function with the given vendor and device id (the framework benchmarks' BenchFramework.VENDOR, DEVICE). */
    HeaderOnlyFunction(HostBridge bridge, PciAddress address, int vendor, int device) {
        this(bridge, address, ByteBuffer.allocate(PciRegs.PCI_STD_HEADER_SIZEOF).order(ByteOrder.LITTLE_ENDIAN)
                .putShort(PciRegs.PCI_VENDOR_ID, (short) vendor)
                .putShort(PciRegs.PCI_DEVICE_ID, (short) device)
                .putInt(PciRegs.PCI_REVISION_ID, CLASS_UNDEFINED << Byte.SIZE));
    }

    @Override
    public boolean isPresent() {
        return true;
    }

    @Override
    public String model() {
        return "benchmark header";
    }

    @Override
    public int configSize() {
        return PciRegs.PCI_CFG_SPACE_SIZE;
    }

    @Override
    public int readConfig(int offset, int width) {
        if (offset >= PciRegs.PCI_STD_HEADER_SIZEOF) {
            return 0;
        }
        return switch (width) {
            case Byte.BYTES -> Byte.toUnsignedInt(header.get(offset));
            case Short.BYTES -> Short.toUnsignedInt(header.getShort(offset));
            default -> header.getInt(offset);
        };
    }

    @Override
    public void writeConfig(int offset, int width, int value) {
        // read-only header
    }

    @Override
    public Optional<RegionInfo> region(int index) {
        return Optional.empty();
    }

    @Override
    public Mmio map(int index) {
        throw new HwException(HwException.ENXIO, "no region " + index);
    }

    @Override
    public int irqCount(IrqType type) {
        return 0;
    }

    @Override
    public IrqSet enableIrqs(IrqType type, int count, IrqHandler handler) {
        throw new HwException(HwException.EINVAL, "no interrupts");
    }

    @Override
    public DmaBuffer allocateDma(long size, Set<DmaDirection> directions) {
        throw new HwException(HwException.ENOMEM, "no DMA");
    }

    @Override
    public DmaMapping mapDma(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        throw new HwException(HwException.ENOMEM, "no DMA");
    }

    @Override
    public List<IommuFault> iommuFaults() {
        return List.of();
    }

    @Override
    public void reset() {
        // nothing to reset
    }

    @Override
    public Optional<SriovControl> sriov() {
        return Optional.empty();
    }

    @Override
    public Optional<PciFunction> physfn() {
        return Optional.empty();
    }
}
