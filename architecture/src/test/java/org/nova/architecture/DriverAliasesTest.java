package org.nova.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.nova.driver.Modalias;

/**
 * Each driver bundle's built manifest declares its PCI drivers' aliases ({@code @PciDriverAlias},
 * written by bnd as {@value Modalias#NAMESPACE} capabilities) exactly as
 * scripts/mod/file2alias.c would write them for the drivers' id tables. The strings below are
 * what modules.alias would carry for the same tables; the runtime compares each registered
 * driver's real table with its manifest as well (a WARN on drift).
 */
class DriverAliasesTest {
    /** The expected aliases per bundle: bus driver pattern, sorted. */
    private static final Map<String, List<String>> EXPECTED = Map.of(
            "samples", List.of(
                    "auxiliary rust_driver_auxiliary.aux_driver auxiliary:rust_driver_auxiliary.auxiliary",
                    "pci e1000e_msix_sample pci:v00008086d000010D3sv*sd*bc*sc*i*",
                    "pci edu_sample pci:v00001234d000011E8sv*sd*bc*sc*i*",
                    "pci rust_driver_auxiliary pci:v00001B36d00000005sv00001B36sd00000005bc*sc*i*",
                    "pci rust_driver_pci pci:v00001B36d00000005sv*sd*bc*sc*i*"),
            "nova.core", List.of(
                    "pci NovaCore pci:v000010DEd*sv*sd*bc03sc00i*",
                    "pci NovaCore pci:v000010DEd*sv*sd*bc03sc02i*"),
            "nova.drm", List.of(
                    "auxiliary Nova.nova-drm auxiliary:NovaCore.nova-drm"),
            "vgpu.vfio", List.of(
                    "pci nvidia-vgpu-vfio pci:v*d*sv*sd*bc03sc02i*"));

    @Test
    void driverBundlesDeclareTheirIdTablesAsAliases() {
        Map<String, List<String>> found = new TreeMap<>();
        for (Workspace.Bundle b : Workspace.bundles().values()) {
            List<String> aliases = Modalias.declared(b.header("Provide-Capability")).stream()
                    .map(d -> d.bus() + " " + d.driver() + " " + d.pattern()).sorted().toList();
            if (!aliases.isEmpty()) {
                found.put(b.name(), aliases);
            }
        }
        assertEquals(new TreeMap<>(EXPECTED), found);
    }
}
