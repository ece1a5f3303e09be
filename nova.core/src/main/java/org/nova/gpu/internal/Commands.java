package org.nova.gpu.internal;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nova.bus.pci.PciDevice;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.pci.PciAddress;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.GspStruct;
import org.nova.nvidia.gsp.RegistryKeys;
import org.nova.nvidia.gsp.SystemInfoFacts;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspStaticConfigInfo;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;
import org.nova.nvidia.gsp.bindings.PACKED_REGISTRY_ENTRY;
import org.nova.nvidia.gsp.bindings.PACKED_REGISTRY_TABLE;

/**
 * The GSP commands of the boot and of the unbind (nova-core gsp/commands.rs): SetSystemInfo and
 * SetRegistry sent once the GSP's RISC-V core is active, GetGspStaticInfo once it initialised, and
 * UNLOADING_GUEST_DRIVER with its power-state level at unload; each laid out by the running
 * release's typed bindings (newest stored gsp/commands.rs and gsp/fw/commands.rs).
 */
final class Commands {
    /** Bits of the bus/device/function routing ID below the domain in a vGPU plugin's dbdf. */
    static final int DOMAIN_SHIFT = 16;
    /** Bits of the device ID above the vendor ID in GspSystemInfo's PCIDeviceID and PCISubDeviceID. */
    static final int DEVICE_ID_SHIFT = 16;

    /**
     * The registry nova-core hands GSP-RM at boot (gsp/commands.rs SetRegistry): RMSecBusResetEnable
     * (PCI secondary bus reset allowed), RMForcePcieConfigSave (GSP-RM keeps the PCI configuration
     * over any reset), RMDevidCheckIgnore (GSP-RM boots a device ID its product table lacks).
     */
    static final Map<String, Integer> BOOT_REGISTRY = bootRegistry(false);

    /**
     * @param vgpu whether vGPU is on ({@link VgpuSupport}): RMSetSriovMode is added (the vGPU RFC's
     *     "set RMSetSriovMode when NVIDIA vGPU is enabled")
     * @return the registry, in the order it is packed
     */
    static Map<String, Integer> bootRegistry(boolean vgpu) {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put(RegistryKeys.SEC_BUS_RESET_ENABLE, RegistryKeys.ENABLED);
        m.put(RegistryKeys.FORCE_PCIE_CONFIG_SAVE, RegistryKeys.ENABLED);
        m.put(RegistryKeys.DEVID_CHECK_IGNORE, RegistryKeys.ENABLED);
        if (vgpu) {
            m.put(RegistryKeys.SET_SRIOV_MODE, RegistryKeys.ENABLED);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * What GetGspStaticInfo reported.
     *
     * @param reply the whole GspStaticConfigInfo, for what is decoded elsewhere ({@link FbRegions})
     */
    record StaticInfo(String name, long fbLength, RmHandles handles, Map<String, String> fields, byte[] reply) {
    }

    private Commands() {
    }

    /**
     * @return GspSystemInfo's nvDomainBusDeviceFunc as nova-core fills it: {@code pci_dev_id}, the
     *     bus and devfn (bus << 8 | device << 3 | function), without the domain
     */
    static long devId(PciAddress a) {
        return a.routingId();
    }

    /** @return domain << 16 | bus << 8 | device << 3 | function: a vGPU plugin's dbdf ({@link VgpuMgr}) */
    static long domainBusDeviceFunc(PciAddress a) {
        return (long) a.domain() << DOMAIN_SHIFT | a.routingId();
    }

    /**
     * SetSystemInfo (gsp/fw/commands.rs GspSetSystemInfo::init: BARs 0, 1 and 3's bus addresses, the
     * routing ID, maxUserVa, the PCI config mirror, the IDs) and SetRegistry ({@code registry}),
     * sent without waiting (GSP-RM does not answer them) once the GSP's RISC-V core is active
     * (gsp/boot.rs).
     */
    static void sendBootCommands(GspBindings abi, Cmdq cmdq, PciDevice dev, Map<String, Integer> registry,
            long timeoutMs) {
        GspSystemInfo si = abi.GspSystemInfo();
        byte[] p = new byte[si.size()];
        var ids = dev.ids();
        si.gpuPhysAddr(p, 0, dev.resourceStart(SystemInfoFacts.BAR_REGS));
        si.gpuPhysFbAddr(p, 0, dev.resourceStart(SystemInfoFacts.BAR_FB));
        si.gpuPhysInstAddr(p, 0, dev.resourceStart(SystemInfoFacts.BAR_INST));
        si.nvDomainBusDeviceFunc(p, 0, devId(PciAddress.parse(dev.slot())));
        si.maxUserVa(p, 0, SystemInfoFacts.MAX_USER_VA);
        si.pciConfigMirrorBase(p, 0, SystemInfoFacts.PCI_CONFIG_MIRROR_BASE);
        si.pciConfigMirrorSize(p, 0, SystemInfoFacts.PCI_CONFIG_MIRROR_SIZE);
        if (si.hasPCIDeviceID()) {
            si.PCIDeviceID(p, 0, ids.device() << DEVICE_ID_SHIFT | ids.vendor());
            si.PCISubDeviceID(p, 0, ids.subsystemDevice() << DEVICE_ID_SHIFT | ids.subsystemVendor());
            si.PCIRevisionID(p, 0, ids.revision());
        }
        if (si.hasHostPageSize()) {
            si.hostPageSize(p, 0, GspMsgQueue.PAGE_SIZE);
        }
        var tamperSi = BootTamper.systemInfo;
        if (tamperSi != null) {
            tamperSi.accept(si, p);
        }
        var tamperReg = BootTamper.registry;
        Map<String, Integer> reg = tamperReg == null ? registry : tamperReg.apply(registry);
        cmdq.send(abi.FUNCTION_GSP_SET_SYSTEM_INFO(), p, timeoutMs);
        cmdq.send(abi.FUNCTION_SET_REGISTRY(), packRegistry(abi, reg), timeoutMs);
    }

    /**
     * SetRegistry's payload (gsp/commands.rs): the PACKED_REGISTRY_TABLE, one PACKED_REGISTRY_ENTRY
     * per key (a DWORD, its name at {@code nameOffset} from the table's start), then the names,
     * each NUL-terminated. {@code size} counts the entries and the names, as nova-core fills it.
     *
     * @param entries key to 32-bit value, in the order they are packed
     */
    static byte[] packRegistry(GspBindings abi, Map<String, Integer> entries) {
        PACKED_REGISTRY_TABLE table = abi.PACKED_REGISTRY_TABLE();
        PACKED_REGISTRY_ENTRY entry = abi.PACKED_REGISTRY_ENTRY();
        int stringsAt = table.size() + entries.size() * entry.size();
        int stringsLength = 0;
        for (String key : entries.keySet()) {
            stringsLength += key.getBytes(StandardCharsets.US_ASCII).length + 1;
        }
        byte[] p = new byte[stringsAt + stringsLength];
        table.size(p, 0, p.length - table.size());
        table.numEntries(p, 0, entries.size());
        int at = table.size();
        int name = stringsAt;
        for (Map.Entry<String, Integer> e : entries.entrySet()) {
            entry.nameOffset(p, at, name);
            entry.type(p, at, abi.REGISTRY_TABLE_ENTRY_TYPE_DWORD());
            entry.data(p, at, e.getValue());
            entry.length(p, at, Integer.BYTES);
            byte[] key = e.getKey().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(key, 0, p, name, key.length);
            name += key.length + 1; // the NUL is the array's zero
            at += entry.size();
        }
        return p;
    }

    /**
     * GetGspStaticInfo: the GPU's name, framebuffer length and GSP-RM's internal handles.
     *
     * @throws DriverException EIO if the reply is shorter than the release's structure; as the RPC
     */
    static StaticInfo getStaticInfo(GspBindings abi, RmControl.Rpc rpc, long timeoutMs) {
        GspStaticConfigInfo s = abi.GspStaticConfigInfo();
        byte[] p = rpc.call(abi.FUNCTION_GET_GSP_STATIC_INFO(), new byte[s.size()], timeoutMs).payload();
        if (p.length < s.size()) {
            throw new DriverException(Errno.EIO, "GetGspStaticInfo reply of " + p.length + " bytes is shorter than "
                    + s.name() + " (" + s.size() + ") of firmware " + abi.version());
        }
        return new StaticInfo(s.gpuNameStringString(p, 0), s.fb_length(p, 0),
                new RmHandles(s.hInternalClient(p, 0), s.hInternalDevice(p, 0), s.hInternalSubdevice(p, 0)),
                decode(s, p), p);
    }

    /**
     * @return the scalar fields and the name strings of a GetGspStaticInfo reply, by the release's
     *         field names (other byte arrays are nested structures this driver does not interpret)
     */
    static Map<String, String> decode(GspStruct s, byte[] p) {
        Map<String, String> out = new LinkedHashMap<>();
        for (GspStruct.Field f : s.fields()) {
            if (!f.type().equals("bytes")) {
                out.put(f.name(), Long.toUnsignedString(s.get(p, 0, f)));
            } else if (f.name().endsWith("NameString")) {
                out.put(f.name(), s.getString(p, 0, f));
            }
        }
        return out;
    }

    /**
     * The power state UNLOADING_GUEST_DRIVER asks GSP-RM for (gsp/fw/commands.rs PowerStateLevel):
     * nova-core sends {@link #LEVEL_0} at unbind; 3 and 7 are PM transitions (suspend, hibernate).
     */
    enum PowerStateLevel {
        /** A full unload. */
        LEVEL_0,
        /** S3, suspend to RAM. */
        LEVEL_3,
        /** Hibernate, suspend to disk. */
        LEVEL_7;

        /** @return newLevel in the running release (NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_*) */
        int value(GspBindings abi) {
            return switch (this) {
                case LEVEL_0 -> abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0();
                case LEVEL_3 -> abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3();
                case LEVEL_7 -> abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7();
            };
        }

        /** @return whether GPU state must survive it (bInPMTransition), as opposed to a full unload */
        boolean isPowerTransition() {
            return this != LEVEL_0;
        }
    }

    /** @return UNLOADING_GUEST_DRIVER's payload (fw/commands.rs UnloadingGuestDriver::new): never GC6 */
    static byte[] unloadingGuestDriverPayload(GspBindings abi, PowerStateLevel level) {
        var u = abi.rpc_unloading_guest_driver_v1F_07();
        byte[] p = new byte[u.size()];
        u.bInPMTransition(p, 0, level.isPowerTransition() ? 1 : 0);
        u.bGc6Entering(p, 0, 0);
        u.newLevel(p, 0, level.value(abi));
        return p;
    }

    /**
     * UNLOADING_GUEST_DRIVER and its acknowledgement (gsp/boot.rs shutdown_gsp); the suspend that
     * follows is the caller's to wait for ({@link GspBoot#shutdown}).
     *
     * @throws DriverException EIO if GSP-RM refused it (its NV_STATUS named); as the RPC
     */
    static void unloadingGuestDriver(GspBindings abi, RmControl.Rpc rpc, PowerStateLevel level, long timeoutMs) {
        GspMsgQueue.Message m = rpc.call(abi.FUNCTION_UNLOADING_GUEST_DRIVER(), unloadingGuestDriverPayload(abi, level),
                timeoutMs);
        if (m.rpcResult() != abi.NV_OK()) {
            throw new DriverException(Errno.EIO, String.format("GSP-RM refused UNLOADING_GUEST_DRIVER to %s: "
                    + "NV_STATUS 0x%x", level, m.rpcResult()));
        }
    }
}
