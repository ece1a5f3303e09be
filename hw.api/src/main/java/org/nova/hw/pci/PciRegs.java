package org.nova.hw.pci;

/**
 * PCI configuration-space registers, capability layouts, ids and bits: the one table of
 * include/uapi/linux/pci_regs.h in this runtime, read by the backends (which model or pass through
 * config space), the PCI bus (which walks it) and drivers (which program their own functions).
 *
 * <p>A constant whose line names a macro in parentheses is that pci_regs.h macro, under its kernel
 * name. The others are facts the header implies but does not spell (a field's shift, a capability's
 * size, the masks of the class code) and say where they come from; they carry the same {@code PCI_}
 * prefix so that one static import reads like the kernel's code. Offsets inside a capability are
 * relative to the capability's start.
 *
 * <p>Why one class: it is one header. Split by capability it would scatter what pci_regs.h keeps
 * together and what a reader of the kernel expects to find in one place.
 */
public final class PciRegs {
    private PciRegs() {
    }

    // ---- sizes -------------------------------------------------------------------------------

    /** Size of the standard header of every function (PCI_STD_HEADER_SIZEOF). */
    public static final int PCI_STD_HEADER_SIZEOF = 64;
    /** Size of conventional PCI config space (PCI_CFG_SPACE_SIZE). */
    public static final int PCI_CFG_SPACE_SIZE = 256;
    /** Size of PCI Express extended config space (PCI_CFG_SPACE_EXP_SIZE). */
    public static final int PCI_CFG_SPACE_EXP_SIZE = 4096;
    /** Number of BARs of a type-0 header (PCI_STD_NUM_BARS). */
    public static final int PCI_STD_NUM_BARS = 6;

    // ---- the standard header -----------------------------------------------------------------

    /** Vendor ID, 16 bits (PCI_VENDOR_ID). */
    public static final int PCI_VENDOR_ID = 0x00;
    /** Device ID, 16 bits (PCI_DEVICE_ID). */
    public static final int PCI_DEVICE_ID = 0x02;
    /** Command register, 16 bits (PCI_COMMAND). */
    public static final int PCI_COMMAND = 0x04;
    /** Status register, 16 bits (PCI_STATUS). */
    public static final int PCI_STATUS = 0x06;
    /** Revision ID, 8 bits (PCI_REVISION_ID). */
    public static final int PCI_REVISION_ID = 0x08;
    /** Programming interface, the low byte of the class code (PCI_CLASS_PROG). */
    public static final int PCI_CLASS_PROG = 0x09;
    /** Base class and subclass, 16 bits (PCI_CLASS_DEVICE). */
    public static final int PCI_CLASS_DEVICE = 0x0a;
    /** Cache line size, 8 bits (PCI_CACHE_LINE_SIZE). */
    public static final int PCI_CACHE_LINE_SIZE = 0x0c;
    /** Latency timer, 8 bits (PCI_LATENCY_TIMER). */
    public static final int PCI_LATENCY_TIMER = 0x0d;
    /** Header type, 8 bits; bit 7 is the multi-function flag (PCI_HEADER_TYPE). */
    public static final int PCI_HEADER_TYPE = 0x0e;
    /** Built-in self test, 8 bits (PCI_BIST). */
    public static final int PCI_BIST = 0x0f;
    /** First base address register; BAR n is at BASE_ADDRESS_0 + 4n (PCI_BASE_ADDRESS_0). */
    public static final int PCI_BASE_ADDRESS_0 = 0x10;
    /** Bytes per BAR register (PCI_BASE_ADDRESS_1 - PCI_BASE_ADDRESS_0). */
    public static final int PCI_BASE_ADDRESS_STRIDE = 4;
    /** Subsystem vendor ID of a type-0 header (PCI_SUBSYSTEM_VENDOR_ID). */
    public static final int PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
    /** Subsystem ID of a type-0 header (PCI_SUBSYSTEM_ID). */
    public static final int PCI_SUBSYSTEM_ID = 0x2e;
    /** Expansion ROM base address of a type-0 header (PCI_ROM_ADDRESS). */
    public static final int PCI_ROM_ADDRESS = 0x30;
    /** Offset of the first capability, 8 bits (PCI_CAPABILITY_LIST). */
    public static final int PCI_CAPABILITY_LIST = 0x34;
    /** Interrupt line, 8 bits (PCI_INTERRUPT_LINE). */
    public static final int PCI_INTERRUPT_LINE = 0x3c;
    /** Interrupt pin: 0 none, 1..4 INTA..INTD (PCI_INTERRUPT_PIN). */
    public static final int PCI_INTERRUPT_PIN = 0x3d;
    /** Interrupt pin value for INTA#. */
    public static final int PCI_INTERRUPT_PIN_INTA = 1;
    /** Value every register of an absent function (and a VF's IDs) reads as (PCI SR-IOV spec 3.4.1.1). */
    public static final int PCI_ID_ABSENT = 0xffff;
    /** Min_Gnt of a type-0 header (PCI_MIN_GNT). */
    public static final int PCI_MIN_GNT = 0x3e;
    /** Max_Lat of a type-0 header (PCI_MAX_LAT). */
    public static final int PCI_MAX_LAT = 0x3f;
    /** Offset of the first capability of a CardBus bridge header (PCI_CB_CAPABILITY_LIST). */
    public static final int PCI_CB_CAPABILITY_LIST = 0x14;
    /** Subsystem vendor ID of a CardBus bridge header (PCI_CB_SUBSYSTEM_VENDOR_ID). */
    public static final int PCI_CB_SUBSYSTEM_VENDOR_ID = 0x40;
    /** Subsystem ID of a CardBus bridge header (PCI_CB_SUBSYSTEM_ID). */
    public static final int PCI_CB_SUBSYSTEM_ID = 0x42;
    /** Expansion ROM base address of a type-1 (bridge) header (PCI_ROM_ADDRESS1). */
    public static final int PCI_ROM_ADDRESS1 = 0x38;
    /** Primary bus number of a type-1 header (PCI_PRIMARY_BUS). */
    public static final int PCI_PRIMARY_BUS = 0x18;
    /** Secondary bus number of a type-1 header (PCI_SECONDARY_BUS). */
    public static final int PCI_SECONDARY_BUS = 0x19;
    /** Highest bus number behind a type-1 header (PCI_SUBORDINATE_BUS). */
    public static final int PCI_SUBORDINATE_BUS = 0x1a;
    /** Latency timer for the secondary interface (PCI_SEC_LATENCY_TIMER). */
    public static final int PCI_SEC_LATENCY_TIMER = 0x1b;
    /** I/O window base, 8 bits: address bits 15:12 and the decode type (PCI_IO_BASE). */
    public static final int PCI_IO_BASE = 0x1c;
    /** I/O window limit, 8 bits (PCI_IO_LIMIT). */
    public static final int PCI_IO_LIMIT = 0x1d;
    /** Decode type bits of the I/O base and limit (PCI_IO_RANGE_TYPE_MASK). */
    public static final int PCI_IO_RANGE_TYPE_MASK = 0x0f;
    /** I/O window decodes 16 address bits (PCI_IO_RANGE_TYPE_16). */
    public static final int PCI_IO_RANGE_TYPE_16 = 0x00;
    /** I/O window decodes 32 address bits (PCI_IO_RANGE_TYPE_32). */
    public static final int PCI_IO_RANGE_TYPE_32 = 0x01;
    /** Address bits of the I/O base and limit bytes (PCI_IO_RANGE_MASK, ~0x0f). */
    public static final int PCI_IO_RANGE_MASK = ~0x0f;
    /** Status of the secondary interface, 16 bits, laid out as PCI_STATUS (PCI_SEC_STATUS). */
    public static final int PCI_SEC_STATUS = 0x1e;
    /** Memory window base, 16 bits: address bits 31:20 (PCI_MEMORY_BASE). */
    public static final int PCI_MEMORY_BASE = 0x20;
    /** Memory window limit, 16 bits (PCI_MEMORY_LIMIT). */
    public static final int PCI_MEMORY_LIMIT = 0x22;
    /** Type bits of the memory base and limit, reserved as zero (PCI_MEMORY_RANGE_TYPE_MASK). */
    public static final int PCI_MEMORY_RANGE_TYPE_MASK = 0x0f;
    /** Address bits of the memory base and limit (PCI_MEMORY_RANGE_MASK, ~0x0f). */
    public static final int PCI_MEMORY_RANGE_MASK = ~0x0f;
    /** Prefetchable memory window base, 16 bits (PCI_PREF_MEMORY_BASE). */
    public static final int PCI_PREF_MEMORY_BASE = 0x24;
    /** Prefetchable memory window limit, 16 bits (PCI_PREF_MEMORY_LIMIT). */
    public static final int PCI_PREF_MEMORY_LIMIT = 0x26;
    /** Decode type bits of the prefetchable base and limit (PCI_PREF_RANGE_TYPE_MASK). */
    public static final int PCI_PREF_RANGE_TYPE_MASK = 0x0f;
    /** Prefetchable window decodes 32 address bits (PCI_PREF_RANGE_TYPE_32). */
    public static final int PCI_PREF_RANGE_TYPE_32 = 0x00;
    /** Prefetchable window decodes 64 address bits (PCI_PREF_RANGE_TYPE_64). */
    public static final int PCI_PREF_RANGE_TYPE_64 = 0x01;
    /** Address bits of the prefetchable base and limit (PCI_PREF_RANGE_MASK, ~0x0f). */
    public static final int PCI_PREF_RANGE_MASK = ~0x0f;
    /** Upper 32 bits of the prefetchable base (PCI_PREF_BASE_UPPER32). */
    public static final int PCI_PREF_BASE_UPPER32 = 0x28;
    /** Upper 32 bits of the prefetchable limit (PCI_PREF_LIMIT_UPPER32). */
    public static final int PCI_PREF_LIMIT_UPPER32 = 0x2c;
    /** Upper 16 bits of the I/O base (PCI_IO_BASE_UPPER16). */
    public static final int PCI_IO_BASE_UPPER16 = 0x30;
    /** Upper 16 bits of the I/O limit (PCI_IO_LIMIT_UPPER16). */
    public static final int PCI_IO_LIMIT_UPPER16 = 0x32;
    /** Bridge control, 16 bits (PCI_BRIDGE_CONTROL). */
    public static final int PCI_BRIDGE_CONTROL = 0x3e;
    /** Bridge control: parity error response on the secondary interface (PCI_BRIDGE_CTL_PARITY). */
    public static final int PCI_BRIDGE_CTL_PARITY = 0x01;
    /** Bridge control: forward SERR# from the secondary interface (PCI_BRIDGE_CTL_SERR). */
    public static final int PCI_BRIDGE_CTL_SERR = 0x02;
    /** Bridge control: ISA enable, no ISA aliases forwarded (PCI_BRIDGE_CTL_NO_ISA). */
    public static final int PCI_BRIDGE_CTL_NO_ISA = 0x04;
    /** Bridge control: forward VGA addresses (PCI_BRIDGE_CTL_VGA). */
    public static final int PCI_BRIDGE_CTL_VGA = 0x08;
    /** Bridge control: VGA 16-bit decode (PCI_BRIDGE_CTL_VGA_16BIT). */
    public static final int PCI_BRIDGE_CTL_VGA_16BIT = 0x10;
    /** Bridge control: report master aborts (PCI_BRIDGE_CTL_MASTER_ABORT). */
    public static final int PCI_BRIDGE_CTL_MASTER_ABORT = 0x20;
    /** Bridge control: secondary bus reset (PCI_BRIDGE_CTL_BUS_RESET). */
    public static final int PCI_BRIDGE_CTL_BUS_RESET = 0x40;
    /** Bridge control: fast back-to-back on the secondary interface (PCI_BRIDGE_CTL_FAST_BACK). */
    public static final int PCI_BRIDGE_CTL_FAST_BACK = 0x80;
    /** Bridge control: primary discard timer (PCI_BRIDGE_CTL_PRI_DISCARD_TIMER, pciutils' header.h). */
    public static final int PCI_BRIDGE_CTL_PRI_DISCARD_TIMER = 0x100;
    /** Bridge control: secondary discard timer (PCI_BRIDGE_CTL_SEC_DISCARD_TIMER, pciutils' header.h). */
    public static final int PCI_BRIDGE_CTL_SEC_DISCARD_TIMER = 0x200;
    /** Bridge control: discard timer status (PCI_BRIDGE_CTL_DISCARD_TIMER_STATUS, pciutils' header.h). */
    public static final int PCI_BRIDGE_CTL_DISCARD_TIMER_STATUS = 0x400;
    /** Bridge control: discard timer SERR# enable (PCI_BRIDGE_CTL_DISCARD_TIMER_SERR_EN, pciutils' header.h). */
    public static final int PCI_BRIDGE_CTL_DISCARD_TIMER_SERR_EN = 0x800;

    /** Header type without the multi-function bit (PCI_HEADER_TYPE_MASK). */
    public static final int PCI_HEADER_TYPE_MASK = 0x7f;
    /** Header type 0: an endpoint (PCI_HEADER_TYPE_NORMAL). */
    public static final int PCI_HEADER_TYPE_NORMAL = 0;
    /** Header type 1: a PCI-to-PCI bridge (PCI_HEADER_TYPE_BRIDGE). */
    public static final int PCI_HEADER_TYPE_BRIDGE = 1;
    /** Header type 2: a CardBus bridge (PCI_HEADER_TYPE_CARDBUS). */
    public static final int PCI_HEADER_TYPE_CARDBUS = 2;

    // ---- command register bits ---------------------------------------------------------------

    /** Enable response in I/O space (PCI_COMMAND_IO). */
    public static final int PCI_COMMAND_IO = 0x1;
    /** Enable response in memory space (PCI_COMMAND_MEMORY). */
    public static final int PCI_COMMAND_MEMORY = 0x2;
    /** Enable bus mastering (PCI_COMMAND_MASTER). */
    public static final int PCI_COMMAND_MASTER = 0x4;
    /** Enable response to special cycles (PCI_COMMAND_SPECIAL). */
    public static final int PCI_COMMAND_SPECIAL = 0x8;
    /** Use memory write and invalidate (PCI_COMMAND_INVALIDATE). */
    public static final int PCI_COMMAND_INVALIDATE = 0x10;
    /** Enable palette snooping (PCI_COMMAND_VGA_PALETTE). */
    public static final int PCI_COMMAND_VGA_PALETTE = 0x20;
    /** Enable parity checking (PCI_COMMAND_PARITY). */
    public static final int PCI_COMMAND_PARITY = 0x40;
    /** Enable address/data stepping (PCI_COMMAND_WAIT). */
    public static final int PCI_COMMAND_WAIT = 0x80;
    /** Enable SERR (PCI_COMMAND_SERR). */
    public static final int PCI_COMMAND_SERR = 0x100;
    /** Enable back-to-back writes (PCI_COMMAND_FAST_BACK). */
    public static final int PCI_COMMAND_FAST_BACK = 0x200;
    /** INTx emulation disable (PCI_COMMAND_INTX_DISABLE). */
    public static final int PCI_COMMAND_INTX_DISABLE = 0x400;

    // ---- status register bits ----------------------------------------------------------------

    /** Interrupt status (PCI_STATUS_INTERRUPT). */
    public static final int PCI_STATUS_INTERRUPT = 0x08;
    /** Support capability list (PCI_STATUS_CAP_LIST). */
    public static final int PCI_STATUS_CAP_LIST = 0x10;
    /** Support 66 MHz PCI 2.1 bus (PCI_STATUS_66MHZ). */
    public static final int PCI_STATUS_66MHZ = 0x20;
    /** Support user definable features, obsolete (PCI_STATUS_UDF). */
    public static final int PCI_STATUS_UDF = 0x40;
    /** Accept fast back-to-back (PCI_STATUS_FAST_BACK). */
    public static final int PCI_STATUS_FAST_BACK = 0x80;
    /** DEVSEL timing field (PCI_STATUS_DEVSEL_MASK). */
    public static final int PCI_STATUS_DEVSEL_MASK = 0x600;
    /** DEVSEL timing: fast (PCI_STATUS_DEVSEL_FAST). */
    public static final int PCI_STATUS_DEVSEL_FAST = 0x000;
    /** DEVSEL timing: medium (PCI_STATUS_DEVSEL_MEDIUM). */
    public static final int PCI_STATUS_DEVSEL_MEDIUM = 0x200;
    /** DEVSEL timing: slow (PCI_STATUS_DEVSEL_SLOW). */
    public static final int PCI_STATUS_DEVSEL_SLOW = 0x400;
    /** Status: detected parity error (W1C). */
    public static final int PCI_STATUS_DETECTED_PARITY = 0x8000;
    /** Status: detected parity error (W1C). */
    public static final int PCI_STATUS_PARITY = 0x100;
    /** Status: signalled target abort (W1C). */
    public static final int PCI_STATUS_SIG_TARGET_ABORT = 0x800;
    /** Status: signalled system error (W1C). */
    public static final int PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
    /** Status: received target abort (W1C). */
    public static final int PCI_STATUS_REC_TARGET_ABORT = 0x1000;
    /** Status: received master abort (W1C). */
    public static final int PCI_STATUS_REC_MASTER_ABORT = 0x2000;

    // ---- BIST --------------------------------------------------------------------------------

    /** Return result of the self test (PCI_BIST_CODE_MASK). */
    public static final int PCI_BIST_CODE_MASK = 0x0f;
    /** Start the self test (PCI_BIST_START). */
    public static final int PCI_BIST_START = 0x40;
    /** The function supports BIST (PCI_BIST_CAPABLE). */
    public static final int PCI_BIST_CAPABLE = 0x80;

    // ---- base address registers --------------------------------------------------------------

    /** The BAR is in I/O space (PCI_BASE_ADDRESS_SPACE_IO). */
    public static final int PCI_BASE_ADDRESS_SPACE_IO = 0x01;
    /** Memory BAR type field (PCI_BASE_ADDRESS_MEM_TYPE_MASK). */
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_MASK = 0x06;
    /** 32-bit memory BAR (PCI_BASE_ADDRESS_MEM_TYPE_32). */
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_32 = 0x00;
    /** Memory BAR below 1M (PCI_BASE_ADDRESS_MEM_TYPE_1M). */
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_1M = 0x02;
    /** 64-bit memory BAR, two registers (PCI_BASE_ADDRESS_MEM_TYPE_64). */
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
    /** Prefetchable memory BAR (PCI_BASE_ADDRESS_MEM_PREFETCH). */
    public static final int PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
    /** Address bits of a memory BAR (PCI_BASE_ADDRESS_MEM_MASK, ~0x0f). */
    public static final long PCI_BASE_ADDRESS_MEM_MASK = ~0x0fL;
    /** Address bits of an I/O BAR (PCI_BASE_ADDRESS_IO_MASK, ~0x03). */
    public static final long PCI_BASE_ADDRESS_IO_MASK = ~0x03L;
    /** Expansion ROM decode enable (PCI_ROM_ADDRESS_ENABLE). */
    public static final int PCI_ROM_ADDRESS_ENABLE = 0x01;
    /** Address bits of the expansion ROM register (PCI_ROM_ADDRESS_MASK, ~0x7ff). */
    public static final long PCI_ROM_ADDRESS_MASK = ~0x7ffL & 0xffffffffL;

    // ---- capability lists --------------------------------------------------------------------

    /** Capability ID byte within a capability (PCI_CAP_LIST_ID). */
    public static final int PCI_CAP_LIST_ID = 0;
    /** Next-capability pointer within a capability (PCI_CAP_LIST_NEXT). */
    public static final int PCI_CAP_LIST_NEXT = 1;
    /** Capability-specific flags word within a capability (PCI_CAP_FLAGS). */
    public static final int PCI_CAP_FLAGS = 2;
    /** Capability pointers are dword aligned: the low two bits are reserved (drivers/pci/pci.c). */
    public static final int PCI_CAP_POINTER_MASK = ~3;
    /** Bound of the capability-list walk: at most 48 entries (PCI_FIND_CAP_TTL, drivers/pci/pci.c). */
    public static final int PCI_FIND_CAP_TTL = 48;
    /** An ID of 0xff ends a broken chain (drivers/pci/pci.c __pci_find_next_cap_ttl). */
    public static final int PCI_CAP_ID_BROKEN = 0xff;

    /** Power Management (PCI_CAP_ID_PM). */
    public static final int PCI_CAP_ID_PM = 0x01;
    /** Accelerated Graphics Port (PCI_CAP_ID_AGP). */
    public static final int PCI_CAP_ID_AGP = 0x02;
    /** Vital Product Data (PCI_CAP_ID_VPD). */
    public static final int PCI_CAP_ID_VPD = 0x03;
    /** Slot Identification (PCI_CAP_ID_SLOTID). */
    public static final int PCI_CAP_ID_SLOTID = 0x04;
    /** Message Signalled Interrupts (PCI_CAP_ID_MSI). */
    public static final int PCI_CAP_ID_MSI = 0x05;
    /** CompactPCI HotSwap (PCI_CAP_ID_CHSWP). */
    public static final int PCI_CAP_ID_CHSWP = 0x06;
    /** PCI-X (PCI_CAP_ID_PCIX). */
    public static final int PCI_CAP_ID_PCIX = 0x07;
    /** HyperTransport (PCI_CAP_ID_HT). */
    public static final int PCI_CAP_ID_HT = 0x08;
    /** Vendor-specific (PCI_CAP_ID_VNDR). */
    public static final int PCI_CAP_ID_VNDR = 0x09;
    /** Debug port (PCI_CAP_ID_DBG). */
    public static final int PCI_CAP_ID_DBG = 0x0a;
    /** CompactPCI Central Resource Control (PCI_CAP_ID_CCRC). */
    public static final int PCI_CAP_ID_CCRC = 0x0b;
    /** PCI Standard Hot-Plug Controller (PCI_CAP_ID_SHPC). */
    public static final int PCI_CAP_ID_SHPC = 0x0c;
    /** Bridge subsystem vendor/device ID (PCI_CAP_ID_SSVID). */
    public static final int PCI_CAP_ID_SSVID = 0x0d;
    /** AGP Target PCI-PCI bridge (PCI_CAP_ID_AGP3). */
    public static final int PCI_CAP_ID_AGP3 = 0x0e;
    /** Secure Device (PCI_CAP_ID_SECDEV). */
    public static final int PCI_CAP_ID_SECDEV = 0x0f;
    /** PCI Express (PCI_CAP_ID_EXP). */
    public static final int PCI_CAP_ID_EXP = 0x10;
    /** Advanced Features: capabilities byte (PCI_AF_CAP). */
    public static final int PCI_AF_CAP = 3;
    /** Advanced Features: Transactions Pending supported (PCI_AF_CAP_TP). */
    public static final int PCI_AF_CAP_TP = 0x01;
    /** Advanced Features: Function Level Reset supported (PCI_AF_CAP_FLR). */
    public static final int PCI_AF_CAP_FLR = 0x02;
    /** Advanced Features: control byte (PCI_AF_CTRL). */
    public static final int PCI_AF_CTRL = 4;
    /** Advanced Features control: initiate FLR (PCI_AF_CTRL_FLR). */
    public static final int PCI_AF_CTRL_FLR = 0x01;
    /** MSI-X (PCI_CAP_ID_MSIX). */
    public static final int PCI_CAP_ID_MSIX = 0x11;
    /** SATA Data/Index Configuration (PCI_CAP_ID_SATA). */
    public static final int PCI_CAP_ID_SATA = 0x12;
    /** Slot ID: expansion slot register, bits 4:0 the number of slots (PCI_SID_ESR_NSLOTS). */
    public static final int PCI_SID_ESR_NSLOTS = 0x1f;
    /** Slot ID: first-in-chassis flag of the expansion slot register (PCI_SID_ESR_FIC). */
    public static final int PCI_SID_ESR_FIC = 0x20;
    /** Slot ID: the expansion slot register, a byte after the capability header (PCI_SID_ESR). */
    public static final int PCI_SID_ESR = 2;
    /** Slot ID: the chassis number, a byte (PCI_SID_CHASSIS_NR). */
    public static final int PCI_SID_CHASSIS_NR = 3;
    /** Subsystem ID capability: the subsystem vendor ID, 16 bits (PCI_SSVID_VENDOR). */
    public static final int PCI_SSVID_VENDOR = 4;
    /** Subsystem ID capability: the subsystem ID, 16 bits (PCI_SSVID_DEVICE). */
    public static final int PCI_SSVID_DEVICE = 6;
    /** SATA capability: the revision's major number, bits 7:4 of the byte after the header (AHCI 1.3 2.4.1 SATACR0; pciutils cap_sata_hba). */
    public static final int PCI_SATA_REV_MAJOR_SHIFT = 4;
    /** SATA capability: one nibble of the revision, major or minor (AHCI 1.3 2.4.1 SATACR0). */
    public static final int PCI_SATA_REV_MASK = 0x0f;
    /** PCI Advanced Features (PCI_CAP_ID_AF). */
    public static final int PCI_CAP_ID_AF = 0x13;
    /** Enhanced Allocation (PCI_CAP_ID_EA). */
    public static final int PCI_CAP_ID_EA = 0x14;
    /** MSI-X capability size. */
    public static final int PCI_CAP_MSIX_SIZEOF = 12;
    /** PCIe capability size of a v2 endpoint with a link. */
    public static final int PCI_CAP_EXP_ENDPOINT_SIZEOF_V2 = 52;

    /** Power Management capability version field of the flags (PCI_PM_CAP_VER_MASK). */
    public static final int PCI_PM_CAP_VER_MASK = 0x0007;
    /** PM capabilities: version 3 = PCI Power Management spec 1.2 (PCI PM spec 1.2, 3.2.3). */
    public static final int PCI_PM_CAP_VER_1_2 = 0x0003;
    /** PM: control/status register, 16 bits. */
    public static final int PCI_PM_CTRL = 4;
    /** PM control: current power state D0..D3hot. */
    public static final int PCI_PM_CTRL_STATE_MASK = 0x0003;
    /** PM control: no reset on the D3hot to D0 transition. */
    public static final int PCI_PM_CTRL_NO_SOFT_RESET = 0x0008;
    /** PM control: the D0 power state in the state field (PCI PM spec 1.2, 3.2.4; include/linux/pci.h PCI_D0). */
    public static final int PCI_PM_CTRL_STATE_D0 = 0;
    /** PM control: the D3hot power state in the state field (PCI PM spec 1.2, 3.2.4; include/linux/pci.h PCI_D3hot). */
    public static final int PCI_PM_CTRL_STATE_D3HOT = 3;
    /** PM: capabilities register, 16 bits. */
    public static final int PCI_PM_PMC = 2;
    /** PM capability size. */
    public static final int PCI_PM_SIZEOF = 8;
    /** PM capabilities: PME clock required (PCI_PM_CAP_PME_CLOCK). */
    public static final int PCI_PM_CAP_PME_CLOCK = 0x0008;
    /** PM capabilities: device-specific initialization (PCI_PM_CAP_DSI). */
    public static final int PCI_PM_CAP_DSI = 0x0020;
    /** PM capabilities: auxiliary current, bits 8:6 (PCI_PM_CAP_AUX_POWER). */
    public static final int PCI_PM_CAP_AUX_POWER = 0x01c0;
    /** Shift of the auxiliary current field. */
    public static final int PCI_PM_CAP_AUX_POWER_SHIFT = 6;
    /** PM capabilities: D1 supported (PCI_PM_CAP_D1). */
    public static final int PCI_PM_CAP_D1 = 0x0200;
    /** PM capabilities: D2 supported (PCI_PM_CAP_D2). */
    public static final int PCI_PM_CAP_D2 = 0x0400;
    /** PM capabilities: PME# from D0 (PCI_PM_CAP_PME_D0). */
    public static final int PCI_PM_CAP_PME_D0 = 0x0800;
    /** PM capabilities: PME# from D1 (PCI_PM_CAP_PME_D1). */
    public static final int PCI_PM_CAP_PME_D1 = 0x1000;
    /** PM capabilities: PME# from D2 (PCI_PM_CAP_PME_D2). */
    public static final int PCI_PM_CAP_PME_D2 = 0x2000;
    /** PM capabilities: PME# from D3hot (PCI_PM_CAP_PME_D3hot). */
    public static final int PCI_PM_CAP_PME_D3HOT = 0x4000;
    /** PM capabilities: PME# from D3cold (PCI_PM_CAP_PME_D3cold). */
    public static final int PCI_PM_CAP_PME_D3COLD = 0x8000;
    /** PM control: PME# enable (PCI_PM_CTRL_PME_ENABLE). */
    public static final int PCI_PM_CTRL_PME_ENABLE = 0x0100;
    /** PM control: data select, bits 12:9 (PCI_PM_CTRL_DATA_SEL_MASK). */
    public static final int PCI_PM_CTRL_DATA_SEL_MASK = 0x1e00;
    /** Shift of the data select field. */
    public static final int PCI_PM_CTRL_DATA_SEL_SHIFT = 9;
    /** PM control: data scale, bits 14:13 (PCI_PM_CTRL_DATA_SCALE_MASK). */
    public static final int PCI_PM_CTRL_DATA_SCALE_MASK = 0x6000;
    /** Shift of the data scale field. */
    public static final int PCI_PM_CTRL_DATA_SCALE_SHIFT = 13;
    /** PM control: PME status (PCI_PM_CTRL_PME_STATUS). */
    public static final int PCI_PM_CTRL_PME_STATUS = 0x8000;
    /** PM: the PCI-to-PCI bridge support extensions byte (PCI_PM_PPB_EXTENSIONS). */
    public static final int PCI_PM_PPB_EXTENSIONS = 6;
    /** PM bridge extensions: B2/B3 on D3hot (PCI_PM_PPB_B2_B3). */
    public static final int PCI_PM_PPB_B2_B3 = 0x40;
    /** PM bridge extensions: bus power/clock control enable (PCI_PM_BPCC_ENABLE). */
    public static final int PCI_PM_BPCC_ENABLE = 0x80;
    /** SATA capability: the BAR location register, 32 bits (PCI_SATA_HBA_BARS, pciutils' header.h; AHCI 1.3 2.4.2 SATACR1). */
    public static final int PCI_SATA_HBA_BARS = 4;
    /** SATA BAR location: the BAR, bits 3:0 (4..9 for BAR0..5, 15 for config space; AHCI 1.3 2.4.2). */
    public static final int PCI_SATA_BARLOC_MASK = 0x0f;
    /** SATA BAR location value of BAR0; up to BAR5 it counts on. */
    public static final int PCI_SATA_BARLOC_BAR0 = 4;
    /** SATA BAR location value of BAR5. */
    public static final int PCI_SATA_BARLOC_BAR5 = 9;
    /** SATA BAR location value of "in config space". */
    public static final int PCI_SATA_BARLOC_CONFIG = 15;
    /** SATA BAR offset: bits 23:4, in dwords (AHCI 1.3 2.4.2 BAROFST). */
    public static final int PCI_SATA_BAROFST_SHIFT = 4;
    /** Width of the SATA BAR offset field. */
    public static final int PCI_SATA_BAROFST_MASK = 0xfffff;

    /** MSI: enable bit of the flags (PCI_MSI_FLAGS_ENABLE). */
    public static final int PCI_MSI_FLAGS_ENABLE = 0x0001;
    /** MSI: Multiple Message Capable field, log2 of the vectors (PCI_MSI_FLAGS_QMASK). */
    public static final int PCI_MSI_FLAGS_QMASK = 0x000e;
    /** MSI: shift of the Multiple Message Capable field (PCI_MSI_FLAGS_QMASK is bits 3:1). */
    public static final int PCI_MSI_FLAGS_QMASK_SHIFT = 1;
    /** MSI: Multiple Message Enable field, log2 of the vectors (PCI_MSI_FLAGS_QSIZE). */
    public static final int PCI_MSI_FLAGS_QSIZE = 0x0070;
    /** MSI: shift of the Multiple Message Enable field (PCI_MSI_FLAGS_QSIZE is bits 6:4). */
    public static final int PCI_MSI_FLAGS_QSIZE_SHIFT = 4;
    /** MSI: 64-bit addresses (PCI_MSI_FLAGS_64BIT). */
    public static final int PCI_MSI_FLAGS_64BIT = 0x0080;
    /** MSI: per-vector masking (PCI_MSI_FLAGS_MASKBIT). */
    public static final int PCI_MSI_FLAGS_MASKBIT = 0x0100;
    /** MSI: message control, 16 bits. */
    public static final int PCI_MSI_FLAGS = 2;
    /** MSI: message address, low 32 bits. */
    public static final int PCI_MSI_ADDRESS_LO = 4;
    /** MSI address low: the two low bits are reserved (QEMU hw/pci/msi.c PCI_MSI_ADDRESS_LO_MASK). */
    public static final int PCI_MSI_ADDRESS_LO_MASK = ~0x3;
    /** MSI: message address, high 32 bits (64-bit capable only). */
    public static final int PCI_MSI_ADDRESS_HI = 8;
    /** MSI: message data of a 32-bit capability. */
    public static final int PCI_MSI_DATA_32 = 8;
    /** MSI: message data of a 64-bit capability. */
    public static final int PCI_MSI_DATA_64 = 12;
    /** MSI: mask bits of a 32-bit capability. */
    public static final int PCI_MSI_MASK_32 = 12;
    /** MSI: mask bits of a 64-bit capability. */
    public static final int PCI_MSI_MASK_64 = 16;
    /** MSI: pending bits of a 32-bit capability. */
    public static final int PCI_MSI_PENDING_32 = 16;
    /** MSI: pending bits of a 64-bit capability. */
    public static final int PCI_MSI_PENDING_64 = 20;
    /** MSI capability size, 32-bit, no masking (QEMU hw/pci/msi.c PCI_MSI_32_SIZEOF). */
    public static final int PCI_MSI_32_SIZEOF = 0x0a;
    /** MSI capability size, 32-bit with masking (QEMU hw/pci/msi.c PCI_MSI_32M_SIZEOF). */
    public static final int PCI_MSI_32M_SIZEOF = 0x14;
    /** MSI capability size, 64-bit, no masking (QEMU hw/pci/msi.c PCI_MSI_64_SIZEOF). */
    public static final int PCI_MSI_64_SIZEOF = 0x0e;
    /** MSI capability size, 64-bit with masking (QEMU hw/pci/msi.c PCI_MSI_64M_SIZEOF). */
    public static final int PCI_MSI_64M_SIZEOF = 0x18;
    /** Most MSI vectors a function can have (QEMU hw/pci/msi.c PCI_MSI_VECTORS_MAX). */
    public static final int PCI_MSI_VECTORS_MAX = 32;

    /** MSI-X: table size minus one (PCI_MSIX_FLAGS_QSIZE). */
    public static final int PCI_MSIX_FLAGS_QSIZE = 0x07ff;
    /** MSI-X: function mask (PCI_MSIX_FLAGS_MASKALL). */
    public static final int PCI_MSIX_FLAGS_MASKALL = 0x4000;
    /** MSI-X: enable (PCI_MSIX_FLAGS_ENABLE). */
    public static final int PCI_MSIX_FLAGS_ENABLE = 0x8000;
    /** MSI-X: message control, 16 bits. */
    public static final int PCI_MSIX_FLAGS = 2;
    /** MSI-X: table offset and BAR indicator. */
    public static final int PCI_MSIX_TABLE = 4;
    /** MSI-X: PBA offset and BAR indicator. */
    public static final int PCI_MSIX_PBA = 8;
    /** MSI-X table/PBA: BAR indicator bits. */
    public static final int PCI_MSIX_BIR = 0x7;
    /** MSI-X table/PBA: offset bits (8-byte aligned). */
    public static final int PCI_MSIX_OFFSET = ~0x7;
    /** MSI-X table entry size. */
    public static final int PCI_MSIX_ENTRY_SIZE = 16;
    /** MSI-X entry: message address, low 32 bits. */
    public static final int PCI_MSIX_ENTRY_LOWER_ADDR = 0;
    /** MSI-X entry: message address, high 32 bits. */
    public static final int PCI_MSIX_ENTRY_UPPER_ADDR = 4;
    /** MSI-X entry: message data. */
    public static final int PCI_MSIX_ENTRY_DATA = 8;
    /** MSI-X entry: vector control. */
    public static final int PCI_MSIX_ENTRY_VECTOR_CTRL = 12;
    /** MSI-X vector control: the vector is masked (set after reset, PCI Local Bus Spec 3.0, 6.8.2.9). */
    public static final int PCI_MSIX_ENTRY_CTRL_MASKBIT = 1;

    /** PCI Express: capability version field of the flags (PCI_EXP_FLAGS_VERS). */
    public static final int PCI_EXP_FLAGS_VERS = 0x000f;
    /** PCIe capabilities: capability version 2. */
    public static final int PCI_EXP_FLAGS_VERS_2 = 0x0002;
    /** PCI Express: device/port type field of the flags (PCI_EXP_FLAGS_TYPE). */
    public static final int PCI_EXP_FLAGS_TYPE = 0x00f0;
    /** PCI Express: shift of the device/port type field (PCI_EXP_FLAGS_TYPE is bits 7:4). */
    public static final int PCI_EXP_FLAGS_TYPE_SHIFT = 4;
    /** PCI Express: slot implemented (PCI_EXP_FLAGS_SLOT). */
    public static final int PCI_EXP_FLAGS_SLOT = 0x0100;
    /** PCI Express: interrupt message number field (PCI_EXP_FLAGS_IRQ). */
    public static final int PCI_EXP_FLAGS_IRQ = 0x3e00;
    /** PCI Express: shift of the interrupt message number field (bits 13:9). */
    public static final int PCI_EXP_FLAGS_IRQ_SHIFT = 9;
    /** PCIe: capabilities register, 16 bits. */
    public static final int PCI_EXP_FLAGS = 2;
    /** Express Endpoint (PCI_EXP_TYPE_ENDPOINT). */
    public static final int PCI_EXP_TYPE_ENDPOINT = 0x0;
    /** Legacy Endpoint (PCI_EXP_TYPE_LEG_END). */
    public static final int PCI_EXP_TYPE_LEG_END = 0x1;
    /** Root Port (PCI_EXP_TYPE_ROOT_PORT). */
    public static final int PCI_EXP_TYPE_ROOT_PORT = 0x4;
    /** Upstream Port (PCI_EXP_TYPE_UPSTREAM). */
    public static final int PCI_EXP_TYPE_UPSTREAM = 0x5;
    /** Downstream Port (PCI_EXP_TYPE_DOWNSTREAM). */
    public static final int PCI_EXP_TYPE_DOWNSTREAM = 0x6;
    /** PCIe to PCI/PCI-X Bridge (PCI_EXP_TYPE_PCI_BRIDGE). */
    public static final int PCI_EXP_TYPE_PCI_BRIDGE = 0x7;
    /** PCI/PCI-X to PCIe Bridge (PCI_EXP_TYPE_PCIE_BRIDGE). */
    public static final int PCI_EXP_TYPE_PCIE_BRIDGE = 0x8;
    /** Root Complex Integrated Endpoint (PCI_EXP_TYPE_RC_END). */
    public static final int PCI_EXP_TYPE_RC_END = 0x9;
    /** Root Complex Event Collector (PCI_EXP_TYPE_RC_EC). */
    public static final int PCI_EXP_TYPE_RC_EC = 0xa;
    /** PCIe: device capabilities, 32 bits. */
    public static final int PCI_EXP_DEVCAP = 4;
    /** Device capabilities: Function Level Reset capable. */
    public static final int PCI_EXP_DEVCAP_FLR = 0x10000000;
    /** PCIe: device control, 16 bits. */
    public static final int PCI_EXP_DEVCTL = 8;
    /** PCIe: Link Control, 16 bits (PCI_EXP_LNKCTL). */
    public static final int PCI_EXP_LNKCTL = 0x10;
    /** PCIe: Device Control 2, 16 bits (PCI_EXP_DEVCTL2). */
    public static final int PCI_EXP_DEVCTL2 = 0x28;
    /** PCIe: Link Control 2, 16 bits (PCI_EXP_LNKCTL2). */
    public static final int PCI_EXP_LNKCTL2 = 0x30;
    /** Device control: correctable error reporting enable. */
    public static final int PCI_EXP_DEVCTL_CERE = 0x0001;
    /** Device control: non-fatal error reporting enable. */
    public static final int PCI_EXP_DEVCTL_NFERE = 0x0002;
    /** Device control: No Snoop enable. */
    public static final int PCI_EXP_DEVCTL_NOSNOOP_EN = 0x0800;
    /** Device control: fatal error reporting enable. */
    public static final int PCI_EXP_DEVCTL_FERE = 0x0004;
    /** Device control: unsupported request reporting enable. */
    public static final int PCI_EXP_DEVCTL_URRE = 0x0008;
    /** Device control: relaxed ordering enable. */
    public static final int PCI_EXP_DEVCTL_RELAX_EN = 0x0010;
    /** Device control: Max_Read_Request_Size. */
    public static final int PCI_EXP_DEVCTL_READRQ = 0x7000;
    /** Device control: Max_Read_Request_Size of 512 bytes, the reset default (PCI_EXP_DEVCTL_READRQ_512B). */
    public static final int PCI_EXP_DEVCTL_READRQ_512B = 0x2000;
    /** Device control: Max_Payload_Size. */
    public static final int PCI_EXP_DEVCTL_PAYLOAD = 0x00e0;
    /** Device control: Initiate Function Level Reset (reads as 0). */
    public static final int PCI_EXP_DEVCTL_BCR_FLR = 0x8000;
    /** PCIe: device status, 16 bits. */
    public static final int PCI_EXP_DEVSTA = 10;
    /** Device status: correctable error detected (W1C). */
    public static final int PCI_EXP_DEVSTA_CED = 0x0001;
    /** Device status: non-fatal error detected (W1C). */
    public static final int PCI_EXP_DEVSTA_NFED = 0x0002;
    /** Device status: fatal error detected (W1C). */
    public static final int PCI_EXP_DEVSTA_FED = 0x0004;
    /** Device status: unsupported request detected (W1C). */
    public static final int PCI_EXP_DEVSTA_URD = 0x0008;
    /** PCIe: link capabilities, 32 bits. */
    public static final int PCI_EXP_LNKCAP = 12;
    /** Link capabilities: supported speeds, 2.5 GT/s. */
    public static final int PCI_EXP_LNKCAP_SLS_2_5GB = 0x00000001;
    /** Link capabilities: maximum link width x1 (field PCI_EXP_LNKCAP_MLW = 0x3f0). */
    public static final int PCI_EXP_LNKCAP_MLW_X1 = 0x00000010;
    /** PCIe: link status, 16 bits. */
    public static final int PCI_EXP_LNKSTA = 18;
    /** Link status: current speed 2.5 GT/s. */
    public static final int PCI_EXP_LNKSTA_CLS_2_5GB = 0x0001;
    /** Link status: negotiated width x1. */
    public static final int PCI_EXP_LNKSTA_NLW_X1 = 0x0010;

    // ---- extended capabilities ---------------------------------------------------------------

    /** Mask of the ID in an extended capability header (PCI_EXT_CAP_ID). */
    public static final int PCI_EXT_CAP_ID_MASK = 0xffff;
    /** Shift of the version in an extended capability header (PCI_EXT_CAP_VER). */
    public static final int PCI_EXT_CAP_VER_SHIFT = 16;
    /** Mask of the version after shifting (PCI_EXT_CAP_VER). */
    public static final int PCI_EXT_CAP_VER_MASK = 0xf;
    /** Shift of the next pointer in an extended capability header (PCI_EXT_CAP_NEXT). */
    public static final int PCI_EXT_CAP_NEXT_SHIFT = 20;
    /** ARI capability register, 16 bits (PCI_ARI_CAP). */
    public static final int PCI_ARI_CAP = 0x04;
    /** ARI control register, 16 bits (PCI_ARI_CTRL). */
    public static final int PCI_ARI_CTRL = 0x06;
    /** ARI capability/control: MFVC function groups (PCI_ARI_CAP_MFVC, PCI_ARI_CTRL_MFVC). */
    public static final int PCI_ARI_MFVC = 0x0001;
    /** ARI capability/control: ACS function groups (PCI_ARI_CAP_ACS, PCI_ARI_CTRL_ACS). */
    public static final int PCI_ARI_ACS = 0x0002;
    /** ARI capability: the next function number, bits 15:8 (PCI_ARI_CAP_NFN). */
    public static final int PCI_ARI_CAP_NFN_SHIFT = 8;
    /** Width of the next function number. */
    public static final int PCI_ARI_CAP_NFN_MASK = 0xff;
    /** ARI control: the function group, bits 6:4 (PCI_ARI_CTRL_FG). */
    public static final int PCI_ARI_CTRL_FG_SHIFT = 4;
    /** Width of the function group. */
    public static final int PCI_ARI_CTRL_FG_MASK = 0x7;
    /** ACS capability register, 16 bits (PCI_ACS_CAP). */
    public static final int PCI_ACS_CAP = 0x04;
    /** ACS control register, 16 bits (PCI_ACS_CTRL). */
    public static final int PCI_ACS_CTRL = 0x06;
    /** ACS source validation (PCI_ACS_SV). */
    public static final int PCI_ACS_SV = 0x0001;
    /** ACS translation blocking (PCI_ACS_TB). */
    public static final int PCI_ACS_TB = 0x0002;
    /** ACS P2P request redirect (PCI_ACS_RR). */
    public static final int PCI_ACS_RR = 0x0004;
    /** ACS P2P completion redirect (PCI_ACS_CR). */
    public static final int PCI_ACS_CR = 0x0008;
    /** ACS upstream forwarding (PCI_ACS_UF). */
    public static final int PCI_ACS_UF = 0x0010;
    /** ACS P2P egress control (PCI_ACS_EC). */
    public static final int PCI_ACS_EC = 0x0020;
    /** ACS direct translated P2P (PCI_ACS_DT). */
    public static final int PCI_ACS_DT = 0x0040;
    /** Mask of the next pointer after shifting (PCI_EXT_CAP_NEXT). */
    public static final int PCI_EXT_CAP_NEXT_MASK = 0xffc;
    /** Minimum size of an extended capability: bounds the walk (drivers/pci/pci.c). */
    public static final int PCI_EXT_CAP_MIN_SIZE = 8;

    /** Null capability (PCI_EXT_CAP_ID_NULL; lspci's ls-ecaps.c). */
    public static final int PCI_EXT_CAP_ID_NULL = 0x00;
    /** Advanced Error Reporting (PCI_EXT_CAP_ID_ERR). */
    public static final int PCI_EXT_CAP_ID_ERR = 0x01;
    /** Virtual Channel (PCI_EXT_CAP_ID_VC). */
    public static final int PCI_EXT_CAP_ID_VC = 0x02;
    /** Device Serial Number (PCI_EXT_CAP_ID_DSN). */
    public static final int PCI_EXT_CAP_ID_DSN = 0x03;
    /** Power Budgeting (PCI_EXT_CAP_ID_PWR). */
    public static final int PCI_EXT_CAP_ID_PWR = 0x04;
    /** Virtual Channel when MFVC is present (PCI_EXT_CAP_ID_VC9). */
    public static final int PCI_EXT_CAP_ID_VC9 = 0x09;
    /** Vendor-Specific (PCI_EXT_CAP_ID_VNDR). */
    public static final int PCI_EXT_CAP_ID_VNDR = 0x0b;
    /** Access Control Services (PCI_EXT_CAP_ID_ACS). */
    public static final int PCI_EXT_CAP_ID_ACS = 0x0d;
    /** Alternative Routing-ID Interpretation (PCI_EXT_CAP_ID_ARI). */
    public static final int PCI_EXT_CAP_ID_ARI = 0x0e;
    /** Address Translation Services (PCI_EXT_CAP_ID_ATS). */
    public static final int PCI_EXT_CAP_ID_ATS = 0x0f;
    /** Single Root I/O Virtualization (PCI_EXT_CAP_ID_SRIOV). */
    public static final int PCI_EXT_CAP_ID_SRIOV = 0x10;
    /** Multicast (PCI_EXT_CAP_ID_MCAST). */
    public static final int PCI_EXT_CAP_ID_MCAST = 0x12;
    /** Page Request Interface (PCI_EXT_CAP_ID_PRI). */
    public static final int PCI_EXT_CAP_ID_PRI = 0x13;
    /** Resizable BAR (PCI_EXT_CAP_ID_REBAR). */
    public static final int PCI_EXT_CAP_ID_REBAR = 0x15;
    /** TPH Requester (PCI_EXT_CAP_ID_TPH). */
    public static final int PCI_EXT_CAP_ID_TPH = 0x17;
    /** Latency Tolerance Reporting (PCI_EXT_CAP_ID_LTR). */
    public static final int PCI_EXT_CAP_ID_LTR = 0x18;
    /** Secondary PCIe Capability (PCI_EXT_CAP_ID_SECPCI). */
    public static final int PCI_EXT_CAP_ID_SECPCI = 0x19;
    /** Process Address Space ID (PCI_EXT_CAP_ID_PASID). */
    public static final int PCI_EXT_CAP_ID_PASID = 0x1b;
    /** Downstream Port Containment (PCI_EXT_CAP_ID_DPC). */
    public static final int PCI_EXT_CAP_ID_DPC = 0x1d;
    /** L1 PM Substates (PCI_EXT_CAP_ID_L1SS). */
    public static final int PCI_EXT_CAP_ID_L1SS = 0x1e;
    /** Precision Time Measurement (PCI_EXT_CAP_ID_PTM). */
    public static final int PCI_EXT_CAP_ID_PTM = 0x1f;
    /** Designated Vendor-Specific (PCI_EXT_CAP_ID_DVSEC). */
    public static final int PCI_EXT_CAP_ID_DVSEC = 0x23;
    /** SR-IOV capability size. */
    public static final int PCI_EXT_CAP_SRIOV_SIZEOF = 64;

    /** SR-IOV: capabilities register (PCI_SRIOV_CAP). */
    public static final int PCI_SRIOV_CAP = 0x04;
    /** SR-IOV capability version 1 (PCI SR-IOV spec 1.1, 3.3.1). */
    public static final int PCI_SRIOV_CAP_VERSION = 1;
    /** SR-IOV: control register (PCI_SRIOV_CTRL). */
    public static final int PCI_SRIOV_CTRL = 0x08;
    /** SR-IOV control: VF Enable (PCI_SRIOV_CTRL_VFE). */
    public static final int PCI_SRIOV_CTRL_VFE = 0x01;
    /** SR-IOV control: VF Memory Space Enable (PCI_SRIOV_CTRL_MSE). */
    public static final int PCI_SRIOV_CTRL_MSE = 0x08;
    /** SR-IOV control: ARI Capable Hierarchy. */
    public static final int PCI_SRIOV_CTRL_ARI = 0x10;
    /** SR-IOV: InitialVFs (PCI_SRIOV_INITIAL_VF). */
    public static final int PCI_SRIOV_INITIAL_VF = 0x0c;
    /** SR-IOV: TotalVFs (PCI_SRIOV_TOTAL_VF). */
    public static final int PCI_SRIOV_TOTAL_VF = 0x0e;
    /** SR-IOV: NumVFs (PCI_SRIOV_NUM_VF). */
    public static final int PCI_SRIOV_NUM_VF = 0x10;
    /** SR-IOV: number of VF BARs. */
    public static final int PCI_SRIOV_NUM_BARS = 6;
    /** SR-IOV: First VF Offset (PCI_SRIOV_VF_OFFSET). */
    public static final int PCI_SRIOV_VF_OFFSET = 0x14;
    /** SR-IOV: VF Stride (PCI_SRIOV_VF_STRIDE). */
    public static final int PCI_SRIOV_VF_STRIDE = 0x16;
    /** SR-IOV: VF Device ID (PCI_SRIOV_VF_DID). */
    public static final int PCI_SRIOV_VF_DID = 0x1a;
    /** SR-IOV: status, 16 bits. */
    public static final int PCI_SRIOV_STATUS = 0x0a;
    /** SR-IOV: supported page sizes, 32 bits. */
    public static final int PCI_SRIOV_SUP_PGSIZE = 0x1c;
    /** SR-IOV: system page size, 32 bits. */
    public static final int PCI_SRIOV_SYS_PGSIZE = 0x20;
    /** SR-IOV: function dependency link, 8 bits. */
    public static final int PCI_SRIOV_FUNC_LINK = 0x12;
    /** SR-IOV: VF BAR0; VF BARs follow like the header's BARs. */
    public static final int PCI_SRIOV_BAR = 0x24;
    /** SR-IOV page size bit for 4 KiB pages (PCI SR-IOV spec 1.1, 3.3.12: bit n = 2^(n+12)). */
    public static final int PCI_SRIOV_PGSIZE_4K = 0x1;

    // ---- class codes -------------------------------------------------------------------------

    /** Shift of the base class within the 24-bit class code (include/linux/pci_ids.h layout). */
    public static final int PCI_CLASS_BASE_SHIFT = 16;
    /** Shift of the subclass within the 24-bit class code. */
    public static final int PCI_CLASS_SUB_SHIFT = 8;
    /** Mask of one byte of the class code (base class, subclass or prog-if). */
    public static final int PCI_CLASS_BYTE_MASK = 0xff;
    /** Mask of the 24-bit class code (base, sub, prog-if; include/linux/pci.h, pci_dev.class). */
    public static final int PCI_CLASS_MASK_24 = 0xffffff;
    /** Class mask of the base class only, as PCI_DEVICE_CLASS(PCI_BASE_CLASS_x << 16, 0xff0000) tables use. */
    public static final int PCI_CLASS_MASK_BASE = 0xff0000;
    /** Class mask of base class and subclass, ignoring the programming interface (e.g. nova-core's table). */
    public static final int PCI_CLASS_MASK_BASE_SUB = 0xffff00;
    /** Mask of a 16-bit config register value. */
    public static final int PCI_WORD_MASK = 0xffff;
    /** Mask of an 8-bit config register value. */
    public static final int PCI_BYTE_MASK = 0xff;
}
