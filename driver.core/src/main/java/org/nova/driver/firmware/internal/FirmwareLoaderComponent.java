package org.nova.driver.firmware.internal;

import java.nio.file.Path;
import java.util.List;

import org.nova.driver.firmware.FirmwareLoader;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the {@link FirmwareLoader}. Its search path is the framework property
 * {@value FirmwareLoader#PATH_PROPERTY} followed by the configured {@code path}; a configuration
 * update takes effect for the next request.
 */
@Component(service = FirmwareLoader.class, configurationPid = FirmwareLoader.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = FirmwareLoaderConfig.class)
public final class FirmwareLoaderComponent extends FirmwareSearch {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareLoaderComponent.class);

    private final String property;

    @Activate
    public FirmwareLoaderComponent(BundleContext context, FirmwareLoaderConfig config) {
        super(List.of());
        this.property = context.getProperty(PATH_PROPERTY);
        modified(config);
    }

    @Modified
    void modified(FirmwareLoaderConfig config) {
        List<Path> dirs = compose(property, config.path());
        setSearchPath(dirs);
        LOG.info("firmware search path: {}{}", dirs,
                dirs.stream().anyMatch(FirmwareSearch::exists) ? "" : " (none of them exists)");
    }
}
