package org.nova.hw.vfio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The VFIO file descriptors this process holds, counted by what the kernel says they are
 * (/proc/self/fd links), not by the backend's own bookkeeping: {@code vfio:status} prints both, so
 * a leaked fd shows as a difference.
 *
 * @param vfio       fds of /dev/vfio nodes: containers (/dev/vfio/vfio) and groups (/dev/vfio/N)
 * @param vfioDevice VFIO device fds
 * @param eventfd    eventfds (interrupts, request interrupts, the pollers' wake-ups)
 */
record FdCensus(int vfio, int vfioDevice, int eventfd) {
    /** The process's fd directory (proc(5)). */
    private static final Path PROC_SELF_FD = Path.of("/proc/self/fd");
    /** What the link of an open container or group node starts with: /dev/vfio/. */
    private static final String VFIO_NODES = SysfsPci.system().vfioDir() + "/";
    /** The link of an eventfd (fs/eventfd.c anon_inode_getfile "[eventfd]"). */
    private static final String EVENTFD = "anon_inode:[eventfd]";
    /** The link of a VFIO device fd (drivers/vfio/group.c anon_inode_getfile "[vfio-device]"). */
    private static final String VFIO_DEVICE = "anon_inode:[vfio-device]";
    /** What {@link #take()} answers when /proc cannot be read. */
    static final FdCensus UNKNOWN = new FdCensus(-1, -1, -1);

    /** @return the census now, or {@link #UNKNOWN} */
    static FdCensus take() {
        int vfio = 0;
        int dev = 0;
        int efd = 0;
        try (Stream<Path> s = Files.list(PROC_SELF_FD)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String t = Files.readSymbolicLink(p).toString();
                    if (t.startsWith(VFIO_NODES)) {
                        vfio++;
                    } else if (t.equals(EVENTFD)) {
                        efd++;
                    } else if (t.equals(VFIO_DEVICE)) {
                        dev++;
                    }
                } catch (IOException e) {
                    // the fd closed while listing (e.g. the directory stream's own)
                }
            }
        } catch (IOException e) {
            return UNKNOWN;
        }
        return new FdCensus(vfio, dev, efd);
    }
}
