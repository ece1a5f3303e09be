package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One concern per class: a main-source file of a bundle longer than {@value #LIMIT} lines says at
 * its top, in the documentation of its type, why it is one class — a paragraph that starts with
 * {@value #MARKER}. Most large classes are better carved along the kernel's files; the few that are
 * one concept say so where the reader starts.
 */
class ClassSizeTest {
    /** Lines past which a class must give its reason. */
    static final int LIMIT = 500;
    /** The words that open the reason. */
    static final String MARKER = "Why one class:";
    /** The first type declaration of a file. */
    private static final Pattern TYPE = Pattern.compile("^(?:public |final |abstract |sealed |non-sealed )*"
            + "(?:class|interface|record|enum|@interface) ", Pattern.MULTILINE);

    /** @return whether the text before the file's first type declaration gives the reason */
    static boolean saysWhy(String source) {
        Matcher m = TYPE.matcher(source);
        String head = m.find() ? source.substring(0, m.start()) : source;
        return head.contains(MARKER);
    }

    @Test
    void everyLargeClassSaysWhyItIsOne() {
        List<String> silent = new ArrayList<>();
        for (String bundle : Workspace.bundleNames()) {
            Path main = Workspace.repo().resolve(bundle).resolve("src/main/java");
            if (!Files.isDirectory(main)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(main)) {
                for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    long lines = text.lines().count();
                    if (lines > LIMIT && !saysWhy(text)) {
                        silent.add(Workspace.repo().relativize(f) + " (" + lines + " lines)");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertTrue(silent.isEmpty(), "main classes over " + LIMIT + " lines without '" + MARKER
                + "' at their top (carve them, or say why they are one):\n  " + String.join("\n  ", silent));
    }

    @Test
    void theReasonCountsOnlyAtTheTop() {
        assertTrue(saysWhy("package a;\n/**\n * A thing.\n *\n * <p>" + MARKER + " it is one register file.\n */\npublic final class A {\n}\n"));
        assertEquals(false, saysWhy("package a;\n/** A thing. */\npublic final class A {\n    // " + MARKER + " too late\n}\n"));
    }
}
