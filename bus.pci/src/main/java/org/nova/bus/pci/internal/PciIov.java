package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.PciIds;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SR-IOV of one function: drivers/pci/iov.c. For a PF, {@code pci_enable_sriov} /
 * {@code pci_disable_sriov} (the VFs become and stop being PCI devices, children of the PF), the
 * {@code sriov_numvfs} and {@code sriov_drivers_autoprobe} attributes and the VF list; for a VF,
 * {@code pci_physfn} and {@code pci_iov_vf_id}. The rules of a {@code sriov_numvfs} write are
 * {@link SriovNumvfs}'s.
 */
final class PciIov {
    private static final Logger LOG = LoggerFactory.getLogger(PciIov.class);

    private final PciDeviceImpl dev;
    private final Topology topology;
    /** {@code sriov_drivers_autoprobe} of a PF: whether its VFs probe on their own. */
    private volatile boolean driversAutoprobe = true;
    /** Serializes sriov_numvfs writes on this PF (the kernel holds the PF's device_lock). */
    private final Object numvfsLock = new Object();

    PciIov(PciDeviceImpl dev, Topology topology) {
        this.dev = dev;
        this.topology = topology;
    }

    /**
     * The identity {@code pci_iov_add_virtfn} gives a VF: its own Vendor and Device ID registers
     * read FFFFh (SR-IOV 1.1, 3.4.1.1), so the vendor is the PF's and the device is the VF Device
     * ID of the PF's SR-IOV capability; the rest is the VF's own.
     *
     * @param pf the VF's physical function
     * @param own the identity as the VF's config space gives it
     * @throws HwException if the PF's config space cannot be read
     */
    static PciIds virtfnIds(PciFunction pf, PciIds own) {
        int sriov = ConfigWalk.findExtCapability(new ConfigWalk.Reader() {
            @Override
            public int read(int offset, int width) {
                return pf.readConfig(offset, width);
            }

            @Override
            public int size() {
                return pf.configSize();
            }
        }, PciRegs.PCI_EXT_CAP_ID_SRIOV);
        int vendor = pf.readConfig(PciRegs.PCI_VENDOR_ID, PciDeviceImpl.WORD);
        int device = sriov != 0 ? pf.readConfig(sriov + PciRegs.PCI_SRIOV_VF_DID, PciDeviceImpl.WORD) : own.device();
        return new PciIds(vendor, device, own.subsystemVendor(), own.subsystemDevice(), own.classCode(),
                own.revision());
    }

    // ---- either side ---------------------------------------------------------------------------

    /** @return {@code is_virtfn} */
    boolean isVirtfn() {
        return dev.function().physfn().isPresent();
    }

    /** @return {@code is_physfn}: the function has the SR-IOV capability */
    boolean isPhysfn() {
        return dev.function().sriov().isPresent();
    }

    // ---- a VF ----------------------------------------------------------------------------------

    /** @return {@code pci_physfn} of a VF, if the bus has the PF; empty for anything else */
    Optional<PciDeviceImpl> physfn() {
        return dev.function().physfn().flatMap(topology::lookup);
    }

    /**
     * pci_iov_vf_id: (routing ID - (the PF's routing ID + First VF Offset)) / VF Stride, from the
     * PF's SR-IOV capability, so it answers while the VFs are still being added (their probes run
     * before the PF's VF list is complete).
     *
     * @see PciDevice#vfId
     */
    int vfId() {
        PciFunction pfn = dev.function().physfn().orElseThrow(() -> new DriverException(Errno.EINVAL, dev.address()
                + " is not an SR-IOV virtual function"));
        PciDeviceImpl pf = physfn().orElseThrow(() -> new DriverException(Errno.ENODEV, dev.address() + ": its PF "
                + pfn.address() + " is not on the bus"));
        int cap = pf.findExtCapability(PciRegs.PCI_EXT_CAP_ID_SRIOV);
        if (cap == 0) {
            throw new DriverException(Errno.ENODEV, pf.address() + " has no SR-IOV capability");
        }
        int offset = pf.read16(cap + PciRegs.PCI_SRIOV_VF_OFFSET);
        int stride = pf.read16(cap + PciRegs.PCI_SRIOV_VF_STRIDE);
        int delta = dev.address().routingId() - (pf.address().routingId() + offset);
        if (stride == 0 || delta < 0 || delta % stride != 0) {
            throw new DriverException(Errno.ENODEV, dev.address() + " is not where " + pf.address()
                    + "'s SR-IOV capability places its VFs (offset " + offset + ", stride " + stride + ")");
        }
        return delta / stride;
    }

    // ---- a PF ----------------------------------------------------------------------------------

    /** @return the VFs present now that the bus has added, in VF order; empty for anything but an enabled PF */
    List<PciDeviceImpl> virtfns() {
        List<PciDeviceImpl> out = new ArrayList<>();
        dev.function().sriov().ifPresent(s -> s.vfs().forEach(vf -> topology.lookup(vf).ifPresent(out::add)));
        return out;
    }

    /** @return {@code pci_sriov_get_totalvfs}, 0 without SR-IOV */
    int totalVfs() {
        return dev.function().sriov().map(SriovControl::totalVfs).orElse(0);
    }

    /** @return {@code pci_num_vf}, 0 without SR-IOV */
    int numVfs() {
        return dev.function().sriov().map(SriovControl::numVfs).orElse(0);
    }

    /** @see PciDevice#enableSriov */
    void enableSriov(int n) {
        SriovControl s = dev.function().sriov().orElseThrow(
                () -> new DriverException(Errno.ENOSYS, dev.address() + " is not an SR-IOV physical function"));
        if (n == 0) {
            return;
        }
        if (s.numVfs() != 0) {
            throw new DriverException(Errno.EINVAL, dev.address() + " already has " + s.numVfs() + " VFs enabled");
        }
        if (n < 0 || n > s.totalVfs()) {
            throw new DriverException(Errno.EINVAL, "cannot enable " + n + " VFs on " + dev.address() + " (TotalVFs "
                    + s.totalVfs() + ")");
        }
        try {
            s.enableVfs(n);
        } catch (HwException e) {
            throw Hw.translate(e, "enabling " + n + " VFs on " + dev.address());
        }
        LOG.info("pci {}: {} VFs enabled", dev.address(), n);
    }

    /** @see PciDevice#disableSriov */
    void disableSriov() {
        Optional<SriovControl> s = dev.function().sriov();
        if (s.isEmpty()) {
            return;
        }
        List<PciFunction> vfs = new ArrayList<>(s.get().vfs());
        // pci_iov_remove_virtfn: the VF devices go (drivers unbind) while the VFs still exist
        for (int i = vfs.size() - 1; i >= 0; i--) {
            topology.removeFunction(vfs.get(i));
        }
        try {
            s.get().disableVfs();
        } catch (HwException e) {
            throw Hw.translate(e, "disabling the VFs of " + dev.address());
        }
        if (!vfs.isEmpty()) {
            LOG.info("pci {}: {} VFs disabled", dev.address(), vfs.size());
        }
    }

    /** @return {@code sriov_drivers_autoprobe} of this PF */
    boolean driversAutoprobe() {
        return driversAutoprobe;
    }

    /** Writes {@code sriov_drivers_autoprobe}: VFs added later follow it. */
    void setDriversAutoprobe(boolean on) {
        driversAutoprobe = on;
    }

    /**
     * {@code sriov_numvfs_store}: parses the value, then, under the PF's lock, asks the bound
     * driver's {@code sriov_configure} for the change the rules allow.
     *
     * @param value the text written
     * @param boundDriver the driver bound to the PF now, if any; asked under the lock
     * @throws DriverException as {@link PciBus#sriovNumvfs} says
     */
    void numvfsStore(String value, Supplier<Optional<PciDriver<?>>> boundDriver) {
        String name = dev.address().toString();
        int n = SriovNumvfs.parse(name, value);
        if (n > totalVfs()) {
            SriovNumvfs.decide(name, n, totalVfs(), 0, false, false);
        }
        synchronized (numvfsLock) {
            PciDriver<?> drv = boundDriver.get().orElse(null);
            SriovNumvfs.Action a = SriovNumvfs.decide(name, n, totalVfs(), numVfs(), drv != null,
                    drv != null && drv.supportsSriov());
            if (a == SriovNumvfs.Action.NOTHING) {
                return;
            }
            int got;
            try {
                got = drv.sriovConfigure(dev, a == SriovNumvfs.Action.DISABLE ? 0 : n);
            } catch (DriverException x) {
                throw x;
            } catch (Exception x) {
                throw new DriverException(DriverException.errnoOf(x), "sriov_configure(" + n + ") of " + drv.name()
                        + " on " + name + " failed: " + x, x);
            }
            if (a == SriovNumvfs.Action.ENABLE && got != n) {
                LOG.warn("pci {}: {} VFs requested; only {} enabled", name, n, got);
            }
        }
    }
}
