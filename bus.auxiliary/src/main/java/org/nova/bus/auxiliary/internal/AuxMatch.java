package org.nova.bus.auxiliary.internal;

import java.util.ArrayList;
import java.util.List;

import org.nova.bus.auxiliary.AuxiliaryDriverAlias;

/**
 * The auxiliary bus's naming and matching rules as pure functions (drivers/base/auxiliary.c
 * {@code auxiliary_match_id}, {@code auxiliary_uevent}, {@code __auxiliary_device_add}).
 */
public final class AuxMatch {
    /** Prefix of the MODALIAS of an auxiliary device (AUXILIARY_MODULE_PREFIX, mod_devicetable.h). */
    public static final String MODULE_PREFIX = AuxiliaryDriverAlias.PREFIX;
    /** Separator of modname, devname and id in a device name. */
    private static final char SEPARATOR = '.';

    private AuxMatch() {
    }

    /** {@code dev_set_name(dev, "%s.%s.%d", modname, name, id)}. */
    public static String deviceName(String modname, String devname, int id) {
        return modname + SEPARATOR + devname + SEPARATOR + id;
    }

    /** @return the device name up to its last '.', or null if it has none */
    public static String matchName(String deviceName) {
        int p = deviceName.lastIndexOf(SEPARATOR);
        return p < 0 ? null : deviceName.substring(0, p);
    }

    /**
     * {@code auxiliary_match_id}: the first id equal to the device name up to its last '.'.
     *
     * @return the matching id, or null
     */
    public static String matchId(List<String> ids, String deviceName) {
        String prefix = matchName(deviceName);
        if (prefix == null || ids == null) {
            return null;
        }
        for (String id : ids) {
            if (id == null || id.isEmpty()) {
                break; // the table's terminator: id->name[0] == 0
            }
            if (id.equals(prefix)) {
                return id;
            }
        }
        return null;
    }

    /**
     * The alias patterns of a driver's table, as file2alias.c do_auxiliary_entry writes them:
     * "auxiliary:" + each id, up to the table's terminator.
     */
    public static List<String> patterns(List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            if (id == null || id.isEmpty()) {
                break;
            }
            out.add(MODULE_PREFIX + id);
        }
        return out;
    }

    /** @return the MODALIAS of a device: "auxiliary:" + the name up to its last '.' */
    public static String modalias(String deviceName) {
        String m = matchName(deviceName);
        return MODULE_PREFIX + (m == null ? deviceName : m);
    }
}
