package org.nova.bus.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A PCI driver's static id table with a typed info per entry: Rust's {@code pci_device_table!}
 * and {@code IdArray<DeviceId, IdInfo, N>} (rust/kernel/device_id.rs, rust/kernel/pci.rs). The
 * driver returns {@link #ids()} from {@link PciDriver#idTable()} and, in its probe, asks
 * {@link #info} for the info of the entry that matched.
 *
 * <p>As {@code IdArray::new} does, the table owns each entry's driver_data: it holds the entry's
 * index, and {@link #info} reads it back ({@code ID_TABLE.info(id.index())} in pci.rs'
 * {@code probe_callback}). The kernel's rules then give every id the bus hands the driver an info:
 * a dynamic id added by new_id carries a driver_data that some entry carries (new_id refuses any
 * other), so it gets that entry's info; a new_id without the driver_data field carries 0, and the
 * match a driver_override makes for a device outside the table ({@code pci_device_id_any}) carries
 * 0 too: both get entry 0's info, as in Rust.
 *
 * <p>Immutable; built once, usually into a {@code static final} field of the driver.
 *
 * @param <I> the info type (Rust's {@code type IdInfo})
 */
public final class PciIdTable<I> {
    /**
     * One entry: an id and its info.
     *
     * @param id the id; its driver_data must be 0, the table writes the index there
     * @param info the entry's info, never null
     */
    public record Entry<I>(PciDeviceId id, I info) {
        public Entry {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(info, "info");
            if (id.driverData() != 0) {
                throw new IllegalArgumentException("the id table owns driver_data: " + id + " sets it");
            }
        }
    }

    private final List<PciDeviceId> ids;
    private final List<I> infos;

    private PciIdTable(List<Entry<I>> entries) {
        List<PciDeviceId> i = new ArrayList<>(entries.size());
        List<I> n = new ArrayList<>(entries.size());
        for (Entry<I> e : entries) {
            i.add(e.id().withDriverData(i.size()));
            n.add(e.info());
        }
        this.ids = List.copyOf(i);
        this.infos = List.copyOf(n);
    }

    /** @return an entry pairing {@code id} with {@code info} */
    public static <I> Entry<I> entry(PciDeviceId id, I info) {
        return new Entry<>(id, info);
    }

    /** @return the table of these entries, in match order */
    @SafeVarargs
    public static <I> PciIdTable<I> of(Entry<I>... entries) {
        List<Entry<I>> list = new ArrayList<>(entries.length);
        for (Entry<I> e : entries) {
            list.add(e);
        }
        return new PciIdTable<>(List.copyOf(list));
    }

    /** @return the table of these entries, in match order */
    public static <I> PciIdTable<I> of(List<Entry<I>> entries) {
        return new PciIdTable<>(List.copyOf(entries));
    }

    /** @return the ids, each carrying its index as driver_data: what {@link PciDriver#idTable()} returns */
    public List<PciDeviceId> ids() {
        return ids;
    }

    /**
     * The info of the entry whose index {@code matched} carries as driver_data.
     *
     * @param matched the id {@link PciDriver#probe} was given
     * @return that entry's info
     * @throws IllegalArgumentException if the driver_data is not an index of this table: the id
     *     came from another table (the bus never hands a driver such an id), or this table is empty
     */
    public I info(PciDeviceId matched) {
        long index = matched.driverData();
        if (index < 0 || index >= infos.size()) {
            throw new IllegalArgumentException("driver_data " + Hex.of(index) + " of " + matched
                    + " is no index of this table of " + infos.size() + " entries");
        }
        return infos.get((int) index);
    }

    @Override
    public String toString() {
        return ids.toString();
    }
}
