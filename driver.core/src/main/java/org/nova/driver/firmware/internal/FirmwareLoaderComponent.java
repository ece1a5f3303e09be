package org.nova.driver.firmware.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.nova.config.ConfigStatus;
import org.nova.driver.Errno;
import org.nova.driver.firmware.FirmwareLoader;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the {@link FirmwareLoader}. Its search path is the framework property
 * {@value FirmwareLoader#PATH_PROPERTY}, the configured {@code path}, then the kernel's fw_path
 * under {@link FirmwareSearch#FW_ROOT} for the running kernel's release, read once at activation;
 * a configuration update takes effect for the next request. Each configuration is answered ({@link ConfigStatus}):
 * applied, or refused with EINVAL when an entry is not a path (the previous search path stays).
 */
@Component(service = FirmwareLoader.class, configurationPid = FirmwareLoader.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, property = ConfigStatus.DECLARATION)
@Designate(ocd = FirmwareLoaderConfig.class)
public final class FirmwareLoaderComponent extends FirmwareSearch {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareLoaderComponent.class);

    private final String property;
    private final List<Path> fwPath;
    private final ConfigStatus status;

    @Activate
    public FirmwareLoaderComponent(BundleContext context, FirmwareLoaderConfig config, Map<String, Object> properties) {
        super(List.of());
        this.property = context.getProperty(PATH_PROPERTY);
        this.fwPath = FirmwareSearch.fwPath(FW_ROOT, FirmwareSearch.kernelRelease());
        this.status = new ConfigStatus(context, ConfigStatus.pidOf(properties, PID));
        modified(config, properties);
    }

    @Modified
    void modified(FirmwareLoaderConfig config, Map<String, Object> properties) {
        List<Path> dirs;
        try {
            dirs = compose(property, config.path(), fwPath);
        } catch (InvalidPathException e) {
            LOG.error("firmware search path: '{}' is not a path: {}", e.getInput(), e.getReason());
            status.refused(properties, Errno.EINVAL.name(), "path: '" + e.getInput() + "' is not a path ("
                    + e.getReason() + "); the search path stays " + searchPath());
            return;
        }
        setSearchPath(dirs);
        LOG.info("firmware search path: {}{}", dirs,
                dirs.stream().anyMatch(FirmwareSearch::exists) ? "" : " (none of them exists)");
        status.applied(properties);
    }

    /** Withdraws the answer: the configuration is gone or the bundle stops. */
    @Deactivate
    void deactivate() {
        status.close();
    }
}
