package org.nova.nvidia.gen;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

/**
 * Build-time generator of the GSP firmware ABI bindings: reads every {@code *.abi} description
 * ({@link AbiDescription} has the format) in the directory given by {@code -Anova.abi.dir} and
 * writes
 * <ul>
 * <li>per release, package {@code org.nova.nvidia.gsp.<pkg>}: one class per structure and
 * {@code Abi} ({@link ReleaseWriter});
 * <li>once, package {@value NeutralWriter#PKG}: the release-neutral interfaces those classes
 * implement, generated from the union of the releases ({@link NeutralWriter});
 * <li>{@code org.nova.nvidia.gsp.GspAbiRegistry}, every release oldest first.
 * </ul>
 * Runs as an annotation processor in nvidia.spec's own compilation (see its pom).
 */
public final class AbiProcessor extends AbstractProcessor {
    private boolean done;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of("*");
    }

    @Override
    public Set<String> getSupportedOptions() {
        return Set.of("nova.abi.dir");
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
        if (done) {
            return false;
        }
        done = true;
        String dir = processingEnv.getOptions().get("nova.abi.dir");
        if (dir == null) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "-Anova.abi.dir is not set");
            return false;
        }
        try {
            for (var e : generate(Path.of(dir)).entrySet()) {
                try (Writer w = processingEnv.getFiler().createSourceFile(e.getKey()).openWriter()) {
                    w.write(e.getValue());
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, "GSP ABI generation: " + e.getMessage());
        }
        return false;
    }

    /**
     * @return every generated source by qualified name
     * @throws IllegalArgumentException if a description is malformed or the releases disagree on
     *     what kind a field is
     */
    static Map<String, String> generate(Path dir) throws IOException {
        List<AbiDescription> abis = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".abi")).sorted().toList()) {
                abis.add(AbiDescription.parse(p));
            }
        }
        abis.sort((p, q) -> AbiDescription.compareVersions(p.version, q.version));
        NeutralModel model = new NeutralModel(abis);
        Map<String, String> out = new LinkedHashMap<>(new NeutralWriter(model).sources());
        for (AbiDescription a : abis) {
            out.putAll(new ReleaseWriter(a, model).sources());
        }
        out.put("org.nova.nvidia.gsp.GspAbiRegistry", registry(abis));
        return out;
    }

    private static String registry(List<AbiDescription> abis) {
        return "package org.nova.nvidia.gsp;\n\n/** Every release with generated bindings, oldest first. */\n"
                + "final class GspAbiRegistry {\n    static final java.util.List<GspAbi> ALL = java.util.List.of("
                + String.join(", ", abis.stream().map(a -> a.javaPackage() + ".Abi.INSTANCE").toList())
                + ");\n\n    private GspAbiRegistry() {\n    }\n}\n";
    }
}
