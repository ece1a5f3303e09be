package org.nova.nvidia.gsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every release's generated bindings declare what nova.core and the simulated GSP use, with a
 * consistent layout, and every structure, field and number a description names is what a C
 * compiler reads in NVIDIA's headers of that exact release (kept in
 * {@code src/test/resources/org/nova/nvidia/gsp/abi/headers}, see PROVENANCE there). A new
 * description must pass this before any driver sees it; a new release brings its headers.
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
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
            assertEquals(sha, abi.descriptionSha256(), "the bindings of " + abi.version() + " are stale: "
                    + abi.description() + " changed after they were generated; rebuild nvidia.spec from clean");
        }
    }

    @Test
    void releasesAreOrderedOldestFirst() {
        assertEquals(List.of("535.113.01", "570.144"), GspAbi.all().stream().map(GspAbi::version).toList());
    }

    // ---- every number and layout a description names, as gcc reads NVIDIA's headers of the release ----

    /**
     * What the descriptions name that no header NVIDIA has published states: the vGPU host driver's
     * nv_vgpu_gsp.h (control-buffer region, plugin heap region sizes, the boot magic) is not part of
     * open-gpu-kernel-modules. The C check leaves these out by name and says so in its output;
     * {@link #vgpuPluginHeapIsNvidias} holds them to the RFC's include/nvrm/vgpu.h instead.
     */
    static final Map<String, String> UNPUBLISHED = unpublished();

    private static Map<String, String> unpublished() {
        String why = "nv_vgpu_gsp.h of NVIDIA's vGPU host driver, not published in open-gpu-kernel-modules";
        Map<String, String> m = new LinkedHashMap<>();
        m.put("struct VGPU_CPU_GSP_CTRL_BUFF_REGION", why);
        m.put("constant NV_VGPU_PLUGIN_SUCCESS_MAGIC", why + " (GSP_PLUGIN_BOOTLOADED)");
        for (String region : List.of("CTRL", "RESPONSE", "MESSAGE", "MIGRATION", "ERROR", "INIT_TASK_LOG",
                "VGPU_TASK_LOG", "KERNEL_TASK_LOG")) {
            m.put("constant VGPU_CPU_GSP_" + region + "_BUFF_REGION_SIZE", why);
        }
        m.put("constant VGPU_CPU_GSP_CTRL_BUFF_VERSION", why);
        return Map.copyOf(m);
    }

    /**
     * Numbers a description names that the headers state as a layout, not as a macro: the C
     * expression that computes them (rmgspseq.h payload structures, g_rpc-structures.h).
     */
    static final Map<String, String> C_EXPRESSIONS = Map.of(
            "GSP_SEQ_BUF_ARGS_REG_WRITE", "sizeof(GSP_SEQ_BUF_PAYLOAD_REG_WRITE) / sizeof(NvU32)",
            "GSP_SEQ_BUF_ARGS_REG_MODIFY", "sizeof(GSP_SEQ_BUF_PAYLOAD_REG_MODIFY) / sizeof(NvU32)",
            "GSP_SEQ_BUF_ARGS_REG_POLL", "sizeof(GSP_SEQ_BUF_PAYLOAD_REG_POLL) / sizeof(NvU32)",
            "GSP_SEQ_BUF_ARGS_DELAY_US", "sizeof(GSP_SEQ_BUF_PAYLOAD_DELAY_US) / sizeof(NvU32)",
            "GSP_SEQ_BUF_ARGS_REG_STORE", "sizeof(GSP_SEQ_BUF_PAYLOAD_REG_STORE) / sizeof(NvU32)",
            "GSP_SEQUENCER_REG_SAVE_AREA_WORDS",
            "sizeof(((rpc_run_cpu_sequencer_v17_00 *)0)->regSaveArea) / sizeof(NvU32)");

    /**
     * Fields a description names after the member they stand for, inside a nested structure: the
     * C member designator.
     */
    static final Map<String, String> C_DESIGNATORS = Map.of("GspStaticConfigInfo.gpcMask", "gpcInfo.gpcMask");

    /** @return why {@code kind name} of {@code abi} is left out of the C check, or null when it is compiled */
    static String leftOut(GspAbi abi, String kind, String name) {
        String why = UNPUBLISHED.get(kind + " " + name);
        return why != null ? why : notYet(abi.version(), kind, name);
    }

    /** @return the C query for a description: everything it names but what {@link #leftOut} names */
    static CLayoutProbe.Query query(GspAbi abi) {
        Map<String, List<CLayoutProbe.Member>> structs = new LinkedHashMap<>();
        abi.structs().forEach((name, s) -> {
            if (leftOut(abi, "struct", name) == null) {
                structs.put(name, s.fields().stream().map(f -> new CLayoutProbe.Member(f.name(),
                        C_DESIGNATORS.getOrDefault(name + "." + f.name(), f.name()))).toList());
            }
        });
        List<CLayoutProbe.Number> numbers = new ArrayList<>();
        abi.functions().keySet().stream().filter(n -> leftOut(abi, "function", n) == null).forEach(n -> numbers
                .add(new CLayoutProbe.Number("function", n, "NV_VGPU_MSG_FUNCTION_" + n)));
        abi.events().keySet().stream().filter(n -> leftOut(abi, "event", n) == null).forEach(n -> numbers
                .add(new CLayoutProbe.Number("event", n, "NV_VGPU_MSG_EVENT_" + n)));
        abi.constants().keySet().stream().filter(n -> leftOut(abi, "constant", n) == null).forEach(n -> numbers
                .add(new CLayoutProbe.Number("constant", n, C_EXPRESSIONS.getOrDefault(n, n))));
        return new CLayoutProbe.Query(structs, numbers);
    }

    /** @return what {@link #query} leaves out of {@code abi}, one line each with the reason */
    static List<String> leftOut(GspAbi abi) {
        List<String> out = new ArrayList<>();
        abi.structs().keySet().forEach(n -> note(out, abi, "struct", n));
        abi.functions().keySet().forEach(n -> note(out, abi, "function", n));
        abi.events().keySet().forEach(n -> note(out, abi, "event", n));
        abi.constants().keySet().forEach(n -> note(out, abi, "constant", n));
        return out;
    }

    private static void note(List<String> out, GspAbi abi, String kind, String name) {
        String why = leftOut(abi, kind, name);
        if (why != null) {
            out.add(abi.version() + " " + kind + " " + name + " not compiled: " + why);
        }
    }

    /** @return every difference between a description and gcc's answer, one line each */
    static List<String> mismatches(GspAbi abi, CLayoutProbe.Answer c) {
        List<String> out = new ArrayList<>();
        String r = abi.version();
        abi.structs().forEach((name, s) -> {
            if (leftOut(abi, "struct", name) != null) {
                return;
            }
            long size = c.sizes().get(name);
            if (size != s.size()) {
                out.add(r + " " + name + ": sizeof is " + size + " in C, described " + s.size());
            }
            for (GspStruct.Field f : s.fields()) {
                long[] at = c.field(name, f.name());
                if (at[0] != f.offset()) {
                    out.add(r + " " + name + "." + f.name() + ": offset " + at[0] + " in C, described " + f.offset());
                }
                if (at[1] != f.size()) {
                    out.add(r + " " + name + "." + f.name() + ": size " + at[1] + " in C, described " + f.size() + " ("
                            + f.type() + ")");
                }
            }
        });
        compare(out, abi, "function", abi.functions(), c);
        compare(out, abi, "event", abi.events(), c);
        compare(out, abi, "constant", abi.constants(), c);
        return out;
    }

    private static void compare(List<String> out, GspAbi abi, String kind, Map<String, Integer> described,
            CLayoutProbe.Answer c) {
        described.forEach((n, v) -> {
            if (leftOut(abi, kind, n) != null) {
                return;
            }
            long inC = c.numbers().get(kind + ":" + n);
            if (inC != Integer.toUnsignedLong(v)) {
                out.add(abi.version() + " " + kind + " " + n + ": 0x" + Long.toHexString(inC) + " in C, described 0x"
                        + Integer.toHexString(v));
            }
        });
    }

    @ParameterizedTest
    @MethodSource("releases")
    void descriptionIsTheReleasesHeadersAsGccReadsThem(GspAbi abi) {
        String pkg = abi.bindingsPackage().substring(abi.bindingsPackage().lastIndexOf('.') + 1);
        CLayoutProbe.Answer c = new CLayoutProbe(pkg).ask(query(abi));
        leftOut(abi).forEach(line -> System.out.println("AbiContractTest: " + line));
        List<String> wrong = mismatches(abi, c);
        assertTrue(wrong.isEmpty(), "the description of " + abi.version() + " is not that release's layout:\n"
                + String.join("\n", wrong));
    }

    @Test
    void aWrongOffsetOrNumberIsReported() {
        // the probe and the comparison must see a wrong description: shift one field, change one number
        GspAbi real = r535();
        GspStruct rc = real.struct("rpc_gsp_rm_control_v03_00");
        GspStruct shifted = new GspStruct() {
            @Override
            public String name() {
                return rc.name();
            }

            @Override
            public int size() {
                return rc.size();
            }

            @Override
            public List<Field> fields() {
                return rc.fields().stream().map(f -> f.name().equals("flags")
                        ? new Field(f.name(), f.type(), f.offset() - 4, f.size()) : f).toList();
            }
        };
        GspAbi wrong = new DelegatingAbi(real) {
            @Override
            public Map<String, GspStruct> structs() {
                Map<String, GspStruct> m = new LinkedHashMap<>(real.structs());
                m.put(rc.name(), shifted);
                return m;
            }

            @Override
            public Map<String, Integer> constants() {
                Map<String, Integer> m = new LinkedHashMap<>(real.constants());
                m.put("NV_ERR_IN_USE", 0x24);
                return m;
            }
        };
        List<String> found = mismatches(wrong, new CLayoutProbe("r535_113_01").ask(query(wrong)));
        assertEquals(List.of("535.113.01 rpc_gsp_rm_control_v03_00.flags: offset 20 in C, described 16",
                "535.113.01 constant NV_ERR_IN_USE: 0x17 in C, described 0x24"), found);
    }

    @Test
    void aFieldTheHeaderLacksIsReportedByGcc() {
        GspAbi real = r535();
        CLayoutProbe.Query q = new CLayoutProbe.Query(Map.of("NV2080_CTRL_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS",
                List.of(new CLayoutProbe.Member("kernelLogBuffOffset", "kernelLogBuffOffset"))), List.of());
        AssertionError e = assertThrows(AssertionError.class, () -> new CLayoutProbe("r535_113_01").ask(q));
        assertTrue(e.getMessage().contains("kernelLogBuffOffset"), e.getMessage());
        assertEquals("535.113.01", real.version());
    }

    @ParameterizedTest
    @MethodSource("releases")
    void everyUnpublishedFactIsNamedByADescription(GspAbi abi) {
        // the list of exclusions cannot outlive what it excludes
        for (String what : UNPUBLISHED.keySet()) {
            String[] kn = what.split(" ");
            boolean named = kn[0].equals("struct") ? abi.structs().containsKey(kn[1]) : abi.constants().containsKey(kn[1]);
            assertTrue(named, abi.version() + " does not name " + what + ": drop it from UNPUBLISHED");
        }
        assertTrue(C_EXPRESSIONS.keySet().stream().allMatch(abi.constants()::containsKey));
    }

    @Test
    void everyDesignatorNamesADescribedField() {
        for (String d : C_DESIGNATORS.keySet()) {
            String[] sf = d.split("\\.");
            assertTrue(GspAbi.all().stream().anyMatch(a -> a.structs().containsKey(sf[0]) && a.struct(sf[0]).has(sf[1])),
                    d + " is described by no release: drop it from C_DESIGNATORS");
        }
    }

    /** A release's bindings with some answers replaced, for the tests that feed the probe wrong facts. */
    abstract static class DelegatingAbi implements GspAbi {
        private final GspAbi real;

        DelegatingAbi(GspAbi real) {
            this.real = real;
        }

        @Override
        public String version() {
            return real.version();
        }

        @Override
        public String description() {
            return real.description();
        }

        @Override
        public String descriptionSha256() {
            return real.descriptionSha256();
        }

        @Override
        public String bindingsPackage() {
            return real.bindingsPackage();
        }

        @Override
        public Map<String, Integer> functions() {
            return real.functions();
        }

        @Override
        public Map<String, Integer> events() {
            return real.events();
        }

        @Override
        public Map<String, Integer> constants() {
            return real.constants();
        }

        @Override
        public List<String> noReply() {
            return real.noReply();
        }

        @Override
        public Map<String, GspStruct> structs() {
            return real.structs();
        }
    }

    static GspAbi r535() {
        return GspAbi.forVersion("535.113.01").orElseThrow();
    }

    // ---- what no kept header states yet: the earlier checks against excerpts, until the headers are kept ----

    /** Why the power-state levels of UNLOADING_GUEST_DRIVER are held to excerpts ({@link #powerStateLevelsAreNvidias}). */
    private static final String POWER_STATE_NOT_KEPT = "ctrl2080gpu.h is not kept yet";

    /**
     * Why the FB region table of GetGspStaticInfo is held to excerpts ({@link #fbRegionInfoIsNvidias}):
     * ctrl2080fb.h is stored for neither release (only 560.28.03's, 448d5cc6).
     */
    private static final String FB_REGION_NOT_KEPT = "ctrl2080fb.h of the release is not kept yet";

    /**
     * What a description names whose header of the exact release is not kept here yet (PROVENANCE
     * says why for each): left out of the C check by name, reported in its output, and held by the
     * checks below to the excerpts they were written from.
     */
    static final Map<String, Map<String, String>> NOT_YET_FROM_HEADERS = Map.of(
            "535.113.01", notYet535(),
            "570.144", notYet570());

    /**
     * Why the channel structures are held to excerpts ({@link #channelLayoutsAreNvidias}): the
     * headers they come from (alloc_channel.h, nvos.h, ctrl90f1.h, ctrla06fgpfifo.h, ctrlc36f.h,
     * clb0b5sw.h, cl2080_notification.h and g_rpc-structures.h's alloc, free and RC structures) are
     * not kept for either release yet; nouveau's excerpts of them (include/nvrm/535.113.01 and
     * nvkm/subdev/gsp/rm/r570/nvrm) were read instead.
     */
    private static final String CHANNELS_NOT_KEPT = "the channel headers of the release are not kept yet "
            + "(nouveau's excerpts were read)";

    private static void channelsNotYet(Map<String, String> m) {
        for (String s : List.of("struct rpc_gsp_rm_alloc_v03_00", "struct rpc_free_v03_00",
                "struct rpc_rc_triggered_v17_02", "struct NV_MEMORY_DESC_PARAMS", "struct NV_CHANNEL_ALLOC_PARAMS",
                "struct NV_VASPACE_*", "struct NV90F1_*", "struct NVB0B5_*", "struct NVA06F_*", "struct NVC36F_*",
                "constant NV_MEMORY_DESC_*", "constant NV_VASPACE_*", "constant NV90F1_*", "constant GMMU_FMT_MAX_LEVELS",
                "constant NVB0B5_*", "constant NV2080_ENGINE_TYPE_*", "constant NVA06F_*", "constant NVC36F_*")) {
            m.put(s, CHANNELS_NOT_KEPT);
        }
    }

    private static Map<String, String> notYet535() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("struct GspSystemInfo", "gsp_static_config.h's include closure is not kept yet");
        m.put("struct GspStaticConfigInfo", "gsp_static_config.h's include closure is not kept yet");
        m.put("constant NV2080_CTRL_GPU_SET_POWER_STATE_*", POWER_STATE_NOT_KEPT);
        m.put("struct NV2080_CTRL_CMD_FB_GET_FB_REGION_*", FB_REGION_NOT_KEPT);
        m.put("constant NV2080_CTRL_CMD_FB_GET_FB_REGION_*", FB_REGION_NOT_KEPT);
        channelsNotYet(m);
        return Map.copyOf(m);
    }

    private static Map<String, String> notYet570() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("struct GspSystemInfo", "gsp_static_config.h's include closure is not kept yet");
        m.put("struct GspStaticConfigInfo", "gsp_static_config.h's include closure is not kept yet");
        m.put("function *", "no stored rpc_global_enums.h is identified as 570.144's");
        m.put("event *", "no stored rpc_global_enums.h is identified as 570.144's");
        m.put("constant GSP_SEQ_BUF_*", "no stored rmgspseq.h is identified as 570.144's");
        m.put("constant NV2080_CTRL_GPU_SET_POWER_STATE_*", POWER_STATE_NOT_KEPT);
        m.put("struct NV2080_CTRL_CMD_FB_GET_FB_REGION_*", FB_REGION_NOT_KEPT);
        m.put("constant NV2080_CTRL_CMD_FB_GET_FB_REGION_*", FB_REGION_NOT_KEPT);
        channelsNotYet(m);
        return Map.copyOf(m);
    }

    /** @return whether {@code kind name} of {@code release} is left out of the C check, and why (or null) */
    static String notYet(String release, String kind, String name) {
        for (var e : NOT_YET_FROM_HEADERS.getOrDefault(release, Map.of()).entrySet()) {
            String[] kn = e.getKey().split(" ");
            boolean match = kn[1].endsWith("*") ? name.startsWith(kn[1].substring(0, kn[1].length() - 1))
                    : name.equals(kn[1]);
            if (kn[0].equals(kind) && match) {
                return e.getValue();
            }
        }
        return null;
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

    @Test
    void channelLayoutsAreNvidias() {
        // CHANNELS_NOT_KEPT: held to nouveau's excerpts of the release's headers (include/nvrm/535.113.01/...
        // alloc_channel.h, ctrl90f1.h, ctrla06fgpfifo.h, nvrm/vmm.h; nvkm/subdev/gsp/rm/r570/nvrm/fifo.h) and to
        // ctrlc36f.h / clb0b5sw.h / cl2080_notification.h of open-gpu-kernel-modules
        for (GspAbi abi : List.of(r535(), r570())) {
            layout(abi, "rpc_gsp_rm_alloc_v03_00", 32, "hClient", 0, 4, "hClass", 12, 4, "status", 16, 4,
                    "paramsSize", 20, 4);
            layout(abi, "rpc_free_v03_00", 16, "hRoot", 0, 4, "hObjectParent", 4, 4, "hObjectOld", 8, 4);
            layout(abi, "NV_MEMORY_DESC_PARAMS", 24, "base", 0, 8, "size", 8, 8, "addressSpace", 16, 4);
            layout(abi, "NV_CHANNEL_ALLOC_PARAMS", abi == r535() ? 360 : 368, "gpFifoOffset", 8, 8,
                    "gpFifoEntries", 16, 4, "hVASpace", 28, 4, "userdOffset", 64, 64, "engineType", 128, 4,
                    "instanceMem", 144, 24, "userdMem", 168, 24, "ramfcMem", 192, 24, "mthdbufMem", 216, 24,
                    "internalFlags", 244, 4, "errorNotifierMem", 248, 24, "hmacNonce", 328, 32);
            layout(abi, "NV_VASPACE_ALLOCATION_PARAMETERS", 48, "index", 0, 4, "vaSize", 8, 8, "bigPageSize", 32, 4,
                    "vaBase", 40, 8);
            layout(abi, "NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS", 184, "pageSize", 8, 8,
                    "numLevelsToCopy", 32, 4, "levels", 40, 144);
            layout(abi, "NVB0B5_ALLOCATION_PARAMETERS", 8, "version", 0, 4, "engineType", 4, 4);
            layout(abi, "NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS", 2, "bEnable", 0, 1, "bSkipSubmit", 1, 1);
            layout(abi, "NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN_PARAMS", 4, "workSubmitToken", 0, 4);
            assertEquals(0xa06f0103, abi.constant("NVA06F_CTRL_CMD_GPFIFO_SCHEDULE"));
            assertEquals(0xa06f0104, abi.constant("NVA06F_CTRL_CMD_BIND"));
            assertEquals(0xc36f0108, abi.constant("NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN"));
            assertEquals(0x90f10106, abi.constant("NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES"));
            assertEquals(9, abi.constant("NV2080_ENGINE_TYPE_COPY0"));
            assertEquals(6, abi.constant("GMMU_FMT_MAX_LEVELS"));
            assertEquals(10, abi.function("FREE"));
        }
        layout(r535(), "rpc_rc_triggered_v17_02", 20, "chid", 4, 4, "exceptType", 8, 4, "scope", 12, 4,
                "partitionAttributionId", 16, 2);
        layout(r570(), "rpc_rc_triggered_v17_02", 48, "chid", 4, 4, "exceptType", 16, 4, "scope", 20, 4,
                "partitionAttributionId", 24, 2, "mmuFaultAddrLo", 28, 4, "rcJournalBufferSize", 44, 4);
        layout(r570(), "NV_CHANNEL_ALLOC_PARAMS", 368, "tpcConfigID", 360, 4);
    }

    @Test
    void functionAndEventNumbersAreNvidias() {
        // 570.144 only (535.113.01's are compiled): rpc_global_enums.h of 570.144 is not kept (PROVENANCE), so
        // NV_VGPU_MSG_FUNCTION_* / NV_VGPU_MSG_EVENT_* are held to Linux drivers/gpu/nova-core/gsp/fw/r570_144/bindings.rs
        for (GspAbi abi : List.of(r570())) {
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

    @Test
    void powerStateLevelsAreNvidias() {
        // ctrl2080gpu.h is not kept (PROVENANCE): NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0/3/7 are held to
        // open-gpu-kernel-modules' ctrl2080gpu.h (#define ..._LEVEL_3 (0x00000003U)) and nova-core's
        // fw/commands.rs PowerStateLevel, which takes Level0/Level3/Level7 from the r570_144 bindings
        for (GspAbi abi : List.of(r535(), r570())) {
            assertEquals(0, abi.constant("NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0"));
            assertEquals(3, abi.constant("NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3"));
            assertEquals(7, abi.constant("NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7"));
        }
    }

    @Test
    void sequencerOpcodesAreNvidias() {
        // 570.144 only (535.113.01's are compiled): rmgspseq.h of 570.144 is not kept (PROVENANCE), so
        // GSP_SEQ_BUF_OPCODE_* and GSP_SEQ_BUF_PAYLOAD_* are held to nova-core's r570_144/bindings.rs
        for (GspAbi abi : List.of(r570())) {
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

    @Test
    void r535SystemInfoIsNvidias() {
        // 535.113.01 gsp_static_config.h GspSystemInfo, C layout: BUSINFO 10 bytes (align 2), ACPI_METHOD_DATA 484
        // (gpu_acpi_data.h: 2-table MUX_METHOD_DATA), GSP_VF_INFO 40 (align 8)
        layout(r535(), "GspSystemInfo", 664, "gpuPhysAddr", 0, 8, "nvDomainBusDeviceFunc", 24, 8, "maxUserVa", 56, 8,
                "pciConfigMirrorBase", 64, 4, "oorArch", 72, 1, "clPdbProperties", 80, 8, "Chipset", 88, 4,
                "upstreamAddressValid", 98, 1, "FHBBusInfo", 100, 10, "acpiMethodData", 120, 484, "hypervisorType",
                604, 4, "bIsPassthru", 608, 1, "sysTimerOffsetNs", 616, 8, "gspVFInfo", 624, 40);
        assertTrue(!r535().struct("GspSystemInfo").has("hostPageSize"));
    }

    @Test
    void r570SystemInfoIsNvidias() {
        // r570_144 bindings.rs GspSystemInfo, offsets confirmed by its explicit __bindgen_padding_N fields
        layout(r570(), "GspSystemInfo", 928, "gpuPhysIoAddr", 24, 8, "nvDomainBusDeviceFunc", 32, 8, "maxUserVa",
                72, 8, "PCIDeviceID", 88, 4, "oorArch", 104, 1, "clPdbProperties", 112, 8, "Chipset", 120, 4,
                "chipsetL1ssEnable", 128, 4, "FHBBusInfo", 138, 10, "acpiMethodData", 160, 676, "bIsPassthru", 840, 1,
                "sysTimerOffsetNs", 848, 8, "gspVFInfo", 856, 40, "pcieConfigReg", 900, 4, "hostPageSize", 920, 8);
    }

    @Test
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

    @Test
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
    void fbRegionInfoIsNvidias(GspAbi abi) {
        // ctrl2080fb.h is not kept (PROVENANCE): NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS and its region are
        // held to nova-core's r570_144 bindings.rs (numFBRegions, __bindgen_padding_0 [u8; 4], fbRegion [_; 16];
        // base, limit, reserved u64, performance u32, three u8 flags, blackList [u8; 17]) and, for 535.113.01, to
        // nouveau's excerpt of its headers; the same 776 bytes GspStaticConfigInfo.fbRegionInfoParams spans
        layout(abi, "NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS", 776, "numFBRegions", 0, 4, "fbRegion", 8, 768);
        layout(abi, "NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO", 48, "base", 0, 8, "limit", 8, 8, "reserved",
                16, 8, "performance", 24, 4, "supportCompressed", 28, 1, "supportISO", 29, 1, "bProtected", 30, 1,
                "blackList", 31, 17);
        assertEquals(16, abi.constant("NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES"));
        assertEquals(abi.struct("GspStaticConfigInfo").field("fbRegionInfoParams").size(),
                abi.struct("NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS").size());
        assertEquals(16 * 48, abi.struct("NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS").field("fbRegion").size());
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
