package org.nova.bus.auxiliary;

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
 * One entry of an auxiliary driver's id table, written into the bundle's manifest at build time
 * as a {@value Modalias#NAMESPACE} capability, as scripts/mod/file2alias.c
 * {@code do_auxiliary_entry} writes {@code auxiliary:NAME} for a module's
 * {@code MODULE_DEVICE_TABLE(auxiliary, ...)}: the device's MODALIAS is {@value #PREFIX} and its
 * name up to the last '.', so the pattern is the id itself, without wildcard. A device a parent
 * driver registers then finds its driver's bundle in the repository without loading it.
 *
 * <p>Drift: the auxiliary bus compares, when the driver registers, its real table with what its
 * bundle declares for it, and logs a WARN naming the driver when they differ.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@Repeatable(AuxiliaryDriverAlias.List.class)
@Capability(namespace = Modalias.NAMESPACE, attribute = {
    Modalias.BUS_ATTR + "=auxiliary",
    Modalias.ALIAS_ATTR + "=" + AuxiliaryDriverAlias.PREFIX + "${#id}" })
public @interface AuxiliaryDriverAlias {
    /** The prefix of an auxiliary device's MODALIAS (AUXILIARY_MODULE_PREFIX, mod_devicetable.h). */
    String PREFIX = "auxiliary:";

    /** @return the driver's name, as {@link AuxiliaryDriver#name()} returns it */
    @Attribute(Modalias.DRIVER_ATTR)
    String driver();

    /** @return the id table entry, "modname.devname" as {@link AuxiliaryDriver#idTable()} lists it */
    String id();

    /** The container of repeated {@link AuxiliaryDriverAlias}es: one per id-table entry. */
    @Documented
    @Retention(RetentionPolicy.CLASS)
    @Target(ElementType.TYPE)
    @interface List {
        /** @return the entries */
        AuxiliaryDriverAlias[] value();
    }
}
