package org.nova.nvidia.gsp;

/**
 * The GSP-RM registry keys nova-core sets with SetRegistry (gsp/commands.rs REGISTRY_ENTRIES,
 * each a DWORD of 1) and the one the vGPU path adds (nova-core vGPU RFC 20251206124208 "set
 * RMSetSriovMode when NVIDIA vGPU is enabled"; the nvkm vGPU RFC 06/29 did the same).
 */
public final class RegistryKeys {
    /** PCI secondary bus reset allowed. */
    public static final String SEC_BUS_RESET_ENABLE = "RMSecBusResetEnable";
    /** GSP-RM saves the PCI configuration over any reset. */
    public static final String FORCE_PCIE_CONFIG_SAVE = "RMForcePcieConfigSave";
    /** GSP-RM boots a device ID its product table lacks. */
    public static final String DEVID_CHECK_IGNORE = "RMDevidCheckIgnore";
    /** GSP-RM runs in SR-IOV mode: its vGPU manager serves the virtual functions. */
    public static final String SET_SRIOV_MODE = "RMSetSriovMode";
    /** The value nova-core gives every key it sets. */
    public static final int ENABLED = 1;

    private RegistryKeys() {
    }
}
