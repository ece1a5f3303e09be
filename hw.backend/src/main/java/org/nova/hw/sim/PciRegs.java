package org.nova.hw.sim;

/**
 * Config space registers, fields and capability IDs, named as in the kernel's
 * include/uapi/linux/pci_regs.h (the source of every value here unless a line says otherwise).
 * Offsets inside a capability are relative to the capability's start.
 */
final class PciRegs {
    private PciRegs() {
    }

    // ---- sizes ------------------------------------------------------------------------------
    /** Conventional PCI config space size. */
    static final int PCI_CFG_SPACE_SIZE = 256;
    /** PCI Express extended config space size. */
    static final int PCI_CFG_SPACE_EXP_SIZE = 4096;
    /** Size of the standardized type-0 header; capabilities start after it. */
    static final int PCI_STD_HEADER_SIZEOF = 64;

    // ---- type-0 header ----------------------------------------------------------------------
    /** Vendor ID, 16 bits. */
    static final int PCI_VENDOR_ID = 0x00;
    /** Device ID, 16 bits. */
    static final int PCI_DEVICE_ID = 0x02;
    /** Command register, 16 bits. */
    static final int PCI_COMMAND = 0x04;
    /** Command: enable response in I/O space. */
    static final int PCI_COMMAND_IO = 0x1;
    /** Command: enable response in memory space. */
    static final int PCI_COMMAND_MEMORY = 0x2;
    /** Command: enable bus mastering. */
    static final int PCI_COMMAND_MASTER = 0x4;
    /** Command: enable SERR#. */
    static final int PCI_COMMAND_SERR = 0x100;
    /** Command: INTx emulation disable (bit 10). */
    static final int PCI_COMMAND_INTX_DISABLE = 0x400;
    /** Status register, 16 bits. */
    static final int PCI_STATUS = 0x06;
    /** Status: INTx interrupt status (the function's INTx line is asserted). */
    static final int PCI_STATUS_INTERRUPT = 0x08;
    /** Status: the function has a capability list. */
    static final int PCI_STATUS_CAP_LIST = 0x10;
    /** Status: detected parity error (W1C). */
    static final int PCI_STATUS_PARITY = 0x100;
    /** Status: signalled target abort (W1C). */
    static final int PCI_STATUS_SIG_TARGET_ABORT = 0x800;
    /** Status: received target abort (W1C). */
    static final int PCI_STATUS_REC_TARGET_ABORT = 0x1000;
    /** Status: received master abort (W1C). */
    static final int PCI_STATUS_REC_MASTER_ABORT = 0x2000;
    /** Status: signalled system error (W1C). */
    static final int PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
    /** Status: detected parity error (W1C). */
    static final int PCI_STATUS_DETECTED_PARITY = 0x8000;
    /** Revision ID, 8 bits. */
    static final int PCI_REVISION_ID = 0x08;
    /** Class code (prog-if, subclass, base class), 24 bits starting here. */
    static final int PCI_CLASS_PROG = 0x09;
    /** Cache line size, 8 bits. */
    static final int PCI_CACHE_LINE_SIZE = 0x0c;
    /** Header type, 8 bits. */
    static final int PCI_HEADER_TYPE = 0x0e;
    /** Header type of a normal (type-0) device. */
    static final int PCI_HEADER_TYPE_NORMAL = 0;
    /** First BAR. */
    static final int PCI_BASE_ADDRESS_0 = 0x10;
    /** BAR: I/O space indicator (bit 0). */
    static final int PCI_BASE_ADDRESS_SPACE_IO = 0x01;
    /** BAR: 64-bit memory type. */
    static final int PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
    /** BAR: prefetchable memory. */
    static final int PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
    /** BAR: address bits of a memory BAR. */
    static final int PCI_BASE_ADDRESS_MEM_MASK = ~0x0f;
    /** BAR: address bits of an I/O BAR. */
    static final int PCI_BASE_ADDRESS_IO_MASK = ~0x03;
    /** Subsystem vendor ID, 16 bits. */
    static final int PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
    /** Subsystem ID, 16 bits. */
    static final int PCI_SUBSYSTEM_ID = 0x2e;
    /** Expansion ROM base address, 32 bits. */
    static final int PCI_ROM_ADDRESS = 0x30;
    /** ROM BAR: address decode enable. */
    static final int PCI_ROM_ADDRESS_ENABLE = 0x01;
    /** ROM BAR: address bits (31..11). */
    static final int PCI_ROM_ADDRESS_MASK = ~0x7ff;
    /** Offset of the first capability, 8 bits. */
    static final int PCI_CAPABILITY_LIST = 0x34;
    /** Interrupt line (firmware-assigned IRQ), 8 bits. */
    static final int PCI_INTERRUPT_LINE = 0x3c;
    /** Interrupt pin (0 none, 1 INTA# .. 4 INTD#), 8 bits. */
    static final int PCI_INTERRUPT_PIN = 0x3d;
    /** Interrupt pin value for INTA#. */
    static final int PCI_INTERRUPT_PIN_INTA = 1;

    // ---- capability list --------------------------------------------------------------------
    /** Capability header: ID byte. */
    static final int PCI_CAP_LIST_ID = 0;
    /** Capability header: next-pointer byte. */
    static final int PCI_CAP_LIST_NEXT = 1;
    /** Capability header: capability-defined flags, 16 bits. */
    static final int PCI_CAP_FLAGS = 2;
    /** Capability ID: power management. */
    static final int PCI_CAP_ID_PM = 0x01;
    /** Capability ID: MSI. */
    static final int PCI_CAP_ID_MSI = 0x05;
    /** Capability ID: PCI Express. */
    static final int PCI_CAP_ID_EXP = 0x10;
    /** Capability ID: MSI-X. */
    static final int PCI_CAP_ID_MSIX = 0x11;

    // ---- power management -------------------------------------------------------------------
    /** PM: capabilities register, 16 bits. */
    static final int PCI_PM_PMC = 2;
    /** PM capabilities: version 3 = PCI Power Management spec 1.2 (PCI PM spec 1.2, 3.2.3). */
    static final int PCI_PM_CAP_VER_1_2 = 0x0003;
    /** PM: control/status register, 16 bits. */
    static final int PCI_PM_CTRL = 4;
    /** PM control: current power state D0..D3hot. */
    static final int PCI_PM_CTRL_STATE_MASK = 0x0003;
    /** PM control: no reset on the D3hot to D0 transition. */
    static final int PCI_PM_CTRL_NO_SOFT_RESET = 0x0008;
    /** PM capability size. */
    static final int PCI_PM_SIZEOF = 8;

    // ---- MSI --------------------------------------------------------------------------------
    /** MSI: message control, 16 bits. */
    static final int PCI_MSI_FLAGS = 2;
    /** MSI control: MSI enable. */
    static final int PCI_MSI_FLAGS_ENABLE = 0x0001;
    /** MSI control: Multiple Message Capable (log2 of vectors), bits 3:1. */
    static final int PCI_MSI_FLAGS_QMASK = 0x000e;
    /** Shift of Multiple Message Capable. */
    static final int PCI_MSI_FLAGS_QMASK_SHIFT = 1;
    /** MSI control: Multiple Message Enable (log2 of vectors), bits 6:4. */
    static final int PCI_MSI_FLAGS_QSIZE = 0x0070;
    /** Shift of Multiple Message Enable. */
    static final int PCI_MSI_FLAGS_QSIZE_SHIFT = 4;
    /** MSI control: 64-bit message address capable. */
    static final int PCI_MSI_FLAGS_64BIT = 0x0080;
    /** MSI control: per-vector masking capable. */
    static final int PCI_MSI_FLAGS_MASKBIT = 0x0100;
    /** MSI: message address, low 32 bits. */
    static final int PCI_MSI_ADDRESS_LO = 4;
    /** MSI: message address, high 32 bits (64-bit capable only). */
    static final int PCI_MSI_ADDRESS_HI = 8;
    /** MSI: message data of a 32-bit capability. */
    static final int PCI_MSI_DATA_32 = 8;
    /** MSI: mask bits of a 32-bit capability. */
    static final int PCI_MSI_MASK_32 = 12;
    /** MSI: pending bits of a 32-bit capability. */
    static final int PCI_MSI_PENDING_32 = 16;
    /** MSI: message data of a 64-bit capability. */
    static final int PCI_MSI_DATA_64 = 12;
    /** MSI: mask bits of a 64-bit capability. */
    static final int PCI_MSI_MASK_64 = 16;
    /** MSI: pending bits of a 64-bit capability. */
    static final int PCI_MSI_PENDING_64 = 20;
    /** MSI address low: the two low bits are reserved (QEMU hw/pci/msi.c PCI_MSI_ADDRESS_LO_MASK). */
    static final int PCI_MSI_ADDRESS_LO_MASK = ~0x3;
    /** MSI capability size, 32-bit, no masking (QEMU hw/pci/msi.c PCI_MSI_32_SIZEOF). */
    static final int PCI_MSI_32_SIZEOF = 0x0a;
    /** MSI capability size, 64-bit, no masking (QEMU hw/pci/msi.c PCI_MSI_64_SIZEOF). */
    static final int PCI_MSI_64_SIZEOF = 0x0e;
    /** MSI capability size, 32-bit with masking (QEMU hw/pci/msi.c PCI_MSI_32M_SIZEOF). */
    static final int PCI_MSI_32M_SIZEOF = 0x14;
    /** MSI capability size, 64-bit with masking (QEMU hw/pci/msi.c PCI_MSI_64M_SIZEOF). */
    static final int PCI_MSI_64M_SIZEOF = 0x18;
    /** Most MSI vectors a function can have (QEMU hw/pci/msi.c PCI_MSI_VECTORS_MAX). */
    static final int PCI_MSI_VECTORS_MAX = 32;
    /** x86 MSI message address base (arch/x86/include/asm/msidef.h MSI_ADDR_BASE_LO). */
    static final int MSI_ADDR_BASE_LO = 0xfee00000;

    // ---- MSI-X ------------------------------------------------------------------------------
    /** MSI-X: message control, 16 bits. */
    static final int PCI_MSIX_FLAGS = 2;
    /** MSI-X control: table size minus one. */
    static final int PCI_MSIX_FLAGS_QSIZE = 0x07ff;
    /** MSI-X control: function mask. */
    static final int PCI_MSIX_FLAGS_MASKALL = 0x4000;
    /** MSI-X control: MSI-X enable. */
    static final int PCI_MSIX_FLAGS_ENABLE = 0x8000;
    /** MSI-X: table offset and BAR indicator. */
    static final int PCI_MSIX_TABLE = 4;
    /** MSI-X: PBA offset and BAR indicator. */
    static final int PCI_MSIX_PBA = 8;
    /** MSI-X table/PBA: BAR indicator bits. */
    static final int PCI_MSIX_BIR = 0x7;
    /** MSI-X table/PBA: offset bits (8-byte aligned). */
    static final int PCI_MSIX_OFFSET = ~0x7;
    /** MSI-X capability size. */
    static final int PCI_CAP_MSIX_SIZEOF = 12;
    /** MSI-X table entry size. */
    static final int PCI_MSIX_ENTRY_SIZE = 16;
    /** MSI-X entry: message address, low 32 bits. */
    static final int PCI_MSIX_ENTRY_LOWER_ADDR = 0;
    /** MSI-X entry: message address, high 32 bits. */
    static final int PCI_MSIX_ENTRY_UPPER_ADDR = 4;
    /** MSI-X entry: message data. */
    static final int PCI_MSIX_ENTRY_DATA = 8;
    /** MSI-X entry: vector control. */
    static final int PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
    /** MSI-X vector control: the vector is masked (set after reset, PCI Local Bus Spec 3.0, 6.8.2.9). */
    static final int PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;

    // ---- PCI Express ------------------------------------------------------------------------
    /** PCIe: capabilities register, 16 bits. */
    static final int PCI_EXP_FLAGS = 2;
    /** PCIe capabilities: capability version 2. */
    static final int PCI_EXP_FLAGS_VERS_2 = 0x0002;
    /** PCIe capabilities: device/port type field shift. */
    static final int PCI_EXP_FLAGS_TYPE_SHIFT = 4;
    /** PCIe device/port type: Express endpoint. */
    static final int PCI_EXP_TYPE_ENDPOINT = 0x0;
    /** PCIe: device capabilities, 32 bits. */
    static final int PCI_EXP_DEVCAP = 4;
    /** Device capabilities: Function Level Reset capable. */
    static final int PCI_EXP_DEVCAP_FLR = 0x10000000;
    /** PCIe: device control, 16 bits. */
    static final int PCI_EXP_DEVCTL = 8;
    /** Device control: correctable error reporting enable. */
    static final int PCI_EXP_DEVCTL_CERE = 0x0001;
    /** Device control: non-fatal error reporting enable. */
    static final int PCI_EXP_DEVCTL_NFERE = 0x0002;
    /** Device control: fatal error reporting enable. */
    static final int PCI_EXP_DEVCTL_FERE = 0x0004;
    /** Device control: unsupported request reporting enable. */
    static final int PCI_EXP_DEVCTL_URRE = 0x0008;
    /** Device control: relaxed ordering enable. */
    static final int PCI_EXP_DEVCTL_RELAX_EN = 0x0010;
    /** Device control: Max_Payload_Size. */
    static final int PCI_EXP_DEVCTL_PAYLOAD = 0x00e0;
    /** Device control: No Snoop enable. */
    static final int PCI_EXP_DEVCTL_NOSNOOP_EN = 0x0800;
    /** Device control: Max_Read_Request_Size. */
    static final int PCI_EXP_DEVCTL_READRQ = 0x7000;
    /** Device control: Initiate Function Level Reset (reads as 0). */
    static final int PCI_EXP_DEVCTL_BCR_FLR = 0x8000;
    /** PCIe: device status, 16 bits. */
    static final int PCI_EXP_DEVSTA = 10;
    /** Device status: correctable error detected (W1C). */
    static final int PCI_EXP_DEVSTA_CED = 0x0001;
    /** Device status: non-fatal error detected (W1C). */
    static final int PCI_EXP_DEVSTA_NFED = 0x0002;
    /** Device status: fatal error detected (W1C). */
    static final int PCI_EXP_DEVSTA_FED = 0x0004;
    /** Device status: unsupported request detected (W1C). */
    static final int PCI_EXP_DEVSTA_URD = 0x0008;
    /** PCIe: link capabilities, 32 bits. */
    static final int PCI_EXP_LNKCAP = 12;
    /** Link capabilities: supported speeds, 2.5 GT/s. */
    static final int PCI_EXP_LNKCAP_SLS_2_5GB = 0x00000001;
    /** Link capabilities: maximum link width x1 (field PCI_EXP_LNKCAP_MLW = 0x3f0). */
    static final int PCI_EXP_LNKCAP_MLW_X1 = 0x00000010;
    /** PCIe: link status, 16 bits. */
    static final int PCI_EXP_LNKSTA = 18;
    /** Link status: current speed 2.5 GT/s. */
    static final int PCI_EXP_LNKSTA_CLS_2_5GB = 0x0001;
    /** Link status: negotiated width x1. */
    static final int PCI_EXP_LNKSTA_NLW_X1 = 0x0010;
    /** PCIe capability size of a v2 endpoint with a link. */
    static final int PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 = 52;

    // ---- extended capabilities --------------------------------------------------------------
    /** Extended capability header: ID bits 15:0. */
    static final int PCI_EXT_CAP_ID_MASK = 0xffff;
    /** Extended capability header: version shift (bits 19:16). */
    static final int PCI_EXT_CAP_VER_SHIFT = 16;
    /** Extended capability header: next pointer shift (bits 31:20). */
    static final int PCI_EXT_CAP_NEXT_SHIFT = 20;
    /** Extended capability header: next pointer mask after shifting (dword aligned). */
    static final int PCI_EXT_CAP_NEXT_MASK = 0xffc;
    /** Extended capability ID: SR-IOV. */
    static final int PCI_EXT_CAP_ID_SRIOV = 0x10;
    /** SR-IOV capability version 1 (PCI SR-IOV spec 1.1, 3.3.1). */
    static final int PCI_SRIOV_CAP_VERSION = 1;

    // ---- SR-IOV -----------------------------------------------------------------------------
    /** SR-IOV: capabilities, 32 bits. */
    static final int PCI_SRIOV_CAP = 0x04;
    /** SR-IOV: control, 16 bits. */
    static final int PCI_SRIOV_CTRL = 0x08;
    /** SR-IOV control: VF Enable. */
    static final int PCI_SRIOV_CTRL_VFE = 0x01;
    /** SR-IOV control: VF Memory Space Enable. */
    static final int PCI_SRIOV_CTRL_MSE = 0x08;
    /** SR-IOV control: ARI Capable Hierarchy. */
    static final int PCI_SRIOV_CTRL_ARI = 0x10;
    /** SR-IOV: status, 16 bits. */
    static final int PCI_SRIOV_STATUS = 0x0a;
    /** SR-IOV: InitialVFs, 16 bits. */
    static final int PCI_SRIOV_INITIAL_VF = 0x0c;
    /** SR-IOV: TotalVFs, 16 bits. */
    static final int PCI_SRIOV_TOTAL_VF = 0x0e;
    /** SR-IOV: NumVFs, 16 bits. */
    static final int PCI_SRIOV_NUM_VF = 0x10;
    /** SR-IOV: function dependency link, 8 bits. */
    static final int PCI_SRIOV_FUNC_LINK = 0x12;
    /** SR-IOV: First VF Offset, 16 bits. */
    static final int PCI_SRIOV_VF_OFFSET = 0x14;
    /** SR-IOV: VF Stride, 16 bits. */
    static final int PCI_SRIOV_VF_STRIDE = 0x16;
    /** SR-IOV: VF Device ID, 16 bits. */
    static final int PCI_SRIOV_VF_DID = 0x1a;
    /** SR-IOV: supported page sizes, 32 bits. */
    static final int PCI_SRIOV_SUP_PGSIZE = 0x1c;
    /** SR-IOV: system page size, 32 bits. */
    static final int PCI_SRIOV_SYS_PGSIZE = 0x20;
    /** SR-IOV: VF BAR0; VF BARs follow like the header's BARs. */
    static final int PCI_SRIOV_BAR = 0x24;
    /** SR-IOV: number of VF BARs. */
    static final int PCI_SRIOV_NUM_BARS = 6;
    /** SR-IOV capability size. */
    static final int PCI_EXT_CAP_SRIOV_SIZEOF = 64;
    /** SR-IOV page size bit for 4 KiB pages (PCI SR-IOV spec 1.1, 3.3.12: bit n = 2^(n+12)). */
    static final int PCI_SRIOV_PGSIZE_4K = 0x1;

    /** Value every register of an absent function (and a VF's IDs) reads as (PCI SR-IOV spec 3.4.1.1). */
    static final int PCI_ID_ABSENT = 0xffff;
}
