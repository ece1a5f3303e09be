package org.nova.runtime;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.nova.driver.DriverException;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.MetaTypeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every configuration FileInstall makes from a {@code .cfg}/{@code .config} file against
 * the Metatype definition of its PID, as {@code cm:set} checks a typed one: an unknown key, a value
 * of the wrong type or out of range is one ERROR line that names the file, the key and why. The
 * configuration itself is Configuration Admin's and reaches its owner anyway (Configuration Admin
 * has no veto); the owner answers it as it answers any ({@code cm:get}). A PID no Metatype
 * describes is not checked. Owns the record of each file's verdict, shown by {@code deploy:status}.
 */
@Component(service = { ConfigurationListener.class, ConfFileChecks.class })
public final class ConfFileChecks implements ConfigurationListener {
    private static final Logger LOG = LoggerFactory.getLogger(ConfFileChecks.class);
    /** Properties Configuration Admin and FileInstall add, which no definition names. */
    static final Set<String> BOOKKEEPING = Set.of(Constants.SERVICE_PID, ConfigurationAdmin.SERVICE_FACTORYPID,
            ConfigurationAdmin.SERVICE_BUNDLELOCATION, DeployFolders.FILENAME_PROPERTY);

    private final ConfigurationAdmin cm;
    private final ConfigDefinitions definitions;
    /** Each file's verdict, by canonical path. */
    private final Map<String, String> verdicts = new ConcurrentHashMap<>();

    @Activate
    public ConfFileChecks(BundleContext context, @Reference ConfigurationAdmin cm, @Reference MetaTypeService metatype) {
        this.cm = cm;
        this.definitions = new ConfigDefinitions(context, metatype);
    }

    @Override
    public void configurationEvent(ConfigurationEvent event) {
        if (event.getType() != ConfigurationEvent.CM_UPDATED) {
            return;
        }
        Configuration[] found;
        try {
            found = cm.listConfigurations("(" + Constants.SERVICE_PID + "=" + event.getPid() + ")");
        } catch (IOException | InvalidSyntaxException e) {
            return;
        }
        Dictionary<String, Object> props;
        try {
            props = found == null || found.length == 0 ? null : found[0].getProperties();
        } catch (IllegalStateException deleted) {
            // deleted since it was listed (the settle barrier is updated and deleted at once):
            // no file to judge any more
            return;
        }
        if (props == null || !(props.get(DeployFolders.FILENAME_PROPERTY) instanceof Object file)) {
            return;
        }
        String pid = event.getFactoryPid() != null ? event.getFactoryPid() : event.getPid();
        String verdict = check(pid, props);
        String path = path(file);
        verdicts.put(path, verdict);
        if (verdict.startsWith("configuration " + event.getPid() + ": ")) {
            LOG.info("{}: {}", path, verdict);
        } else {
            LOG.error("{}: {}", path, verdict);
        }
    }

    /** @return the verdict on one file's configuration: "configuration PID: checked against its Metatype", or the error */
    String check(String pid, Dictionary<String, Object> props) {
        String servicePid = String.valueOf(props.get(Constants.SERVICE_PID));
        Optional<ConfigDefinitions.Definition> def = definitions.find(pid);
        if (def.isEmpty()) {
            return "configuration " + servicePid + ": no Metatype describes " + pid + ", not checked";
        }
        List<String> words = new ArrayList<>();
        for (Enumeration<String> e = props.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            if (!BOOKKEEPING.contains(k)) {
                words.add(k + ConfigDefinitions.ASSIGN + ConfigCommands.text(props.get(k)));
            }
        }
        try {
            ConfigDefinitions.parse(pid, def.get().ocd(), words);
            return "configuration " + servicePid + ": checked against its Metatype";
        } catch (DriverException e) {
            return "configuration " + servicePid + " is invalid: " + e.getMessage();
        }
    }

    /** @return the verdict on a file, or what is known without one */
    String state(File f) {
        String v = verdicts.get(path(f));
        return v != null ? v : "no configuration made from it (yet)";
    }

    private static String path(Object file) {
        String s = String.valueOf(file);
        File f = s.startsWith("file:") ? new File(URI.create(s)) : new File(s);
        try {
            return f.getCanonicalPath();
        } catch (IOException e) {
            return f.getAbsolutePath();
        }
    }
}
