package org.nova.gpu.internal.mm;

import org.nova.nvidia.Chipset;

/**
 * Every {@link SysmemSparseVmTest} on a simulated GH100: system memory pages (SYSTEM_COHERENT with
 * an UNCACHED PCF, NON_COHERENT cached) and sparse ranges (PCF SPARSE PTEs and directory entries,
 * PCF_BIG SPARSE dual PDEs) in MMU format version 3, against the same per-page model.
 */
class SysmemSparseVmV3Test extends SysmemSparseVmTest {
    @Override
    Chipset chip() {
        return Chipset.GH100;
    }
}
