package org.nova.runtime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code cm} shell scope: Configuration Admin from the shell, which is how backends and
 * simulated devices are switched at runtime ({@code cm:set org.nova.hw.sim.device~edu2 model=edu
 * slot=00:07.0}, {@code cm:delete org.nova.hw.vfio}).
 */
@Component(service = ConfigCommands.class, property = {
        "osgi.command.scope=cm",
        "osgi.command.function=list",
        "osgi.command.function=get",
        "osgi.command.function=set",
        "osgi.command.function=delete" })
public final class ConfigCommands {
    private final ConfigurationAdmin cm;

    @Activate
    public ConfigCommands(@Reference ConfigurationAdmin cm) {
        this.cm = cm;
    }

    /** cm:list — every configuration's PID. */
    public String list() throws IOException, InvalidSyntaxException {
        return list(null);
    }

    /** cm:list FILTER — the PIDs of the configurations an LDAP filter selects. */
    public String list(String filter) throws IOException, InvalidSyntaxException {
        Configuration[] all = cm.listConfigurations(filter);
        List<String> pids = new ArrayList<>();
        if (all != null) {
            for (Configuration c : all) {
                pids.add(c.getPid());
            }
        }
        Collections.sort(pids);
        return pids.isEmpty() ? "no configurations\n" : String.join("\n", pids) + "\n";
    }

    /** cm:get PID — a configuration's properties. */
    public String get(String pid) throws IOException, InvalidSyntaxException {
        Configuration c = find(pid);
        StringBuilder sb = new StringBuilder(c.getPid()).append('\n');
        Dictionary<String, Object> props = c.getProperties();
        List<String> keys = new ArrayList<>();
        for (Enumeration<String> e = props.keys(); e.hasMoreElements();) {
            keys.add(e.nextElement());
        }
        Collections.sort(keys);
        for (String k : keys) {
            sb.append("  ").append(k).append(" = ").append(props.get(k)).append('\n');
        }
        return sb.toString();
    }

    /**
     * cm:set PID|FACTORYPID~NAME KEY=VALUE... — creates or replaces a configuration ("~" makes a
     * named factory configuration). "true"/"false" become Boolean, decimal integers Integer, the
     * rest String.
     */
    public String set(String target, String... assignments) throws IOException {
        Dictionary<String, Object> props = new Hashtable<>();
        for (String kv : assignments) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new DriverException(Errno.EINVAL, "'" + kv + "' is not KEY=VALUE");
            }
            String v = kv.substring(eq + 1);
            Object value = v.equals("true") || v.equals("false") ? (Object) Boolean.valueOf(v)
                    : v.matches("-?\\d{1,9}") ? (Object) Integer.valueOf(v) : v;
            props.put(kv.substring(0, eq), value);
        }
        int tilde = target.indexOf('~');
        Configuration c = tilde > 0
                ? cm.getFactoryConfiguration(target.substring(0, tilde), target.substring(tilde + 1), "?")
                : cm.getConfiguration(target, "?");
        c.update(props);
        return c.getPid() + " = " + props + "\n";
    }

    /** cm:delete PID — deletes a configuration. */
    public String delete(String pid) throws IOException, InvalidSyntaxException {
        find(pid).delete();
        return pid + " deleted\n";
    }

    private Configuration find(String pid) throws IOException, InvalidSyntaxException {
        if (pid.isEmpty() || pid.matches(".*[()*\\\\].*")) {
            throw new DriverException(Errno.EINVAL, "'" + pid + "' is not a PID");
        }
        Configuration[] found = cm.listConfigurations("(service.pid=" + pid + ")");
        if (found == null || found.length == 0) {
            throw new DriverException(Errno.ENOENT, "no configuration " + pid);
        }
        return found[0];
    }
}
