package org.nova.bus.pci;

import java.util.List;

import org.nova.devres.RevokedException;
import org.nova.driver.ProbeDeferException;
import org.nova.driver.ProbeType;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A PCI driver: {@code struct pci_driver} and Rust's {@code pci::Driver}. Driver bundles register
 * it as an OSGi service ({@code @Component(service = PciDriver.class)}); the PCI bus tracks the
 * services and binds every matching function. When the service goes away, every device bound to
 * it is unbound (its {@link #unbind} runs, its devres are released) before the unregistration
 * returns, so the driver's code is still there for it.
 *
 * <p><b>Lifecycle of one binding.</b> {@link #probe} runs with the device's lock held; what it
 * returns is the driver data. Everything the probe acquires through the {@link PciDevice} (BAR
 * mappings, vectors, handlers, DMA buffers, the enable) belongs to the binding. On unbind: if
 * SR-IOV VFs are enabled and {@link #supportsSriov()}, {@link #sriovConfigure sriovConfigure(pf, 0)}
 * runs first (as the Rust abstraction does, so a bound VF always has a bound PF); then
 * {@link #unbind}; then the binding's devres are released newest first; then, if the driver data
 * is {@link AutoCloseable}, it is closed (Rust drops the driver data after the devres callbacks).
 * A failed probe releases whatever it acquired and the next matching driver is tried.
 *
 * <p><b>Driver data.</b> {@code D} is what Rust's {@code pci::Driver} calls {@code Self}: the
 * per-device state {@link #probe} creates and {@link #unbind} gets back, typed. The bus keeps it for
 * the binding; anyone holding the device reaches it with {@code dev.device().driverData(type)}
 * (empty while the device is unbound, or if the bound driver's data is of another type).
 *
 * <p><b>Id info.</b> An entry's {@link PciDeviceId#driverData()} is the kernel's
 * {@code unsigned long}: what new_id writes and checks. A driver that wants a typed value per entry
 * (Rust's {@code type IdInfo}) builds its table as a {@link PciIdTable}, returns its
 * {@link PciIdTable#ids()} here and asks it for the matched entry's {@link PciIdTable#info info} in
 * {@link #probe}. That is not a second type parameter of this interface because most drivers have no
 * info (Rust's {@code type IdInfo = ()}) and Java has no defaults for type parameters.
 *
 * @param <D> the driver's per-device data: what {@link #probe} returns and {@link #unbind} receives
 */
@ConsumerType
public interface PciDriver<D> {
    /** @return the driver's name, unique on the PCI bus (the kernel's {@code pci_driver.name}) */
    String name();

    /**
     * @return the static id table, in match order; read at every match, so it should not change.
     *     An entry with vendor, subvendor and class mask all 0 ends the table, as in C.
     */
    List<PciDeviceId> idTable();

    /**
     * Binds the function. The device's config space is accessible; nothing is enabled yet.
     *
     * @param dev the function, valid until {@link #unbind} returns
     * @param id the entry that matched: a static entry, a dynamic id added by new_id, or an
     *     all-{@link PciDeviceId#PCI_ANY_ID} entry when only the driver_override named this driver
     * @return the driver data, given back to {@link #unbind} (may be null); owned by the binding,
     *     closed after its devres if it is {@link AutoCloseable}
     * @throws Exception to refuse the device; {@link ProbeDeferException} to be
     *     probed again later; either way what the probe acquired is released
     */
    D probe(PciDevice dev, PciDeviceId id) throws Exception;

    /**
     * The driver lets go of the device (Rust's {@code unbind}): stop the hardware here. Called
     * before the binding's devres are released, so mapped BARs are still usable — unless the
     * function was surprise-removed, in which case its BARs are already revoked and an access
     * throws {@link RevokedException}: there is no hardware left to stop. Must not
     * fail; an exception is logged and ignored.
     *
     * @param dev the function
     * @param data what {@link #probe} returned for this device
     */
    default void unbind(PciDevice dev, D data) {
    }

    /**
     * {@code pci_error_handlers.reset_prepare}: a reset of the bound device is about to start
     * ({@link PciBus#reset}); stop using the device. The device stays bound. Must not fail; an
     * exception is logged and the reset goes on.
     *
     * @param dev the device
     * @param data what {@link #probe} returned for it
     */
    default void resetPrepare(PciDevice dev, D data) {
    }

    /**
     * {@code pci_error_handlers.reset_done}: the reset is over and the saved config state
     * restored (the device's own state is at power-on); take the device up again. Called after
     * {@link #resetPrepare} whether or not the reset succeeded. Must not fail; an exception is
     * logged.
     *
     * @param dev the device
     * @param data what {@link #probe} returned for it
     */
    default void resetDone(PciDevice dev, D data) {
    }

    /** @return how the initial probes of this driver run */
    default ProbeType probeType() {
        return ProbeType.DEFAULT_STRATEGY;
    }

    /** @return true if the driver implements {@link #sriovConfigure} (the C {@code sriov_configure} is set) */
    default boolean supportsSriov() {
        return false;
    }

    /**
     * Enables ({@code numVfs} &gt; 0) or disables (0) SR-IOV virtual functions of the bound PF,
     * normally through {@link PciDevice#enableSriov} / {@link PciDevice#disableSriov}. Called by
     * {@code sriov_numvfs} and, with 0, before the PF unbinds.
     *
     * @return the number of VFs now enabled (a different count than asked only warns)
     * @throws Exception the failure, reported to the writer of sriov_numvfs
     */
    default int sriovConfigure(PciDevice pf, int numVfs) throws Exception {
        throw new UnsupportedOperationException(name() + " does not configure SR-IOV");
    }
}
