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
}
