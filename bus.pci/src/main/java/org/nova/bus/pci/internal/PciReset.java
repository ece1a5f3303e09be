package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Function reset as drivers/pci/pci.c does it: the reset methods in the kernel's order
 * ({@code pci_reset_fn_methods}: device_specific, acpi, flr, af_flr, pm, bus, cxl_bus), the ones a
 * function supports found by probing each ({@code pci_init_reset_methods}), the sysfs
 * {@code reset_method} attribute that shows and reorders them, and {@code pci_reset_function}:
 * under the function's lock, the bound driver's {@code reset_prepare}, config state saved
 * ({@code pci_save_state}) and the function quiesced, the first method that works, then the state
 * restored ({@code pci_restore_state}) and the driver's {@code reset_done}.
 *
 * <p>What this platform can offer: no quirk table (device_specific) and no firmware (acpi); FLR
 * through the PCI Express capability (Device Capabilities FLR) or the Advanced Features
 * capability, both performed by the backend's function-level reset ({@link
 * org.nova.hw.PciFunction#reset}: the simulator's FLR, VFIO_DEVICE_RESET, a refusal from the
 * read-only host backend); a PM reset by D3hot→D0 when No_Soft_Reset is clear; never a bus
 * reset, because every function sits on its host bridge's root bus, which
 * {@code pci_parent_bus_reset} refuses (there is no bridge above to pulse Secondary Bus Reset).
 *
 * <p>Owned by its {@link PciDeviceImpl}; the method list is guarded by {@link #lock}, which a
 * reset holds throughout (the kernel's {@code pci_dev_lock}).
 */
final class PciReset {
    private static final Logger LOG = LoggerFactory.getLogger(PciReset.class);

    /** A reset method, by its sysfs name, in the kernel's order of preference. */
    enum Method {
        /** A device quirk (drivers/pci/quirks.c pci_dev_specific_reset): none here. */
        DEVICE_SPECIFIC("device_specific"),
        /** ACPI _RST (pci_dev_acpi_reset): no ACPI here. */
        ACPI("acpi"),
        /** PCIe FLR (pcie_reset_flr): Device Capabilities advertises FLR. */
        FLR("flr"),
        /** Advanced Features FLR (pci_af_flr): the AF capability has TP and FLR. */
        AF_FLR("af_flr"),
        /** D3hot then D0 (pci_pm_reset): a PM capability without No_Soft_Reset. */
        PM("pm"),
        /** Slot or secondary bus reset (pci_reset_bus_function): never on a root bus. */
        BUS("bus"),
        /** CXL bus reset (cxl_reset_bus_function): never on a root bus. */
        CXL_BUS("cxl_bus");

        private final String sysfsName;

        Method(String sysfsName) {
            this.sysfsName = sysfsName;
        }

        /** @return the name reset_method shows and takes */
        String sysfsName() {
            return sysfsName;
        }
    }

    /** The bound driver's pci_error_handlers reset_prepare / reset_done, if it has them. */
    interface Hooks {
        /** No driver is bound, or it has no hooks. */
        Hooks NONE = new Hooks() {
            @Override
            public void prepare() {
            }

            @Override
            public void done() {
            }
        };

        /** Before the reset: the driver stops using the device. */
        void prepare();

        /** After the reset and the restore: the driver takes the device up again. */
        void done();
    }

    /** The standard header's last dword restored before the BARs (pci_restore_config_space: dwords 15..10). */
    private static final int HEADER_DWORDS = PciRegs.PCI_STD_HEADER_SIZEOF / Integer.BYTES;
    /** The first BAR dword (PCI_BASE_ADDRESS_0 / 4): dwords 9..4 are restored second, 3..0 last. */
    private static final int FIRST_BAR_DWORD = PciRegs.PCI_BASE_ADDRESS_0 / Integer.BYTES;
    /** The dword after the BARs (PCI_CARDBUS_CIS / 4). */
    private static final int AFTER_BARS_DWORD = FIRST_BAR_DWORD + RegionInfo.BAR_COUNT;

    private final PciDeviceImpl dev;
    private final ReentrantLock lock = new ReentrantLock();
    /** The methods reset tries, in order; null until first probed. Guarded by lock. */
    private List<Method> methods;

    /** @param dev the function whose resets these are */
    PciReset(PciDeviceImpl dev) {
        this.dev = dev;
    }

    // ---- probing --------------------------------------------------------------------------------

    /** @return whether the function supports method m (the method's probe, PCI_RESET_PROBE) */
    boolean supports(Method m) {
        return switch (m) {
            case DEVICE_SPECIFIC, ACPI, BUS, CXL_BUS -> false;
            case FLR -> {
                int exp = dev.findCapability(PciRegs.PCI_CAP_ID_EXP);
                yield exp != 0 && (dev.read32(exp + PciRegs.PCI_EXP_DEVCAP) & PciRegs.PCI_EXP_DEVCAP_FLR) != 0;
            }
            case AF_FLR -> {
                int af = dev.findCapability(PciRegs.PCI_CAP_ID_AF);
                int cap = af == 0 ? 0 : dev.read8(af + PciRegs.PCI_AF_CAP);
                yield (cap & PciRegs.PCI_AF_CAP_TP) != 0 && (cap & PciRegs.PCI_AF_CAP_FLR) != 0;
            }
            case PM -> {
                int pm = dev.findCapability(PciRegs.PCI_CAP_ID_PM);
                yield pm != 0 && (dev.read16(pm + PciRegs.PCI_PM_CTRL) & PciRegs.PCI_PM_CTRL_NO_SOFT_RESET) == 0;
            }
        };
    }

    /** pci_init_reset_methods: every supported method, in the kernel's order. */
    private List<Method> probeAll() {
        List<Method> found = new ArrayList<>();
        for (Method m : Method.values()) {
            if (supports(m)) {
                found.add(m);
            }
        }
        return found;
    }

    /** @return the methods reset tries now, in order (lock held) */
    private List<Method> methodsLocked() {
        if (methods == null) {
            methods = probeAll();
        }
        return methods;
    }

    // ---- the reset_method attribute -------------------------------------------------------------

    /** @return reset_method as sysfs shows it: the names in order, space-separated; empty when none */
    String resetMethod() {
        lock.lock();
        try {
            return String.join(" ", methodsLocked().stream().map(Method::sysfsName).toList());
        } finally {
            lock.unlock();
        }
    }

    /**
     * reset_method_store: "default" puts back every supported method in the kernel's order; an
     * empty value disables reset; otherwise the space-separated names, each supported, become the
     * order. A refused value leaves the methods as they were.
     *
     * @throws DriverException EINVAL naming an unknown or unsupported method
     */
    void setResetMethod(String value) {
        String v = value.strip();
        lock.lock();
        try {
            if (v.isEmpty()) {
                methods = List.of();
                LOG.warn("pci {}: all device reset methods disabled by user", dev.address());
                return;
            }
            if (v.equals("default")) {
                methods = probeAll();
                return;
            }
            Map<String, Method> byName = new LinkedHashMap<>();
            for (Method m : Method.values()) {
                byName.put(m.sysfsName(), m);
            }
            List<Method> chosen = new ArrayList<>();
            for (String name : v.split(" ")) {
                if (name.isEmpty()) {
                    continue;
                }
                Method m = byName.get(name.strip());
                if (m == null) {
                    throw new DriverException(Errno.EINVAL, dev.address() + ": invalid reset method '" + name
                            + "' (known: " + String.join(" ", byName.keySet()) + ")");
                }
                if (!supports(m)) {
                    throw new DriverException(Errno.EINVAL, dev.address() + ": unsupported reset method '" + name
                            + "' (supported: " + String.join(" ", probeAll().stream().map(Method::sysfsName).toList())
                            + ")");
                }
                chosen.add(m);
            }
            methods = List.copyOf(chosen);
        } finally {
            lock.unlock();
        }
    }

    // ---- pci_reset_function ---------------------------------------------------------------------

    /**
     * pci_reset_function: the first of the function's reset methods that works, with the config
     * state saved before and restored after, and the bound driver's hooks around it.
     *
     * @return the method that reset the function
     * @throws DriverException ENOTTY when the function has no reset method (nothing is touched:
     *     the driver's hooks are not called); the backend's errno (EPERM from the read-only host
     *     backend, ENODEV once removed) when the reset itself fails, after the state was restored
     *     and the driver told
     */
    Method reset(Hooks hooks) {
        lock.lock();
        try {
            List<Method> order = methodsLocked();
            if (order.isEmpty()) {
                throw new DriverException(Errno.ENOTTY, dev.address() + ": no reset method (reset_method is empty: no "
                        + "FLR, AF FLR or PM soft reset, and no bus reset on a root bus)");
            }
            hooks.prepare();
            Method used = null;
            DriverException failure = null;
            try {
                int[] saved = saveState();
                dev.write16(PciRegs.PCI_COMMAND, PciRegs.PCI_COMMAND_INTX_DISABLE);
                try {
                    for (Method m : order) {
                        if (doReset(m)) {
                            used = m;
                            break;
                        }
                    }
                } catch (HwException e) {
                    failure = Hw.translate(e, "reset of " + dev.address());
                } finally {
                    restoreState(saved);
                }
            } finally {
                hooks.done();
            }
            if (failure != null) {
                throw failure;
            }
            if (used == null) {
                throw new DriverException(Errno.ENOTTY, dev.address() + ": no reset method worked (tried "
                        + String.join(" ", order.stream().map(Method::sysfsName).toList()) + ")");
            }
            LOG.info("pci {}: reset ({})", dev.address(), used.sysfsName());
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** One method's PCI_RESET_DO_RESET: false for ENOTTY (the next method is tried). */
    private boolean doReset(Method m) {
        if (!supports(m)) {
            return false;
        }
        switch (m) {
            case FLR, AF_FLR -> dev.function().reset();
            case PM -> {
                int pm = dev.findCapability(PciRegs.PCI_CAP_ID_PM);
                int csr = dev.read16(pm + PciRegs.PCI_PM_CTRL) & ~PciRegs.PCI_PM_CTRL_STATE_MASK;
                dev.write16(pm + PciRegs.PCI_PM_CTRL, csr | PciRegs.PCI_PM_CTRL_STATE_D3HOT);
                dev.write16(pm + PciRegs.PCI_PM_CTRL, csr | PciRegs.PCI_PM_CTRL_STATE_D0);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * pci_save_state, the parts this platform's functions have: the standard header, then the
     * PCI Express control registers, MSI and MSI-X control (each as offset/width/value triples
     * after the header's dwords).
     */
    private int[] saveState() {
        List<Integer> state = new ArrayList<>();
        for (int i = 0; i < HEADER_DWORDS; i++) {
            state.add(dev.read32(i * Integer.BYTES));
        }
        int exp = dev.findCapability(PciRegs.PCI_CAP_ID_EXP);
        if (exp != 0) {
            for (int reg : new int[] {PciRegs.PCI_EXP_DEVCTL, PciRegs.PCI_EXP_LNKCTL, PciRegs.PCI_EXP_DEVCTL2,
                PciRegs.PCI_EXP_LNKCTL2}) {
                saveWord(state, exp + reg);
            }
        }
        int msi = dev.findCapability(PciRegs.PCI_CAP_ID_MSI);
        if (msi != 0) {
            int flags = dev.read16(msi + PciRegs.PCI_MSI_FLAGS);
            boolean is64 = (flags & PciRegs.PCI_MSI_FLAGS_64BIT) != 0;
            saveDword(state, msi + PciRegs.PCI_MSI_ADDRESS_LO);
            if (is64) {
                saveDword(state, msi + PciRegs.PCI_MSI_ADDRESS_HI);
            }
            saveWord(state, msi + (is64 ? PciRegs.PCI_MSI_DATA_64 : PciRegs.PCI_MSI_DATA_32));
            if ((flags & PciRegs.PCI_MSI_FLAGS_MASKBIT) != 0) {
                saveDword(state, msi + (is64 ? PciRegs.PCI_MSI_MASK_64 : PciRegs.PCI_MSI_MASK_32));
            }
            saveWord(state, msi + PciRegs.PCI_MSI_FLAGS); // the enable last (__pci_restore_msi_state)
        }
        int msix = dev.findCapability(PciRegs.PCI_CAP_ID_MSIX);
        if (msix != 0) {
            saveWord(state, msix + PciRegs.PCI_MSIX_FLAGS);
        }
        return state.stream().mapToInt(Integer::intValue).toArray();
    }

    private void saveWord(List<Integer> state, int offset) {
        state.add(offset);
        state.add(PciDeviceImpl.WORD);
        state.add(dev.read16(offset));
    }

    private void saveDword(List<Integer> state, int offset) {
        state.add(offset);
        state.add(PciDeviceImpl.DWORD);
        state.add(dev.read32(offset));
    }

    /**
     * pci_restore_state: the PCI Express registers first, then the header as
     * pci_restore_config_space does it (dwords 15..10, the BARs 9..4, then 3..0 with the command
     * register; only those that differ), then MSI and MSI-X.
     */
    private void restoreState(int[] saved) {
        int i = HEADER_DWORDS;
        List<int[]> capRegs = new ArrayList<>();
        while (i < saved.length) {
            capRegs.add(new int[] {saved[i], saved[i + 1], saved[i + 2]});
            i += 3;
        }
        // PCIe control registers come before the header, MSI/MSI-X after it
        int exp = dev.findCapability(PciRegs.PCI_CAP_ID_EXP);
        List<int[]> after = new ArrayList<>();
        for (int[] r : capRegs) {
            if (exp != 0 && r[0] >= exp && r[0] < exp + PciRegs.PCI_CAP_EXP_ENDPOINT_SIZEOF_V2) {
                writeBack(r);
            } else {
                after.add(r);
            }
        }
        restoreRange(saved, AFTER_BARS_DWORD, HEADER_DWORDS - 1);
        restoreRange(saved, FIRST_BAR_DWORD, AFTER_BARS_DWORD - 1);
        restoreRange(saved, 0, FIRST_BAR_DWORD - 1);
        after.forEach(this::writeBack);
    }

    private void restoreRange(int[] saved, int first, int last) {
        for (int d = last; d >= first; d--) {
            if (dev.read32(d * Integer.BYTES) != saved[d]) {
                dev.write32(d * Integer.BYTES, saved[d]);
            }
        }
    }

    private void writeBack(int[] reg) {
        if (reg[1] == PciDeviceImpl.WORD) {
            dev.write16(reg[0], reg[2]);
        } else {
            dev.write32(reg[0], reg[2]);
        }
    }
}
