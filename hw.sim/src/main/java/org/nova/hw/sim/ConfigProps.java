package org.nova.hw.sim;

import java.util.Map;
import org.nova.hw.HwException;

/** Reads configuration properties the way Configuration Admin may deliver them (typed or as strings). */
final class ConfigProps {
    private ConfigProps() {
    }

    /** Configuration Admin's PID property (org.osgi.framework.Constants.SERVICE_PID). */
    static final String SERVICE_PID = "service.pid";
    /** DS component id property (ComponentConstants.COMPONENT_ID). */
    static final String COMPONENT_ID = "component.id";

    /** @return the configuration's PID, or a stand-in naming the component */
    static String pid(Map<String, ?> props) {
        Object pid = props.get(SERVICE_PID);
        return pid != null ? pid.toString() : "component " + props.get(COMPONENT_ID);
    }

    /** @return the trimmed string value, or def when absent or blank */
    static String string(Map<String, ?> props, String key, String def) {
        Object v = props.get(key);
        if (v == null || v.toString().isBlank()) {
            return def;
        }
        return v.toString().trim();
    }

    /**
     * @return the int value (Number or decimal/0x-hex String), or def when absent
     * @throws HwException EINVAL when it is not a number (the message gives the value; the caller names the key)
     */
    static int integer(Map<String, ?> props, String key, int def) {
        Object v = props.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.decode(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new HwException(HwException.EINVAL, "'" + v + "' is not a number");
        }
    }

    /** @return the boolean value (Boolean or String), or def when absent */
    static boolean bool(Map<String, ?> props, String key, boolean def) {
        Object v = props.get(key);
        if (v == null) {
            return def;
        }
        return v instanceof Boolean b ? b : Boolean.parseBoolean(v.toString().trim());
    }
}
