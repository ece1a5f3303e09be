package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;

import java.util.ArrayList;
import java.util.List;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.SriovControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SR-IOV capability of a simulated physical function (PCI SR-IOV spec 1.1, 3.3), as QEMU's
 * hw/pci/pcie_sriov.c models it: its layout ({@link #add}, pcie_sriov_pf_init) and the VFs it
 * drives, generically from its fields: VF n (0-based) lives at routing ID PF + First VF Offset +
 * n × VF Stride (3.3.10-11; drivers/pci/iov.c pci_iov_virtfn_bus/devfn). Setting VF Enable,
 * through {@link #enableVfs} or a config write ({@link #configWritten}), adds the VFs to the
 * bridge; clearing it removes them. VF Memory Space Enable gates the VFs' BARs.
 */
final class SriovState implements SriovControl {
    private static final Logger LOG = LoggerFactory.getLogger(SriovState.class);

    private final SimulatedFunction pf;
    private final int cap;
    /** Guarded by the bridge's topology lock. */
    private final List<SimulatedFunction> vfs = new ArrayList<>();
    private volatile boolean vfMemoryEnabled;

    /** SR-IOV Control and NumVFs before a software write, for {@link #configWritten}. */
    record Control(int ctrl, int numVfs) {
    }

    /**
     * Lays out an SR-IOV extended capability (the first one is at 0x100): VF Enable, VF MSE and
     * ARI Capable Hierarchy writable in the control register, NumVFs writable, 4 KiB pages, and
     * the VF BARs with their sizing masks.
     */
    static void add(ConfigSpaceBuilder b, SriovSpec spec) {
        int cap = b.addExtCap(PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CAP_VERSION, PCI_EXT_CAP_SRIOV_SIZEOF);
        b.mask16(cap + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
        b.put16(cap + PCI_SRIOV_INITIAL_VF, spec.totalVfs());
        b.put16(cap + PCI_SRIOV_TOTAL_VF, spec.totalVfs());
        b.mask16(cap + PCI_SRIOV_NUM_VF, PCI_ID_ABSENT);
        b.put16(cap + PCI_SRIOV_VF_OFFSET, spec.firstVfOffset());
        b.put16(cap + PCI_SRIOV_VF_STRIDE, spec.vfStride());
        b.put16(cap + PCI_SRIOV_VF_DID, spec.vfDeviceId());
        b.put32(cap + PCI_SRIOV_SUP_PGSIZE, PCI_SRIOV_PGSIZE_4K);
        b.put32(cap + PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_PGSIZE_4K);
        b.mask32(cap + PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_PGSIZE_4K);
        BarSpec[] vfBars = new BarSpec[PCI_SRIOV_NUM_BARS];
        for (BarSpec bar : spec.vfBars()) {
            if (bar.kind() == BarSpec.Kind.IO || bar.kind() == BarSpec.Kind.ROM) {
                throw new IllegalArgumentException("VF BAR" + bar.index() + " must be a memory BAR");
            }
            vfBars[bar.index()] = bar;
            b.barRegisters(cap + PCI_SRIOV_BAR + bar.index() * ConfigSpace.DWORD, bar);
        }
        b.vfBars(vfBars);
    }

    SriovState(SimulatedFunction pf, int cap) {
        this.pf = pf;
        this.cap = cap;
    }

    /** @return SR-IOV Control and NumVFs now (function lock held) */
    Control control() {
        ConfigSpace config = pf.config();
        return new Control(config.get16(cap + PCI_SRIOV_CTRL), config.get16(cap + PCI_SRIOV_NUM_VF));
    }

    /**
     * Side effects of a software config write (function lock held): NumVFs is read-only while VF
     * Enable is set, VF MSE follows the control register, and a change of VF Enable adds or
     * removes the VFs once the lock is released (queued on {@code after}).
     */
    void configWritten(int offset, int width, Control before, List<Runnable> after) {
        ConfigSpace config = pf.config();
        int ctrl = config.get16(cap + PCI_SRIOV_CTRL);
        boolean was = (before.ctrl() & PCI_SRIOV_CTRL_VFE) != 0;
        if (was && ConfigSpace.overlaps(offset, width, cap + PCI_SRIOV_NUM_VF, Short.BYTES)) {
            // NumVFs may only change while VF Enable is clear (PCI SR-IOV spec 1.1, 3.3.7).
            config.set16(cap + PCI_SRIOV_NUM_VF, before.numVfs());
        }
        setVfMemoryEnabled((ctrl & PCI_SRIOV_CTRL_VFE) != 0 && (ctrl & PCI_SRIOV_CTRL_MSE) != 0);
        boolean is = (ctrl & PCI_SRIOV_CTRL_VFE) != 0;
        if (!was && is) {
            after.add(this::vfEnableWritten);
        } else if (was && !is) {
            after.add(this::vfEnableCleared);
        }
    }

    boolean vfMemoryEnabled() {
        return vfMemoryEnabled;
    }

    void setVfMemoryEnabled(boolean enabled) {
        vfMemoryEnabled = enabled;
    }

    @Override
    public int totalVfs() {
        return pf.readConfig(cap + PCI_SRIOV_TOTAL_VF, Short.BYTES);
    }

    @Override
    public int numVfs() {
        pf.simBridge().topologyLock().lock();
        try {
            return vfs.size();
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    @Override
    public List<PciFunction> vfs() {
        pf.simBridge().topologyLock().lock();
        try {
            return List.copyOf(vfs);
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    @Override
    public List<PciFunction> enableVfs(int n) {
        pf.simBridge().topologyLock().lock();
        try {
            if (!pf.isPresent()) {
                throw new HwException(HwException.ENODEV, pf + " has been removed");
            }
            int total = totalVfs();
            if (n < 1) {
                throw new HwException(HwException.EINVAL, pf + ": cannot enable " + n + " VFs");
            }
            if (n > total) {
                throw new HwException(HwException.ERANGE, pf + ": " + n + " VFs requested, TotalVFs is " + total);
            }
            if (!vfs.isEmpty()) {
                throw new HwException(HwException.EBUSY, pf + ": " + vfs.size() + " VFs are already enabled");
            }
            List<SimulatedFunction> created = create(n);
            pf.lock().lock();
            try {
                ConfigSpace config = pf.config();
                config.set16(cap + PCI_SRIOV_NUM_VF, n);
                config.set16(cap + PCI_SRIOV_CTRL, config.get16(cap + PCI_SRIOV_CTRL) | PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
                vfMemoryEnabled = true;
            } finally {
                pf.lock().unlock();
            }
            attach(created);
            LOG.info("{}: enabled {} VFs", pf, n);
            return List.copyOf(created);
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    @Override
    public void disableVfs() {
        pf.simBridge().topologyLock().lock();
        try {
            if (!pf.isPresent()) {
                return;
            }
            int had = vfs.size();
            removeVfs();
            pf.lock().lock();
            try {
                ConfigSpace config = pf.config();
                config.set16(cap + PCI_SRIOV_CTRL, config.get16(cap + PCI_SRIOV_CTRL) & ~(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE));
                config.set16(cap + PCI_SRIOV_NUM_VF, 0);
                vfMemoryEnabled = false;
            } finally {
                pf.lock().unlock();
            }
            if (had > 0) {
                LOG.info("{}: disabled {} VFs", pf, had);
            }
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    /** VF Enable was set by a config write: add NumVFs VFs. */
    void vfEnableWritten() {
        pf.simBridge().topologyLock().lock();
        try {
            if (!pf.isPresent() || !vfs.isEmpty()) {
                return;
            }
            int n = pf.readConfig(cap + PCI_SRIOV_NUM_VF, Short.BYTES);
            int total = totalVfs();
            if (n == 0) {
                return;
            }
            if (n > total) {
                LOG.error("{}: VF Enable set with NumVFs {} above TotalVFs {}; no VFs added", pf, n, total);
                return;
            }
            attach(create(n));
            LOG.info("{}: VF Enable set, {} VFs added", pf, n);
        } catch (HwException e) {
            LOG.error("{}: VF Enable set but the VFs cannot be added: {}", pf, e.getMessage());
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    /** VF Enable was cleared by a config write: remove the VFs. */
    void vfEnableCleared() {
        pf.simBridge().topologyLock().lock();
        try {
            removeVfs();
        } finally {
            pf.simBridge().topologyLock().unlock();
        }
    }

    /** Removes the VFs, last first. Topology lock held. */
    void removeVfs() {
        for (int i = vfs.size() - 1; i >= 0; i--) {
            pf.simBridge().detach(vfs.get(i));
        }
        vfs.clear();
    }

    /** Builds n VFs without side effects; fails if an address is invalid or taken. */
    private List<SimulatedFunction> create(int n) {
        int offset;
        int stride;
        pf.lock().lock();
        try {
            offset = pf.config().get16(cap + PCI_SRIOV_VF_OFFSET);
            stride = pf.config().get16(cap + PCI_SRIOV_VF_STRIDE);
        } finally {
            pf.lock().unlock();
        }
        List<SimulatedFunction> created = new ArrayList<>(n);
        try {
            createInto(created, n, offset, stride);
        } catch (RuntimeException e) {
            created.forEach(SimulatedFunction::releaseRegions);
            throw e;
        }
        return created;
    }

    private void createInto(List<SimulatedFunction> created, int n, int offset, int stride) {
        for (int i = 0; i < n; i++) {
            int rid = pf.address().routingId() + offset + i * stride;
            if (rid > PciAddress.MAX_ROUTING_ID) {
                throw new HwException(HwException.ERANGE, pf + ": VF " + i + " would have routing ID 0x"
                        + Integer.toHexString(rid) + ", beyond bus " + PciAddress.MAX_BUS);
            }
            PciAddress at = PciAddress.ofRoutingId(pf.address().domain(), rid);
            if (pf.simBridge().function(at).isPresent()) {
                throw new HwException(HwException.EBUSY, pf + ": VF " + i + " address " + at + " is taken by "
                        + pf.simBridge().function(at).get());
            }
            created.add(new SimulatedFunction(pf.simBridge(), at, pf.deviceModel().virtualFunction(i), pf, i));
        }
    }

    private void attach(List<SimulatedFunction> created) {
        for (SimulatedFunction vf : created) {
            pf.simBridge().attach(vf);
            vfs.add(vf);
        }
    }
}
