package org.nova.gpu.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.nova.hw.sim.gpu.SimLibosLog;
import org.nova.nvidia.gsp.LibosLog;

/**
 * The simulated firmware's logging section as a {@link LibosLogDecoder.Metadata} (the table a real
 * decoder would read from the firmware's logging ELF), and the GSP log buffers of a bound GPU
 * decoded with it.
 */
final class SimLogs {
    /** Metadata address to statement, from the simulated GSP-RM's formats. */
    static final LibosLogDecoder.Metadata METADATA = metadata();

    private SimLogs() {
    }

    private static LibosLogDecoder.Metadata metadata() {
        Map<Long, LibosLogDecoder.Statement> m = Arrays.stream(SimLibosLog.Format.values()).collect(Collectors.toMap(
                SimLibosLog.Format::metadataAddress, f -> new LibosLogDecoder.Statement(f.format(), f.argumentCount())));
        return address -> Optional.ofNullable(m.get(address));
    }

    /** @return the buffer decoded with the simulated firmware's metadata (empty once released) */
    static LibosLogDecoder.Decoded decode(Gpu g, String buffer) {
        return LibosLogDecoder.decode(buffer, g.gspLogBytes(buffer).orElse(new byte[0]), METADATA);
    }

    /** @return the records' text of the three buffers, LOGINIT first; empty once released */
    static String text(Gpu g) {
        StringBuilder sb = new StringBuilder();
        for (String b : LibosLog.BUFFERS) {
            decode(g, b).records().forEach(r -> sb.append(r.text()).append('\n'));
        }
        return sb.toString();
    }
}
