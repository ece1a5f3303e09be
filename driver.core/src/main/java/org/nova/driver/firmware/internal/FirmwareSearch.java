package org.nova.driver.firmware.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader's logic, independent of OSGi: a search path and the lookup. The search path can
 * be replaced at any time (configuration update); a request uses the path it started with.
 */
public class FirmwareSearch implements FirmwareLoader {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareSearch.class);

    private volatile List<Path> path;

    /** @param path the directories to search, in order */
    public FirmwareSearch(List<Path> path) {
        setSearchPath(path);
    }

    /** Replaces the search path. */
    public final void setSearchPath(List<Path> newPath) {
        this.path = List.copyOf(Objects.requireNonNull(newPath, "path"));
    }

    @Override
    public List<Path> searchPath() {
        return path;
    }

    @Override
    public Firmware request(String name, DevresScope scope) {
        return load(name, scope, true);
    }

    @Override
    public Firmware requestNowarn(String name, DevresScope scope) {
        return load(name, scope, false);
    }

    private Firmware load(String name, DevresScope scope, boolean warn) {
        Objects.requireNonNull(scope, "scope");
        String device = scope.device();
        try {
            Firmware fw = open(name);
            try {
                scope.add("firmware " + name, fw);
            } catch (DevresException gone) {
                // the scope has already closed fw
                throw new DriverException(gone.isInjected() ? Errno.ENOMEM : Errno.ENODEV, "firmware " + name
                        + " for device " + device + ": " + gone.getMessage(), gone);
            }
            LOG.debug("{}: loaded firmware {} ({} bytes) from {}", device, name, fw.size(),
                    fw.path());
            return fw;
        } catch (DriverException e) {
            if (warn) {
                LOG.warn("{}: Direct firmware load for {} failed with error -{}: {}", device,
                        printable(name), e.errno().code(), e.getMessage());
            }
            throw e;
        }
    }

    /**
     * Finds and maps {@code name} without registering it anywhere; the caller owns the result.
     *
     * @throws DriverException EINVAL, ENOENT or EIO as {@link FirmwareLoader#request} documents
     */
    public Firmware open(String name) {
        validate(name);
        List<Path> dirs = path;
        List<String> problems = new ArrayList<>();
        IOException firstFailure = null;
        for (Path dir : dirs) {
            Path file = dir.resolve(name);
            if (!Files.exists(file)) {
                continue;
            }
            if (!Files.isRegularFile(file)) {
                problems.add(file + " is not a regular file");
                continue;
            }
            try {
                return Firmware.map(name, file);
            } catch (IOException e) {
                problems.add(file + ": " + e);
                if (firstFailure == null) {
                    firstFailure = e;
                }
            }
        }
        String searched = dirs.isEmpty() ? "(the search path is empty)"
                : dirs.stream().map(Path::toString).collect(Collectors.joining(", "));
        if (firstFailure != null) {
            throw new DriverException(Errno.EIO, "firmware " + name + " exists but cannot be "
                    + "mapped: " + String.join("; ", problems), firstFailure);
        }
        throw new DriverException(Errno.ENOENT, "firmware " + name + " not found; searched "
                + searched + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")"));
    }

    /**
     * The name as a message may carry it: control characters, NUL first of all, written as
     * {@code \xNN} (the kernel's {@code %pE}), so that no log line or terminal receives them raw.
     */
    static String printable(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Refuses names that are not plain relative paths. */
    static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new DriverException(Errno.EINVAL, "empty firmware name");
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw new DriverException(Errno.EINVAL, "firmware name '" + printable(name)
                    + "' contains a NUL or backslash");
        }
        if (name.startsWith("/") || Path.of(name).isAbsolute()) {
            throw new DriverException(Errno.EINVAL, "firmware name '" + name
                    + "' is absolute; names are relative to the firmware search path");
        }
        for (String seg : name.split("/", -1)) {
            if (seg.equals("..") || seg.isEmpty()) {
                throw new DriverException(Errno.EINVAL, "firmware name '" + name + "' has "
                        + (seg.isEmpty() ? "an empty" : "a '..'") + " path segment: names are "
                        + "plain relative paths inside the firmware search path");
            }
        }
    }

    /**
     * Builds a search path: the framework property's directories first, then the configured.
     *
     * @param property value of {@link FirmwareLoader#PATH_PROPERTY}, or null
     * @param configured the configured directories
     * @return the directories, duplicates removed, order kept
     */
    static List<Path> compose(String property, String[] configured) {
        List<Path> out = new ArrayList<>();
        if (property != null) {
            for (String p : property.split(File.pathSeparator)) {
                addDir(out, p);
            }
        }
        if (configured != null) {
            for (String p : configured) {
                addDir(out, p);
            }
        }
        return out;
    }

    private static void addDir(List<Path> out, String p) {
        if (p == null || p.isBlank()) {
            return;
        }
        Path d = Path.of(p.trim()).toAbsolutePath().normalize();
        if (!out.contains(d)) {
            out.add(d);
        }
    }

    /** @return whether {@code dir} exists, for the log */
    static boolean exists(Path dir) {
        return Files.isDirectory(dir);
    }
}
