package org.nova.gpu.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.firmware.Firmware;
import org.nova.driver.firmware.FirmwareLoader;

/** request_firmware over one directory, for tests: maps the file and hands it to the scope. */
record DirFirmwareLoader(Path dir) implements FirmwareLoader {
    @Override
    public Firmware request(String name, DevresScope scope) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new DriverException(Errno.ENOENT, "firmware " + name + " not found in " + dir);
        }
        try {
            return scope.add("firmware:" + name, Firmware.map(name, p));
        } catch (IOException e) {
            throw new DriverException(Errno.EIO, "cannot map " + p, e);
        }
    }

    @Override
    public Firmware requestNowarn(String name, DevresScope scope) {
        return request(name, scope);
    }

    @Override
    public List<Path> searchPath() {
        return List.of(dir);
    }
}
