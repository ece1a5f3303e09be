package org.nova.nvidia.gsp;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The firmware ABI of one GSP firmware release: RPC function and event numbers and the
 * message structures, generated at build time from the release's description
 * ({@code org/nova/nvidia/gsp/abi/*.abi}, facts from NVIDIA's open-gpu-kernel-modules headers of
 * that release). Drivers choose one with {@link #forVersion} from the firmware's
 * {@code .fwversion}; adding a release is adding a description.
 *
 * <p>To add a release: write {@code src/main/resources/org/nova/nvidia/gsp/abi/rNNN_x_y.abi}
 * (format: nvidia.spec/src/generator/.../AbiProcessor) with the facts from that release's
 * headers; the build generates {@code org.nova.nvidia.gsp.rNNN_x_y}; {@code AbiContractTest}
 * checks it declares everything the driver and the simulated GSP use.
 */
public interface GspAbi {
    /** @return the firmware version, e.g. {@code 535.113.01} */
    String version();

    /** @return the file name of the description (a resource in {@code org/nova/nvidia/gsp/abi/}) */
    String description();

    /** @return the SHA-256 (hex) of the description the bindings were generated from */
    String descriptionSha256();

    /** @return the Java package of the generated bindings */
    String bindingsPackage();

    /** @return function numbers by name ({@code NV_VGPU_MSG_FUNCTION_} stripped) */
    Map<String, Integer> functions();

    /** @return event numbers by name ({@code NV_VGPU_MSG_EVENT_} stripped) */
    Map<String, Integer> events();

    /** @return other named numbers of the release (e.g. the CPU sequencer's opcodes) */
    Map<String, Integer> constants();

    /**
     * @return the constant's value
     * @throws IllegalArgumentException if this release has no such constant
     */
    default int constant(String name) {
        Integer n = constants().get(name);
        if (n == null) {
            throw new IllegalArgumentException("firmware " + version() + " has no constant " + name);
        }
        return n;
    }

    /** @return functions the GSP does not answer (the driver does not wait) */
    List<String> noReply();

    /** @return the structures by C name */
    Map<String, GspStruct> structs();

    /**
     * @return the function's number
     * @throws IllegalArgumentException if this release has no such function
     */
    default int function(String name) {
        Integer n = functions().get(name);
        if (n == null) {
            throw new IllegalArgumentException("firmware " + version() + " has no RPC function " + name);
        }
        return n;
    }

    /**
     * @return the event's number
     * @throws IllegalArgumentException if this release has no such event
     */
    default int event(String name) {
        Integer n = events().get(name);
        if (n == null) {
            throw new IllegalArgumentException("firmware " + version() + " has no event " + name);
        }
        return n;
    }

    /**
     * @return the structure
     * @throws IllegalArgumentException if this release has no such structure
     */
    default GspStruct struct(String name) {
        GspStruct s = structs().get(name);
        if (s == null) {
            throw new IllegalArgumentException("firmware " + version() + " has no structure " + name);
        }
        return s;
    }

    /** @return whether the GSP answers {@code function} */
    default boolean expectsReply(int function) {
        return noReply().stream().noneMatch(n -> functions().get(n) == function);
    }

    /** @return the name of a function or event number, or its number in hex */
    default String nameOf(int number) {
        for (var e : functions().entrySet()) {
            if (e.getValue() == number) {
                return e.getKey();
            }
        }
        for (var e : events().entrySet()) {
            if (e.getValue() == number) {
                return e.getKey();
            }
        }
        return "0x" + Integer.toHexString(number);
    }

    /** @return every release with bindings, oldest first */
    static List<GspAbi> all() {
        return GspAbiRegistry.ALL;
    }

    /** @return the bindings for a firmware version, if there are any */
    static Optional<GspAbi> forVersion(String version) {
        return all().stream().filter(a -> a.version().equals(version)).findFirst();
    }
}
