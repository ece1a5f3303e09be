package org.nova.nvidia.gsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every release's generated bindings declare what nova.core and the simulated GSP use, with a
 * consistent layout. A new description must pass this before any driver sees it.
 */
class AbiContractTest {
    static List<GspAbi> releases() {
        return GspAbi.all();
    }

    static final List<String> FUNCTIONS = List.of("GSP_SET_SYSTEM_INFO", "SET_REGISTRY", "GET_GSP_STATIC_INFO",
            "UNLOADING_GUEST_DRIVER", "GSP_RM_CONTROL");
    static final List<String> EVENTS = List.of("GSP_INIT_DONE", "GSP_RUN_CPU_SEQUENCER");
    static final Map<String, List<String>> STRUCTS = Map.of(
            "GspSystemInfo", List.of("gpuPhysAddr", "nvDomainBusDeviceFunc", "maxUserVa", "Chipset"),
            "PACKED_REGISTRY_TABLE", List.of("size", "numEntries"),
            "rpc_run_cpu_sequencer_v17_00", List.of("bufferSizeDWord", "cmdIndex"),
            "rpc_unloading_guest_driver_v1F_07", List.of("bInPMTransition"),
            "GspStaticConfigInfo", List.of());
    static final List<String> CONSTANTS = List.of("GSP_SEQ_BUF_OPCODE_REG_WRITE", "GSP_SEQ_BUF_OPCODE_REG_MODIFY",
            "GSP_SEQ_BUF_OPCODE_REG_POLL", "GSP_SEQ_BUF_OPCODE_DELAY_US", "GSP_SEQ_BUF_OPCODE_REG_STORE",
            "GSP_SEQ_BUF_OPCODE_CORE_RESET", "GSP_SEQ_BUF_OPCODE_CORE_START", "GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT",
            "GSP_SEQ_BUF_OPCODE_CORE_RESUME", "GSP_SEQ_BUF_ARGS_REG_WRITE", "GSP_SEQ_BUF_ARGS_REG_MODIFY",
            "GSP_SEQ_BUF_ARGS_REG_POLL", "GSP_SEQ_BUF_ARGS_DELAY_US", "GSP_SEQ_BUF_ARGS_REG_STORE",
            "GSP_SEQUENCER_REG_SAVE_AREA_WORDS");

    @ParameterizedTest
    @MethodSource("releases")
    void declaresWhatTheDriversUse(GspAbi abi) {
        FUNCTIONS.forEach(abi::function);
        EVENTS.forEach(abi::event);
        CONSTANTS.forEach(abi::constant);
        STRUCTS.forEach((s, fields) -> fields.forEach(f -> abi.struct(s).field(f)));
        assertTrue(abi.bindingsPackage().startsWith("org.nova.nvidia.gsp.r"));
        assertEquals(abi, GspAbi.forVersion(abi.version()).orElseThrow());
    }

    @ParameterizedTest
    @MethodSource("releases")
    void layoutsAreConsistent(GspAbi abi) {
        for (GspStruct s : abi.structs().values()) {
            int end = 0;
            for (GspStruct.Field f : s.fields()) {
                assertTrue(f.offset() >= end, s.name() + "." + f.name() + " overlaps its predecessor");
                end = f.offset() + f.size();
                assertTrue(end <= s.size(), s.name() + "." + f.name() + " passes the end");
            }
        }
        // numbers are unique among functions and events
        assertEquals(abi.functions().size(), abi.functions().values().stream().distinct().count());
        assertTrue(abi.events().values().stream().allMatch(v -> v >= 0x1000));
    }

    @ParameterizedTest
    @MethodSource("releases")
    void bindingsAreNotStale(GspAbi abi) throws Exception {
        // javac's stale check sees only .java files: a description edited without a rebuild of
        // nvidia.spec from clean leaves old bindings; this catches it
        try (var in = GspAbi.class.getResourceAsStream("abi/" + abi.description())) {
            assertTrue(in != null, "description " + abi.description() + " is not a resource");
            String sha = java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
            assertEquals(sha, abi.descriptionSha256(), "the bindings of " + abi.version() + " are stale: "
                    + abi.description() + " changed after they were generated; rebuild nvidia.spec from clean");
        }
    }

    @org.junit.jupiter.api.Test
    void releasesAreOrderedOldestFirst() {
        assertEquals(List.of("535.113.01", "570.144"), GspAbi.all().stream().map(GspAbi::version).toList());
    }

    // ---- facts checked against NVIDIA's headers (see each comment for the header and release) ----

    static GspAbi r535() {
        return GspAbi.forVersion("535.113.01").orElseThrow();
    }

    static GspAbi r570() {
        return GspAbi.forVersion("570.144").orElseThrow();
    }

    static void layout(GspAbi abi, String struct, int size, Object... nameOffsetSize) {
        GspStruct s = abi.struct(struct);
        assertEquals(size, s.size(), abi.version() + " " + struct + " size");
        for (int i = 0; i < nameOffsetSize.length; i += 3) {
            GspStruct.Field f = s.field((String) nameOffsetSize[i]);
            assertEquals((int) nameOffsetSize[i + 1], f.offset(), abi.version() + " " + struct + "." + f.name());
            assertEquals((int) nameOffsetSize[i + 2], f.size(), abi.version() + " " + struct + "." + f.name() + " size");
        }
    }

    @org.junit.jupiter.api.Test
    void functionAndEventNumbersAreNvidias() {
        // 535.113.01: nvidia/kernel/inc/vgpu/rpc_global_enums.h (Linux nouveau include/nvrm/535.113.01, an excerpt
        // of open-gpu-kernel-modules 535.113.01). 570.144: NV_VGPU_MSG_FUNCTION_* / NV_VGPU_MSG_EVENT_* in
        // Linux drivers/gpu/nova-core/gsp/fw/r570_144/bindings.rs. The numbers are the same in both releases.
        for (GspAbi abi : List.of(r535(), r570())) {
            assertEquals(47, abi.function("UNLOADING_GUEST_DRIVER"));
            assertEquals(65, abi.function("GET_GSP_STATIC_INFO"));
            assertEquals(72, abi.function("GSP_SET_SYSTEM_INFO"));
            assertEquals(73, abi.function("SET_REGISTRY"));
            assertEquals(76, abi.function("GSP_RM_CONTROL"));
            assertEquals(103, abi.function("GSP_RM_ALLOC"));
            assertEquals(0x1001, abi.event("GSP_INIT_DONE"));
            assertEquals(0x1002, abi.event("GSP_RUN_CPU_SEQUENCER"));
            assertEquals(0x1003, abi.event("POST_EVENT"));
            assertEquals(0x1004, abi.event("RC_TRIGGERED"));
            assertEquals(0x1006, abi.event("OS_ERROR_LOG"));
            // 535.113.01 rpc_global_enums.h: E(UCODE_LIBOS_PRINT) // 0x100c; r570_144 bindings.rs: 4108
            assertEquals(0x100c, abi.event("UCODE_LIBOS_PRINT"));
        }
    }

    @org.junit.jupiter.api.Test
    void sequencerOpcodesAreNvidias() {
        // 535.113.01: nvidia/arch/nvalloc/common/inc/rmgspseq.h (nouveau excerpt); 570.144: GSP_SEQ_BUF_OPCODE_*
        // and GSP_SEQ_BUF_PAYLOAD_* in nova-core's r570_144/bindings.rs. Argument counts are the payloads' u32s.
        for (GspAbi abi : List.of(r535(), r570())) {
            List<String> ops = List.of("REG_WRITE", "REG_MODIFY", "REG_POLL", "DELAY_US", "REG_STORE", "CORE_RESET",
                    "CORE_START", "CORE_WAIT_FOR_HALT", "CORE_RESUME");
            for (int i = 0; i < ops.size(); i++) {
                assertEquals(i, abi.constant("GSP_SEQ_BUF_OPCODE_" + ops.get(i)));
            }
            assertEquals(2, abi.constant("GSP_SEQ_BUF_ARGS_REG_WRITE"));
            assertEquals(3, abi.constant("GSP_SEQ_BUF_ARGS_REG_MODIFY"));
            assertEquals(5, abi.constant("GSP_SEQ_BUF_ARGS_REG_POLL"));
            assertEquals(1, abi.constant("GSP_SEQ_BUF_ARGS_DELAY_US"));
            assertEquals(2, abi.constant("GSP_SEQ_BUF_ARGS_REG_STORE"));
            // rpc_run_cpu_sequencer_v17_00.regSaveArea[8]
            assertEquals(8, abi.constant("GSP_SEQUENCER_REG_SAVE_AREA_WORDS"));
        }
    }

    @org.junit.jupiter.api.Test
    void rpcStructuresAreNvidias() {
        // 535.113.01: nvidia/generated/g_rpc-structures.h (nouveau excerpt); 570.144: nova-core bindings.rs
        for (GspAbi abi : List.of(r535(), r570())) {
            // rpc_unloading_guest_driver_v1F_07 { NvBool bInPMTransition; NvBool bGc6Entering; NvU32 newLevel; }
            layout(abi, "rpc_unloading_guest_driver_v1F_07", 8, "bInPMTransition", 0, 1, "bGc6Entering", 1, 1,
                    "newLevel", 4, 4);
            assertTrue(!abi.struct("rpc_unloading_guest_driver_v1F_07").has("flags"));
            // rpc_gsp_rm_control_v03_00 { hClient, hObject, cmd, status, paramsSize, flags; params[] }
            layout(abi, "rpc_gsp_rm_control_v03_00", 24, "hClient", 0, 4, "hObject", 4, 4, "cmd", 8, 4, "status", 12, 4,
                    "paramsSize", 16, 4, "flags", 20, 4);
            // rpc_run_cpu_sequencer_v17_00 { bufferSizeDWord, cmdIndex, regSaveArea[8]; commandBuffer[] }
            layout(abi, "rpc_run_cpu_sequencer_v17_00", 40, "bufferSizeDWord", 0, 4, "cmdIndex", 4, 4, "regSaveArea",
                    8, 32);
        }
        // PACKED_REGISTRY_TABLE / PACKED_REGISTRY_ENTRY (open-gpu-kernel-modules nvidia/inc/kernel/os/os.h;
        // r570_144 bindings.rs: type_ u8 then 3 bytes padding), the same in both releases
        for (GspAbi abi : List.of(r535(), r570())) {
            layout(abi, "PACKED_REGISTRY_TABLE", 8, "size", 0, 4, "numEntries", 4, 4);
            layout(abi, "PACKED_REGISTRY_ENTRY", 16, "nameOffset", 0, 4, "type", 4, 1, "data", 8, 4, "length", 12, 4);
        }
    }

    @org.junit.jupiter.api.Test
    void r535SystemInfoIsNvidias() {
        // 535.113.01 gsp_static_config.h GspSystemInfo, C layout: BUSINFO 10 bytes (align 2), ACPI_METHOD_DATA 484
        // (gpu_acpi_data.h: 2-table MUX_METHOD_DATA), GSP_VF_INFO 40 (align 8)
        layout(r535(), "GspSystemInfo", 664, "gpuPhysAddr", 0, 8, "nvDomainBusDeviceFunc", 24, 8, "maxUserVa", 56, 8,
                "pciConfigMirrorBase", 64, 4, "oorArch", 72, 1, "clPdbProperties", 80, 8, "Chipset", 88, 4,
                "upstreamAddressValid", 98, 1, "FHBBusInfo", 100, 10, "acpiMethodData", 120, 484, "hypervisorType",
                604, 4, "bIsPassthru", 608, 1, "sysTimerOffsetNs", 616, 8, "gspVFInfo", 624, 40);
        assertTrue(!r535().struct("GspSystemInfo").has("hostPageSize"));
    }

    @org.junit.jupiter.api.Test
    void r570SystemInfoIsNvidias() {
        // r570_144 bindings.rs GspSystemInfo, offsets confirmed by its explicit __bindgen_padding_N fields
        layout(r570(), "GspSystemInfo", 928, "gpuPhysIoAddr", 24, 8, "nvDomainBusDeviceFunc", 32, 8, "maxUserVa",
                72, 8, "PCIDeviceID", 88, 4, "oorArch", 104, 1, "clPdbProperties", 112, 8, "Chipset", 120, 4,
                "chipsetL1ssEnable", 128, 4, "FHBBusInfo", 138, 10, "acpiMethodData", 160, 676, "bIsPassthru", 840, 1,
                "sysTimerOffsetNs", 848, 8, "gspVFInfo", 856, 40, "pcieConfigReg", 900, 4, "hostPageSize", 920, 8);
    }

    @org.junit.jupiter.api.Test
    void r535StaticConfigInfoIsNvidias() {
        // 535.113.01 gsp_static_config.h GspStaticConfigInfo_t, C layout from the 535.113.01 headers (nouveau
        // excerpt): ctrl0080gr.h NV0080_CTRL_GR_CAPS_TBL_SIZE 23; ctrl2080gpu.h GID_INFO 268, FERMI_GPC_INFO one u32,
        // FERMI_TPC_INFO and FERMI_ZCULL_INFO two u32 each (x MAX_GPC_COUNT 32 = 256 bytes, not 1280);
        // ctrl2080bios.h SKU_INFO 32; ctrl2080fb.h FB_REGION_INFO_PARAMS 776; g_gpu_nvoc.h COMPUTE_BRANDING_TYPE
        // an enum; ctrl0080gpu.h SRIOV_CAPS 72; nvbitmask.h + gpu_engine_type.h engineCaps[2]; GspSMInfo 9 u32;
        // ctrl2080gr.h CONTEXT_POOL = 5 for gfxpBuffer*; ctrl2080gpu.h NV2080_GPU_MAX_NAME_STRING_LENGTH 0x40
        layout(r535(), "GspStaticConfigInfo", 2168, "gidInfo", 24, 268, "gpcMask", 292, 4, "tpcInfo", 296, 256,
                "zcullInfo", 552, 256, "SKUInfo", 808, 32, "fbRegionInfoParams", 840, 776, "computeBranding", 1616, 4,
                "sriovCaps", 1624, 72, "sriovMaxGfid", 1696, 4, "engineCaps", 1700, 8, "SM_info", 1708, 36,
                "poisonFuseEnabled", 1744, 1, "fb_length", 1752, 8, "fbio_mask", 1760, 4, "fbp_mask", 1772, 4,
                "l2_cache_size", 1776, 4, "gpuNameString", 1820, 64, "gpuShortNameString", 1884, 64,
                "gpuNameString_Unicode", 1948, 128, "bar1PdeBase", 2088, 8, "bar2PdeBase", 2096, 8, "bVbiosValid",
                2104, 1, "vbiosSubVendor", 2108, 4, "displaylessMaxPixels", 2144, 8, "hInternalClient", 2152, 4,
                "hInternalSubdevice", 2160, 4, "bIsGpuUefi", 2166, 1);
    }

    @org.junit.jupiter.api.Test
    void r570StaticConfigInfoIsNvidias() {
        // r570_144 bindings.rs GspStaticConfigInfo_t, C layout: no gpc/tpc/zcull info, SKU_INFO 48
        // (skuConfigVersion), SRIOV_CAPS 80, engineCaps[3], fbio_mask and fbp_mask u64, no gfxpBuffer*
        layout(r570(), "GspStaticConfigInfo", 1656, "gidInfo", 24, 268, "SKUInfo", 292, 48, "fbRegionInfoParams", 344,
                776, "sriovCaps", 1120, 80, "engineCaps", 1204, 12, "fb_length", 1224, 8, "fbio_mask", 1232, 8,
                "fbp_mask", 1248, 8, "l2_cache_size", 1256, 4, "gpuNameString", 1260, 64, "bar1PdeBase", 1536, 8,
                "bVbiosValid", 1552, 1, "hInternalClient", 1600, 4, "fwWprLayoutOffset", 1640, 16);
    }

    @ParameterizedTest
    @MethodSource("releases")
    void staticInfoDeclaresWhatNovaInfoShows(GspAbi abi) {
        // nova.core reads the name and the framebuffer length; the simulated GSP fills them
        GspStruct s = abi.struct("GspStaticConfigInfo");
        assertEquals(64, s.field("gpuNameString").size());
        assertEquals(8, s.field("fb_length").size());
        byte[] b = new byte[s.size()];
        s.putString(b, 0, "gpuNameString", "NVIDIA AD102");
        s.put(b, 0, "fb_length", 24L << 30);
        assertEquals("NVIDIA AD102", s.getString(b, 0, "gpuNameString"));
        assertEquals(24L << 30, s.get(b, 0, "fb_length"));
    }

    @ParameterizedTest
    @MethodSource("releases")
    void statusAndVgpuNumbersAreNvidias(GspAbi abi) {
        // kernel-open/common/inc/nvstatuscodes.h (open-gpu-kernel-modules)
        assertEquals(0, abi.constant("NV_OK"));
        assertEquals(0x17, abi.constant("NV_ERR_IN_USE"));
        assertEquals(0x1a, abi.constant("NV_ERR_INSUFFICIENT_RESOURCES"));
        assertEquals(0x1f, abi.constant("NV_ERR_INVALID_ARGUMENT"));
        assertEquals(0x40, abi.constant("NV_ERR_INVALID_STATE"));
        assertEquals(0x56, abi.constant("NV_ERR_NOT_SUPPORTED"));
        // ctrl2080vgpumgrinternal.h, ctrla081.h (open-gpu-kernel-modules; FINN-evaluated command numbers)
        assertEquals(0x20804001, abi.constant("NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK"));
        assertEquals(0x20804002, abi.constant("NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK"));
        assertEquals(0x20804008, abi.constant("NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP"));
        assertEquals(0xa0810104, abi.constant("NVA081_CTRL_CMD_VGPU_CONFIG_GET_SUPPORTED_VGPU_TYPES"));
        // nv_vgpu_gsp.h GSP_PLUGIN_BOOTLOADED
        assertEquals(0x4E654A6F, abi.constant("NV_VGPU_PLUGIN_SUCCESS_MAGIC"));
    }

    @ParameterizedTest
    @MethodSource("releases")
    void vgpuControlLayoutsAreNvidias(GspAbi abi) {
        boolean r570 = abi.version().equals("570.144");
        assertEquals(0xa0810103, abi.constant("NVA081_CTRL_CMD_VGPU_CONFIG_GET_VGPU_TYPE_INFO"));
        assertEquals(0x57, abi.constant("NV_ERR_OBJECT_NOT_FOUND"));
        // ctrla081.h NVA081_CTRL_VGPU_INFO of 535.113.01 and 570.144 (open-gpu-kernel-modules; 570.144 adds the
        // placement fields after gpuInstanceProfileId, neither has 575.51.02's maxInstancePerGI); sizes and offsets
        // computed with gcc x86-64 from the headers
        GspStruct vi = abi.struct("NVA081_CTRL_VGPU_INFO");
        assertEquals(r570 ? 5224 : 4952, vi.size());
        assertEquals(0, vi.field("vgpuType").offset());
        assertEquals(4, vi.field("vgpuName").offset());
        assertEquals(36, vi.field("vgpuClass").offset());
        assertEquals(324, vi.field("maxInstance").offset());
        assertEquals(368, vi.field("vdevId").offset());
        assertEquals(392, vi.field("fbLength").offset());
        assertEquals(400, vi.field("gspHeapSize").offset());
        assertEquals(432, vi.field("bar1Length").offset());
        assertEquals(828, vi.field("vgpuExtraParams").offset());
        assertEquals(4948, vi.field("gpuInstanceProfileId").offset());
        assertTrue(!vi.has("maxInstancePerGI"));
        // NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS: u32 vgpuType, the info 8-aligned
        GspStruct ti = abi.struct("NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPE_INFO_PARAMS");
        assertEquals(vi.size() + 8, ti.size());
        assertEquals(8, ti.field("vgpuTypeInfo").offset());
        // NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS: no gpuInstanceId in either release
        GspStruct ty = abi.struct("NVA081_CTRL_VGPU_CONFIG_GET_VGPU_TYPES_PARAMS");
        assertEquals(264, ty.size());
        assertEquals(4, ty.field("numVgpuTypes").offset());
        assertEquals(4 * 0x40, ty.field("vgpuTypes").size());
        // ctrl2080vgpumgrinternal.h BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS: NV2080_GPU_MAX_ENGINES 0x3e in 535.113.01,
        // 0x54 in 570.144; NV2080_CTRL_MAX_VMMU_SEGMENTS 384; 535.113.01 has no kernel log nor MIG RM heap fields
        GspStruct b = abi.struct("NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS");
        assertEquals(r570 ? 6616 : 6496, b.size());
        assertEquals(0, b.field("dbdf").offset());
        assertEquals(4, b.field("gfid").offset());
        assertEquals(8, b.field("vgpuType").offset());
        assertEquals(20, b.field("numChannels").offset());
        assertEquals(28, b.field("chidOffset").offset());
        assertEquals(4 * (r570 ? 0x54 : 0x3e), b.field("chidOffset").size());
        assertEquals(r570 ? 368 : 280, b.field("numGuestFbSegments").offset());
        assertEquals(r570 ? 376 : 288, b.field("guestFbPhysAddrList").offset());
        assertEquals(r570 ? 3448 : 3360, b.field("guestFbLengthList").offset());
        assertEquals(r570 ? 6520 : 6432, b.field("pluginHeapMemoryPhysAddr").offset());
        assertEquals(r570 ? 6536 : 6448, b.field("ctrlBuffOffset").offset());
        assertEquals(r570 ? 6608 : 6488, b.field("bDeviceProfilingEnabled").offset());
        // SHUTDOWN / CLEANUP: NvU32 gfid
        assertEquals(4, abi.struct("NV2080_CTRL_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS").size());
        assertEquals(4, abi.struct("NV2080_CTRL_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP_PARAMS").size());
        assertEquals(r570, b.has("kernelLogBuffOffset"));
        assertEquals(r570, b.has("migRmHeapMemoryPhysAddr"));
    }

    @ParameterizedTest
    @MethodSource("releases")
    void vgpuPluginHeapIsNvidias(GspAbi abi) {
        // VGPU_CPU_GSP_CTRL_BUFF_REGION (the RFC's include/nvrm/vgpu.h, from nv_vgpu_gsp.h): a 4 KiB union;
        // three NvU32, then NvU64 at 8-byte alignment
        GspStruct c = abi.struct("VGPU_CPU_GSP_CTRL_BUFF_REGION");
        assertEquals(4096, c.size());
        assertEquals(0, c.field("version").offset());
        assertEquals(8, c.field("message_seq_num").offset());
        assertEquals(16, c.field("response_buff_offset").offset());
        assertEquals(24, c.field("message_buff_offset").offset());
        assertEquals(32, c.field("migration_buff_offset").offset());
        assertEquals(40, c.field("error_buff_offset").offset());
        assertEquals(1, abi.constant("VGPU_CPU_GSP_CTRL_BUFF_VERSION"));
        assertEquals(4096, abi.constant("VGPU_CPU_GSP_CTRL_BUFF_REGION_SIZE"));
        assertEquals(4096, abi.constant("VGPU_CPU_GSP_RESPONSE_BUFF_REGION_SIZE"));
        assertEquals(4096, abi.constant("VGPU_CPU_GSP_MESSAGE_BUFF_REGION_SIZE"));
        assertEquals(2 << 20, abi.constant("VGPU_CPU_GSP_MIGRATION_BUFF_REGION_SIZE"));
        assertEquals(4096, abi.constant("VGPU_CPU_GSP_ERROR_BUFF_REGION_SIZE"));
        assertEquals(128 << 10, abi.constant("VGPU_CPU_GSP_INIT_TASK_LOG_BUFF_REGION_SIZE"));
        assertEquals(256 << 10, abi.constant("VGPU_CPU_GSP_VGPU_TASK_LOG_BUFF_REGION_SIZE"));
        assertEquals(64 << 10, abi.constant("VGPU_CPU_GSP_KERNEL_TASK_LOG_BUFF_REGION_SIZE"));
    }
}
