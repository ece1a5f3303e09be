package org.nova.hw.sim.gpu;

import java.util.Map;
import org.nova.nvidia.gsp.RegistryKeys;
import org.nova.nvidia.gsp.SystemInfoFacts;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;

/**
 * What GSP-RM checks of the two boot commands nova-core sends before it initialises
 * (gsp/fw/commands.rs GspSetSystemInfo::init, gsp/commands.rs SetRegistry, torvalds/linux 19b0a6e7;
 * RMSetSriovMode from the nova-core vGPU RFC 20251206124208):
 * <ul>
 * <li>SetSystemInfo: the BARs' bus addresses are where the platform put this function's BAR0, BAR1
 *     and BAR3 (GSP-RM programs its own view of the PCIe windows from them), the routing ID is the
 *     function's, maxUserVa and the PCI config mirror are the values GSP-RM is built for;</li>
 * <li>SetRegistry: without RMDevidCheckIgnore GSP-RM looks the PCI device ID up in its product
 *     table, which the simulated (generated) firmware's is empty of; RMSetSriovMode needs a board
 *     with SR-IOV whose GSP-RM runs vGPU, and WPR metadata that partitioned the heap for its VFs.</li>
 * </ul>
 * Each check returns why GSP-RM refuses, or null; {@link SimGsp} then fails its initialisation.
 */
final class SimBootParams {
    private SimBootParams() {
    }

    /** @return why GSP-RM refuses this GspSystemInfo, or null */
    static String checkSystemInfo(NvidiaGpu gpu, GspBindings abi, byte[] p) {
        GspSystemInfo si = abi.GspSystemInfo();
        if (p.length < si.size()) {
            return "GspSystemInfo of " + p.length + " bytes, " + si.size() + " expected";
        }
        GpuHost host = gpu.host();
        String bars = bar("register aperture", SystemInfoFacts.BAR_REGS, si.gpuPhysAddr(p, 0), host);
        if (bars == null) {
            bars = bar("framebuffer aperture", SystemInfoFacts.BAR_FB, si.gpuPhysFbAddr(p, 0), host);
        }
        if (bars == null) {
            bars = bar("instance-memory aperture", SystemInfoFacts.BAR_INST, si.gpuPhysInstAddr(p, 0), host);
        }
        if (bars != null) {
            return bars;
        }
        long dbdf = si.nvDomainBusDeviceFunc(p, 0);
        if (dbdf != host.routingId()) {
            return String.format("nvDomainBusDeviceFunc 0x%x is not this function's bus/devfn 0x%x", dbdf,
                    host.routingId());
        }
        long va = si.maxUserVa(p, 0);
        if (va != SystemInfoFacts.MAX_USER_VA) {
            return String.format("maxUserVa 0x%x, GSP-RM is built for 0x%x", va, SystemInfoFacts.MAX_USER_VA);
        }
        long base = Integer.toUnsignedLong((int) si.pciConfigMirrorBase(p, 0));
        long size = Integer.toUnsignedLong((int) si.pciConfigMirrorSize(p, 0));
        if (base != SystemInfoFacts.PCI_CONFIG_MIRROR_BASE || size != SystemInfoFacts.PCI_CONFIG_MIRROR_SIZE) {
            return String.format("PCI config mirror 0x%x+0x%x, the GPU's is at 0x%x+0x%x", base, size,
                    SystemInfoFacts.PCI_CONFIG_MIRROR_BASE, SystemInfoFacts.PCI_CONFIG_MIRROR_SIZE);
        }
        return null;
    }

    /** @param what the aperture in words: hw.sim spells no name of the ABI (AbiNamesTest) */
    private static String bar(String what, int index, long got, GpuHost host) {
        long want = host.barAddress(index);
        return got == want ? null : String.format("the %s 0x%x is not BAR%d's address 0x%x", what, got, index, want);
    }

    /** @return why GSP-RM refuses this registry, or null */
    static String checkRegistry(NvidiaGpu gpu, Map<String, Integer> entries) {
        if (entries.getOrDefault(RegistryKeys.DEVID_CHECK_IGNORE, 0) == 0) {
            return String.format("device ID 0x%04x is not in GSP-RM's product table and %s is not set", gpu.deviceId(),
                    RegistryKeys.DEVID_CHECK_IGNORE);
        }
        if (entries.getOrDefault(RegistryKeys.SET_SRIOV_MODE, 0) != 0) {
            if (gpu.totalVfs() == 0 || !SimVgpuManager.supported(gpu.options().chipset())) {
                return RegistryKeys.SET_SRIOV_MODE + " on " + gpu.options().chipset()
                        + ", which has no SR-IOV vGPU";
            }
            if (gpu.wprVfPartitions() == 0) {
                return RegistryKeys.SET_SRIOV_MODE + " without VF partitions of the WPR2 heap "
                        + "(gspFwHeapVfPartitionCount 0): no heap for the VFs' plugins";
            }
        }
        return null;
    }
}
