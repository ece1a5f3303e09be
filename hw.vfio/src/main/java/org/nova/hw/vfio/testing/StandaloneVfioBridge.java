package org.nova.hw.vfio.testing;

import java.util.List;
import org.nova.hw.HostBridge;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.vfio.VfioBridge;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A VFIO host bridge that a benchmark or a test owns: opened by {@link #open}, closed by
 * {@link #close()}. It needs what the backend service needs: the functions bound to vfio-pci,
 * their IOMMU groups viable, access to /dev/vfio (root, or the nodes given to the user), and a JVM
 * started with {@code --enable-native-access=ALL-UNNAMED}.
 *
 * <p>Everything obtained through {@link #bridge()} (mappings, interrupt sets, DMA buffers) is the
 * caller's to close; closing the bridge closes whatever is still open, then every device fd, group,
 * container, eventfd and thread of the bridge. Using the bridge afterwards fails with ENODEV.
 */
@ProviderType
public final class StandaloneVfioBridge implements AutoCloseable {
    private final VfioBridge bridge;

    private StandaloneVfioBridge(VfioBridge bridge) {
        this.bridge = bridge;
    }

    /**
     * Opens functions bound to vfio-pci in this machine's kernel.
     *
     * @param name      the bridge's name
     * @param functions the functions to open, all of one PCI domain; empty opens every function
     *                  bound to vfio-pci
     * @return the open bridge
     * @throws HwException naming the function and the reason (ENOENT without /dev/vfio/vfio,
     *                     EBUSY for a function bound elsewhere or a group that is not viable,
     *                     EINVAL for functions of two domains, the errno of a failed ioctl);
     *                     nothing stays open
     */
    public static StandaloneVfioBridge open(String name, List<PciAddress> functions) {
        return new StandaloneVfioBridge(VfioBridge.open(name, functions));
    }

    /** @return the bridge, as the backend service publishes it */
    public HostBridge bridge() {
        return bridge;
    }

    /**
     * Maps a region through pread/pwrite on the device fd even where the kernel would let it be
     * mmap'd (what {@link org.nova.hw.PciFunction#map} does for I/O BARs and the ROM), so the two
     * access paths can be compared on the same register. The caller owns the mapping.
     *
     * @throws HwException ENODEV if the bridge has no such function, ENXIO if the region does not
     *                     exist
     */
    public Mmio mapThroughDeviceFd(PciAddress function, int region) {
        return bridge.mapThroughDeviceFd(function, region);
    }

    /** Closes the bridge and everything still open through it. Idempotent. */
    @Override
    public void close() {
        bridge.close();
    }
}
