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
import java.util.stream.Stream;

import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareCompression;
import org.nova.driver.firmware.FirmwareLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loader's logic, independent of OSGi: a search path and the lookup, as
 * drivers/base/firmware_loader/main.c {@code _request_firmware} and
 * {@code fw_get_filesystem_firmware} do it. The search path can be replaced at any time
 * (configuration update); a request uses the path it started with.
 *
 * <p><b>Order.</b> One pass per {@link FirmwareCompression}, in its order: the plain file in every
 * directory of the search path, then {@code NAME.zst} in every directory, then {@code NAME.xz}. A
 * pass that finds a file it cannot load (unreadable, truncated or corrupt, too large) goes on to
 * the next directory, as the kernel's loop does; the first file that loads wins. A later pass runs
 * only when the passes before found no file at all (ENOENT), as {@code _request_firmware} tries
 * {@code .zst} and {@code .xz} only on -ENOENT.
 *
 * <p><b>Where this differs from the kernel.</b> The kernel's pass returns the result of the last
 * directory it tried, so a corrupt {@code /lib/firmware/updates/X.zst} followed by no
 * {@code /lib/firmware/X.zst} ends as ENOENT and the {@code .xz} pass runs, while the same corrupt
 * file in {@code /lib/firmware} ends the request with EINVAL. Here a file that was found but
 * could not be loaded always ends the request with its error, naming the file and why, wherever
 * it lies: the outcome does not hang on which directory came last.
 */
public class FirmwareSearch implements FirmwareLoader {
    private static final Logger LOG = LoggerFactory.getLogger(FirmwareSearch.class);

    /** The root of the kernel's built-in search path, fw_path (main.c): where linux-firmware is installed. */
    public static final Path FW_ROOT = Path.of("/lib/firmware");
    /** fw_path's folder under the root for firmware that overrides the distribution's ({@code /lib/firmware/updates}). */
    static final String UPDATES = "updates";
    /** The running kernel's release, {@code uname -r}: the kernel's UTS_RELEASE in fw_path (proc(5)). */
    static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");

    private volatile List<Path> path;
    private final long maxSize;

    /** @param path the directories to search, in order; files up to {@link FirmwareLoader#MAX_SIZE} */
    public FirmwareSearch(List<Path> path) {
        this(path, MAX_SIZE);
    }

    /**
     * @param path the directories to search, in order
     * @param maxSize the largest file, and the largest decompressed image, accepted (EFBIG above)
     */
    public FirmwareSearch(List<Path> path, long maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize " + maxSize);
        }
        this.maxSize = maxSize;
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
     * Finds and loads {@code name} (mapped, or decompressed from {@code .zst} or {@code .xz}) in the
     * order the class comment gives, without registering it anywhere; the caller owns the result.
     *
     * @throws DriverException EINVAL for a bad name or a corrupt compressed file, ENOENT, EFBIG,
     *         ENOMEM or EIO as {@link FirmwareLoader#request} documents
     */
    public Firmware open(String name) {
        validate(name);
        List<Path> dirs = path;
        List<String> problems = new ArrayList<>();
        DriverException failure = null;
        for (FirmwareCompression compression : FirmwareCompression.values()) {
            for (Path dir : dirs) {
                Path file = dir.resolve(name + compression.suffix());
                if (!Files.exists(file)) {
                    continue;
                }
                if (!Files.isRegularFile(file)) {
                    problems.add(file + " is not a regular file");
                    continue;
                }
                try {
                    return Firmware.load(name, file, compression, maxSize);
                } catch (IOException e) {
                    problems.add(file + " cannot be read: " + e);
                    failure = failure != null ? failure : new DriverException(Errno.EIO, file + ": " + e, e);
                } catch (DriverException e) {
                    problems.add(withoutErrno(e));
                    failure = failure != null ? failure : e;
                }
            }
            if (failure != null) {
                throw new DriverException(failure.errno(), "firmware " + name + " was found but cannot be loaded: "
                        + String.join("; ", problems), failure);
            }
        }
        String searched = dirs.isEmpty() ? "(the search path is empty)"
                : dirs.stream().map(Path::toString).collect(Collectors.joining(", "))
                        + " (each for the name, then " + suffixes() + ")";
        throw new DriverException(Errno.ENOENT, "firmware " + name + " not found; searched "
                + searched + (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")"));
    }

    /** @return the exception's message without the errno name its constructor put first, to be quoted in another */
    private static String withoutErrno(DriverException e) {
        String prefix = e.errno().name() + ": ";
        String m = e.getMessage();
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** @return the compressed suffixes tried after the plain name, for messages */
    private static String suffixes() {
        return Stream.of(FirmwareCompression.values()).filter(c -> c != FirmwareCompression.NONE)
                .map(FirmwareCompression::suffix).collect(Collectors.joining(", "));
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
     * Builds a search path: the framework property's directories, then the configured ones
     * (together the kernel's {@code firmware_class.path}, searched first), then {@code fwPath}.
     *
     * @param property value of {@link FirmwareLoader#PATH_PROPERTY}, or null
     * @param configured the configured directories
     * @param fwPath the built-in directories, {@link #fwPath}
     * @return the directories, duplicates removed, order kept
     */
    static List<Path> compose(String property, String[] configured, List<Path> fwPath) {
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
        for (Path p : fwPath) {
            addDir(out, p.toString());
        }
        return out;
    }

    /**
     * The kernel's fw_path after firmware_class.path (main.c): {@code ROOT/updates/RELEASE},
     * {@code ROOT/updates}, {@code ROOT/RELEASE}, {@code ROOT}.
     *
     * @param root {@link #FW_ROOT}, or a test's folder
     * @param release the kernel release ({@link #kernelRelease}); null or blank leaves its two
     *        directories out
     * @return the directories in the kernel's order
     */
    public static List<Path> fwPath(Path root, String release) {
        boolean known = release != null && !release.isBlank() && !release.contains("/");
        List<Path> out = new ArrayList<>();
        if (known) {
            out.add(root.resolve(UPDATES).resolve(release.trim()));
        }
        out.add(root.resolve(UPDATES));
        if (known) {
            out.add(root.resolve(release.trim()));
        }
        out.add(root);
        return List.copyOf(out);
    }

    /**
     * @return the running kernel's release as {@code uname -r} prints it: {@link #OSRELEASE}, or
     *         where that cannot be read (not Linux), the JVM's {@code os.version}, which it takes
     *         from uname(2) too
     */
    public static String kernelRelease() {
        try {
            return Files.readString(OSRELEASE).trim();
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.version", "").trim();
        }
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
