package org.nova.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's index: manifests only, non-bundles skipped, every match in file-name order. */
class DriverRepositoryTest {
    @TempDir
    Path dir;

    private Path jar(Path in, String file, String bsn, String... aliases) throws IOException {
        return TestJars.write(in, file, bsn, List.of(aliases));
    }

    @Test
    void lookupFindsEveryMatchingBundleInFileNameOrder() throws IOException {
        jar(dir, "b-edu.jar", "edu", "pci:v00001234d000011E8sv*sd*bc*sc*i*");
        jar(dir, "a-vga.jar", "vga", "pci:v*d*sv*sd*bc03sc00i*", "pci:v*d*sv*sd*bc03sc02i*");
        jar(dir, "c-nvidia.jar", "nvidia", "pci:v000010DEd*sv*sd*bc*sc*i*");
        jar(dir, "d-other.jar", "other", "pci:v00008086d*sv*sd*bc*sc*i*");
        DriverRepository r = new DriverRepository(dir);
        String gpu = "pci:v000010DEd00002236sv000010DEsd00001482bc03sc02i00";
        List<DriverRepository.Match> m = r.lookup(gpu);
        assertEquals(List.of("vga", "nvidia"), m.stream().map(x -> x.candidate().symbolicName()).toList());
        assertEquals("pci:v*d*sv*sd*bc03sc02i*", m.get(0).alias().pattern());
        assertEquals("1.2.3", m.get(0).candidate().version());
        assertEquals(List.of("edu"), r.lookup("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00").stream()
                .map(x -> x.candidate().symbolicName()).toList());
        assertTrue(r.lookup("pci:v0000ABCDd00000001sv00000000sd00000000bc00sc00i00").isEmpty());
    }

    @Test
    void aJarThatIsNotABundleIsSkipped() throws IOException {
        jar(dir, "plain.jar", null);
        Files.writeString(dir.resolve("garbage.jar"), "not a zip");
        jar(dir, "edu.jar", "edu", "pci:v00001234d*sv*sd*bc*sc*i*");
        DriverRepository r = new DriverRepository(dir);
        assertEquals(List.of("edu"), r.refresh().stream().map(DriverRepository.Candidate::symbolicName).toList());
    }

    @Test
    void theIndexFollowsTheFolder() throws IOException {
        DriverRepository r = new DriverRepository(dir);
        String edu = "pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00";
        assertTrue(r.lookup(edu).isEmpty());
        Path p = jar(dir, "edu.jar", "edu", "pci:v00001234d*sv*sd*bc*sc*i*");
        assertEquals(1, r.lookup(edu).size());
        // replaced by a jar that no longer matches (another size and time)
        jar(dir, "edu.jar", "edu", "pci:v00005678d*sv*sd*bc*sc*i*", "pci:v00005679d*sv*sd*bc*sc*i*");
        Files.setLastModifiedTime(p, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() + 2000));
        assertTrue(r.lookup(edu).isEmpty());
        Files.delete(p);
        assertTrue(r.refresh().isEmpty());
    }

    @Test
    void aMissingFolderFindsNothingAndIsIndexedOnceItExists() throws IOException {
        Path missing = dir.resolve("drivers");
        DriverRepository r = new DriverRepository(missing);
        assertTrue(r.refresh().isEmpty());
        assertTrue(r.lookup("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00").isEmpty());
        Files.createDirectory(missing);
        jar(missing, "edu.jar", "edu", "pci:v00001234d*sv*sd*bc*sc*i*");
        assertEquals(1, r.lookup("pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00").size());
    }
}
