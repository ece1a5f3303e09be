package org.nova.nvidia.gsp;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Asks a C compiler what NVIDIA's headers say: writes a C program that prints {@code sizeof} of
 * every structure, {@code offsetof} and size of every field, and the value of every number a
 * description names, compiles it with gcc against the headers kept for the release
 * ({@code src/test/resources/org/nova/nvidia/gsp/abi/headers/<package>}, see PROVENANCE there),
 * runs it and returns the answers. The program is generated from a {@link Query}, so a test can
 * hand it a deliberately wrong description and see the mismatch reported.
 *
 * <p>Owned by the test that creates it; it writes only into a temporary folder it deletes.
 * Errors: gcc missing, a compile failure (e.g. a described field the header lacks) or a crash of
 * the program are {@link AssertionError}s carrying gcc's own words.
 */
final class CLayoutProbe {
    /** NVIDIA's include roots (as its makefiles pass them), taken where a release keeps headers. */
    static final List<String> INCLUDE_ROOTS = List.of("src/common/sdk/nvidia/inc", "src/common/inc",
            "src/nvidia/inc/kernel", "src/nvidia/inc", "src/nvidia/interface", "src/nvidia/generated",
            "src/nvidia/kernel/inc", "src/nvidia/arch/nvalloc/common/inc", "kernel-open/common/inc");

    /** One number to evaluate: its name in the report and the C expression that computes it. */
    record Number(String kind, String name, String expression) {
    }

    /** One field to locate: the described name and the C member designator. */
    record Member(String name, String designator) {
    }

    /** What to ask the compiler: structures (C typedef name to members) and numbers. */
    record Query(Map<String, List<Member>> structs, List<Number> numbers) {
    }

    /** What the compiler answered. */
    record Answer(Map<String, Long> sizes, Map<String, long[]> fields, Map<String, Long> numbers) {
        /** @return offset and size of {@code struct.field} */
        long[] field(String struct, String field) {
            return fields.get(struct + "." + field);
        }
    }

    private final Path headers;

    /**
     * @param release the generated bindings' package name, e.g. {@code r535_113_01}
     */
    CLayoutProbe(String release) {
        this.headers = headersRoot().resolve(release);
        if (!Files.isRegularFile(headers.resolve("abi.h"))) {
            throw new AssertionError("no NVIDIA headers are kept for " + release + " (expected " + headers.resolve("abi.h")
                    + ")");
        }
    }

    static Path headersRoot() {
        try {
            return Path.of(CLayoutProbe.class.getResource("abi/headers").toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("test resource org/nova/nvidia/gsp/abi/headers is missing", e);
        }
    }

    /** @return gcc's answers to {@code q} */
    Answer ask(Query q) {
        StringBuilder c = new StringBuilder();
        c.append("#include <stddef.h>\n#include <stdio.h>\n#include \"abi.h\"\n\n");
        c.append("#define NOVA_SIZE(T, m) sizeof(((T *)0)->m)\n\nint main(void)\n{\n");
        q.structs().forEach((s, members) -> {
            c.append("    printf(\"S %s %llu\\n\", \"").append(s).append("\", (unsigned long long)sizeof(").append(s)
                    .append("));\n");
            for (Member m : members) {
                c.append("    printf(\"F %s.%s %llu %llu\\n\", \"").append(s).append("\", \"").append(m.name())
                        .append("\", (unsigned long long)offsetof(").append(s).append(", ").append(m.designator())
                        .append("), (unsigned long long)NOVA_SIZE(").append(s).append(", ").append(m.designator())
                        .append("));\n");
            }
        });
        for (Number n : q.numbers()) {
            c.append("    printf(\"N %s %llu\\n\", \"").append(n.kind()).append(':').append(n.name())
                    .append("\", (unsigned long long)(").append(n.expression()).append("));\n");
        }
        c.append("    return 0;\n}\n");
        return run(c.toString());
    }

    private Answer run(String program) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("nova-abi-");
            Path src = dir.resolve("probe.c");
            Path exe = dir.resolve("probe");
            Files.writeString(src, program);
            List<String> cmd = new ArrayList<>(List.of(gcc(), "-std=gnu11", "-m64", "-Wall", "-o", exe.toString()));
            for (Path root : List.of(headers, headersRoot().resolve("shared"))) {
                for (String inc : INCLUDE_ROOTS) {
                    if (Files.isDirectory(root.resolve(inc))) {
                        cmd.add("-I" + root.resolve(inc));
                    }
                }
            }
            cmd.add("-I" + headers);
            cmd.add(src.toString());
            Result cc = exec(cmd);
            if (cc.code != 0) {
                throw new AssertionError(headers.getFileName() + ": gcc rejects the description against NVIDIA's headers:\n"
                        + cc.output);
            }
            Result out = exec(List.of(exe.toString()));
            if (out.code != 0) {
                throw new AssertionError(headers.getFileName() + ": the layout probe exited with " + out.code);
            }
            Map<String, Long> sizes = new LinkedHashMap<>();
            Map<String, long[]> fields = new LinkedHashMap<>();
            Map<String, Long> numbers = new LinkedHashMap<>();
            for (String line : out.output.split("\n")) {
                String[] t = line.split(" ");
                switch (t[0]) {
                    case "S" -> sizes.put(t[1], Long.parseUnsignedLong(t[2]));
                    case "F" -> fields.put(t[1], new long[] {Long.parseUnsignedLong(t[2]), Long.parseUnsignedLong(t[3])});
                    case "N" -> numbers.put(t[1], Long.parseUnsignedLong(t[2]));
                    default -> {
                    }
                }
            }
            return new Answer(sizes, fields, numbers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            delete(dir);
        }
    }

    /** @return the gcc executable; fails (never skips) when there is none */
    static String gcc() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String d : path.split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "gcc"))) {
                return Path.of(d, "gcc").toString();
            }
        }
        throw new AssertionError("gcc is not installed: the ABI contract test compiles NVIDIA's headers with it "
                + "(Debian: apt-get install gcc)");
    }

    private record Result(int code, String output) {
    }

    private static Result exec(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd.getFirst() + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
