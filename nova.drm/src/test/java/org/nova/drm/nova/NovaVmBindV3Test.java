package org.nova.drm.nova;

import org.nova.nvidia.Chipset;

/**
 * Every {@link NovaVmBindTest} on a simulated GH100: VM_INIT and VM_BIND (rules, errnos, splits,
 * sparse, isolation, teardown, the random model) over MMU format version 3 page tables, which
 * before gave EOPNOTSUPP on the chips that boot through the FSP.
 */
class NovaVmBindV3Test extends NovaVmBindTest {
    @Override
    Chipset chip() {
        return Chipset.GH100;
    }
}
