package org.nova.bus.pci;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.nova.driver.Modalias;
import org.osgi.annotation.bundle.Attribute;
import org.osgi.annotation.bundle.Capability;

/**
 * One entry of a PCI driver's id table, written into the bundle's manifest at build time as a
 * {@value Modalias#NAMESPACE} capability: what scripts/mod/file2alias.c does for a module's
 * {@code MODULE_DEVICE_TABLE(pci, ...)}, so that a repository of driver bundles can be searched by
 * a device's MODALIAS without loading any class of them. Put one on the driver class per entry of
 * {@link PciDriver#idTable()}; bnd's bundle-annotation processing writes
 * {@code nova.driver.alias;alias="pci:v...*";bus=pci;driver=NAME}.
 *
 * <p>The pattern follows {@link PciAlias#pattern} (file2alias.c do_pci_entry): an element left at
 * its default is {@code *}; the class is given byte by byte (a partly masked byte has no alias in
 * the kernel either), the pattern ends in {@code *}. bnd computes it with its macros from the
 * element values ({@code ${#vendor}}...).
 *
 * <p>Drift: the driver core compares, when the driver registers, the patterns of its real table
 * with those its bundle declares for it, and logs a WARN naming the driver when they differ
 * ({@link org.nova.driver.DriverTracker}). A driver whose table is built from configuration
 * declares none.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@Repeatable(PciDriverAlias.List.class)
@Capability(namespace = Modalias.NAMESPACE, attribute = {
    Modalias.BUS_ATTR + "=pci",
    Modalias.ALIAS_ATTR + "=pci:"
        + "v${if;${is;${#vendor};-1};*;${format;%08X;${#vendor}}}"
        + "d${if;${is;${#device};-1};*;${format;%08X;${#device}}}"
        + "sv${if;${is;${#subvendor};-1};*;${format;%08X;${#subvendor}}}"
        + "sd${if;${is;${#subdevice};-1};*;${format;%08X;${#subdevice}}}"
        + "bc${if;${is;${#baseClass};-1};*;${format;%02X;${#baseClass}}}"
        + "sc${if;${is;${#subClass};-1};*;${format;%02X;${#subClass}}}"
        + "i${if;${is;${#progIf};-1};*;${format;%02X;${#progIf}}*}" })
public @interface PciDriverAlias {
    /** A class byte the entry does not match on (its class-mask byte is 0). */
    int ANY_CLASS_BYTE = -1;

    /** @return the driver's name, as {@link PciDriver#name()} returns it */
    @Attribute(Modalias.DRIVER_ATTR)
    String driver();

    /** @return the vendor ID, or {@link PciDeviceId#PCI_ANY_ID} */
    int vendor() default PciDeviceId.PCI_ANY_ID;

    /** @return the device ID, or {@link PciDeviceId#PCI_ANY_ID} */
    int device() default PciDeviceId.PCI_ANY_ID;

    /** @return the subsystem vendor ID, or {@link PciDeviceId#PCI_ANY_ID} */
    int subvendor() default PciDeviceId.PCI_ANY_ID;

    /** @return the subsystem ID, or {@link PciDeviceId#PCI_ANY_ID} */
    int subdevice() default PciDeviceId.PCI_ANY_ID;

    /** @return the base class (class mask byte 0xff), or {@link #ANY_CLASS_BYTE} */
    int baseClass() default ANY_CLASS_BYTE;

    /** @return the subclass (class mask byte 0xff), or {@link #ANY_CLASS_BYTE} */
    int subClass() default ANY_CLASS_BYTE;

    /** @return the programming interface (class mask byte 0xff), or {@link #ANY_CLASS_BYTE} */
    int progIf() default ANY_CLASS_BYTE;

    /** The container of repeated {@link PciDriverAlias}es: one per id-table entry. */
    @Documented
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.TYPE)
    @interface List {
        /** @return the entries */
        PciDriverAlias[] value();
    }
}
