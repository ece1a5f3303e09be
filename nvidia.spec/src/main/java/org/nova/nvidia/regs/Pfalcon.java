package org.nova.nvidia.regs;

import static org.nova.nvidia.regs.Register.Space.PFALCON;

/**
 * PFALCON: the registers of a falcon engine, relative to its {@link FalconEngine#base()}
 * (GSP 0x110000, SEC2 0x840000). Source: nova-core regs.rs ({@code NV_PFALCON_*}) and falcon.rs.
 */
public final class Pfalcon {
    private static final String SRC = "nova-core regs.rs (PFALCON)";

    /** Interrupt status clear. */
    public static final Register IRQSCLR = Register.falcon(PFALCON, "NV_PFALCON_FALCON_IRQSCLR",
            0x004, "Interrupt status clear", SRC);
    /** Clear the halt interrupt. */
    public static final Field IRQSCLR_HALT = IRQSCLR.field(4, 4, "halt", "Clear HALT interrupt");
    /** Clear software interrupt 0 (the GSP's message-queue signal). */
    public static final Field IRQSCLR_SWGEN0 = IRQSCLR.field(6, 6, "swgen0",
            "Clear SWGEN0 interrupt");

    /** Mailbox 0: argument in, result out (0 = success for FWSEC and the booter). */
    public static final Register MAILBOX0 = Register.falcon(PFALCON, "NV_PFALCON_FALCON_MAILBOX0",
            0x040, "Mailbox 0", SRC);
    /** Mailbox 0 value. */
    public static final Field MAILBOX0_VALUE = MAILBOX0.field(31, 0, "value", "Mailbox value");
    /**
     * GSP-RM's report that it suspended after UNLOADING_GUEST_DRIVER, which the driver polls before
     * FWSEC-SB and booter_unload touch the GSP (LIBOS_INTERRUPT_PROCESSOR_SUSPENDED, bit 31 of the
     * GSP falcon's MAILBOX0: nova-core gsp/boot.rs shutdown_gsp).
     */
    public static final Field MAILBOX0_LIBOS_PROCESSOR_SUSPENDED = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_MAILBOX0_LIBOS", MAILBOX0.offset(),
            "Mailbox 0 of the GSP falcon as LibOS reports in it",
            "nova-core gsp/boot.rs shutdown_gsp (LIBOS_INTERRUPT_PROCESSOR_SUSPENDED)")
            .field(31, 31, "processor_suspended", "GSP-RM suspended (LIBOS_INTERRUPT_PROCESSOR_SUSPENDED)");
    /** Mailbox 1. */
    public static final Register MAILBOX1 = Register.falcon(PFALCON, "NV_PFALCON_FALCON_MAILBOX1",
            0x044, "Mailbox 1", SRC);
    /** Mailbox 1 value. */
    public static final Field MAILBOX1_VALUE = MAILBOX1.field(31, 0, "value", "Mailbox value");

    /** Version information about the firmware running on the falcon. */
    public static final Register OS = Register.falcon(PFALCON, "NV_PFALCON_FALCON_OS", 0x080,
            "Version of the firmware running on the falcon", SRC);
    /** Written by the driver with BOOT_0 after a reset (falcon.rs {@code reset}). */
    public static final Register RM = Register.falcon(PFALCON, "NV_PFALCON_FALCON_RM", 0x084,
            "Written with NV_PMC_BOOT_0 by the driver after reset", SRC);

    /** Hardware configuration 2: RISC-V presence, scrubbing, reset readiness. */
    public static final Register HWCFG2 = Register.falcon(PFALCON, "NV_PFALCON_FALCON_HWCFG2",
            0x0f4, "Hardware configuration 2", SRC);
    /** The controller has a RISC-V core (Peregrine). */
    public static final Field HWCFG2_RISCV = HWCFG2.field(10, 10, "riscv",
            "Controller has a RISC-V core");
    /** Memory scrubbing in progress; 0 once done. */
    public static final Field HWCFG2_MEM_SCRUBBING = HWCFG2.field(12, 12, "mem_scrubbing",
            "Set to 0 after memory scrubbing is completed");
    /** Reset completed (GA102+). */
    /**
     * RISC-V branch privilege lockdown: set while the GSP is locked down to the FSP's chain of
     * trust; GSP-FMC clears it once GSP-RM may be talked to (nova-core falcon/regs.rs,
     * falcon/gsp.rs riscv_branch_privilege_lockdown; gsp/hal/gh100.rs polls it).
     */
    public static final Field HWCFG2_RISCV_BR_PRIV_LOCKDOWN = HWCFG2.field(13, 13, "riscv_br_priv_lockdown",
            "RISC-V branch privilege lockdown");
    /**
     * What a read of a GSP register returns while the PRIV target mask still locks it to the FSP:
     * this pattern in the upper 24 bits, the low byte varying (nova-core falcon/gsp.rs
     * priv_target_mask_released LOCKED_PATTERN).
     */
    public static final int PRIV_TARGET_LOCKED_PATTERN = 0xbadf_4100;
    /** The bits of a read that carry {@link #PRIV_TARGET_LOCKED_PATTERN} (falcon/gsp.rs LOCKED_MASK). */
    public static final int PRIV_TARGET_LOCKED_MASK = 0xffff_ff00;
    public static final Field HWCFG2_RESET_READY = HWCFG2.field(31, 31, "reset_ready",
            "Signal indicating that reset is completed (GA102+)");

    /** CPU control. */
    public static final Register CPUCTL = Register.falcon(PFALCON, "NV_PFALCON_FALCON_CPUCTL",
            0x100, "CPU control", SRC);
    /** Write 1 to start the CPU. */
    public static final Field CPUCTL_STARTCPU = CPUCTL.field(1, 1, "startcpu", "Start the CPU");
    /** The CPU is halted. */
    public static final Field CPUCTL_HALTED = CPUCTL.field(4, 4, "halted", "CPU halted");
    /** CPUCTL is aliased: start through {@link #CPUCTL_ALIAS} instead. */
    public static final Field CPUCTL_ALIAS_EN = CPUCTL.field(6, 6, "alias_en",
            "Start the CPU through CPUCTL_ALIAS");

    /** Boot vector: the IMEM address the CPU starts at. */
    public static final Register BOOTVEC = Register.falcon(PFALCON, "NV_PFALCON_FALCON_BOOTVEC",
            0x104, "Boot vector", SRC);
    /** Boot vector value. */
    public static final Field BOOTVEC_VALUE = BOOTVEC.field(31, 0, "value", "Boot address");

    /** DMA control and scrubbing status. */
    public static final Register DMACTL = Register.falcon(PFALCON, "NV_PFALCON_FALCON_DMACTL",
            0x10c, "DMA control", SRC);
    /** DMA requires a context. */
    public static final Field DMACTL_REQUIRE_CTX = DMACTL.field(0, 0, "require_ctx",
            "DMA requires a context");
    /** DMEM scrubbing in progress. */
    public static final Field DMACTL_DMEM_SCRUBBING = DMACTL.field(1, 1, "dmem_scrubbing",
            "DMEM scrubbing in progress");
    /** IMEM scrubbing in progress. */
    public static final Field DMACTL_IMEM_SCRUBBING = DMACTL.field(2, 2, "imem_scrubbing",
            "IMEM scrubbing in progress");
    /** Number of DMA queues. */
    public static final Field DMACTL_DMAQ_NUM = DMACTL.field(6, 3, "dmaq_num", "DMA queue count");
    /** Secure status. */
    public static final Field DMACTL_SECURE_STAT = DMACTL.field(7, 7, "secure_stat",
            "Secure status");

    /** DMA transfer: source base address bits 39:8. */
    public static final Register DMATRFBASE = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_DMATRFBASE", 0x110, "DMA base address >> 8", SRC);
    /** Base address bits 39:8. */
    public static final Field DMATRFBASE_BASE = DMATRFBASE.field(31, 0, "base",
            "DMA base address bits 39:8");
    /** DMA transfer: offset in falcon memory (IMEM/DMEM). */
    public static final Register DMATRFMOFFS = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_DMATRFMOFFS", 0x114, "DMA destination offset in IMEM/DMEM", SRC);
    /** Falcon memory offset. */
    public static final Field DMATRFMOFFS_OFFS = DMATRFMOFFS.field(23, 0, "offs",
            "Offset in falcon memory");
    /** DMA transfer command: writing it starts a transfer. */
    public static final Register DMATRFCMD = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_DMATRFCMD", 0x118, "DMA transfer command", SRC);
    /** Queue full. */
    public static final Field DMATRFCMD_FULL = DMATRFCMD.field(0, 0, "full", "Queue full");
    /** Transfer engine idle (poll for completion). */
    public static final Field DMATRFCMD_IDLE = DMATRFCMD.field(1, 1, "idle", "Engine idle");
    /** Secure transfer (1 = into secure IMEM). */
    public static final Field DMATRFCMD_SEC = DMATRFCMD.field(3, 2, "sec", "Secure transfer");
    /** Target IMEM (1) or DMEM (0). */
    public static final Field DMATRFCMD_IMEM = DMATRFCMD.field(4, 4, "imem", "Target is IMEM");
    /** Direction: write to external memory. */
    public static final Field DMATRFCMD_IS_WRITE = DMATRFCMD.field(5, 5, "is_write",
            "Falcon memory to external memory");
    /** Transfer size code, {@link #DMATRFCMD_SIZE_256B}. */
    public static final Field DMATRFCMD_SIZE = DMATRFCMD.field(10, 8, "size",
            "Transfer size code");
    /** DMA context index. */
    public static final Field DMATRFCMD_CTXDMA = DMATRFCMD.field(14, 12, "ctxdma",
            "DMA context");
    /** Set the DMA tag. */
    public static final Field DMATRFCMD_SET_DMTAG = DMATRFCMD.field(16, 16, "set_dmtag",
            "Set DMA tag");
    /** Size code for a 256-byte transfer, the only one nova-core uses (falcon.rs DmaTrfCmdSize). */
    public static final int DMATRFCMD_SIZE_256B = 0x6;
    /** Bytes moved by one DMA transfer. */
    public static final int DMA_TRANSFER_BYTES = 256;

    /** DMA transfer: offset from the base in external memory. */
    public static final Register DMATRFFBOFFS = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_DMATRFFBOFFS", 0x11c, "DMA source offset from base", SRC);
    /** External memory offset. */
    public static final Field DMATRFFBOFFS_OFFS = DMATRFFBOFFS.field(31, 0, "offs",
            "Offset in external memory");
    /** DMA transfer: base address bits 48:40. */
    public static final Register DMATRFBASE1 = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_DMATRFBASE1", 0x128, "DMA base address >> 40", SRC);
    /** Base address bits 48:40. */
    public static final Field DMATRFBASE1_BASE = DMATRFBASE1.field(8, 0, "base",
            "DMA base address bits 48:40");

    /** Hardware configuration 1: core revision and security model. */
    public static final Register HWCFG1 = Register.falcon(PFALCON, "NV_PFALCON_FALCON_HWCFG1",
            0x12c, "Hardware configuration 1", SRC);
    /** Core revision, 1..7. */
    public static final Field HWCFG1_CORE_REV = HWCFG1.field(3, 0, "core_rev", "Core revision");
    /** Security model: 0 none, 2 light-secure, 3 heavy-secure. */
    public static final Field HWCFG1_SECURITY_MODEL = HWCFG1.field(5, 4, "security_model",
            "Security model");
    /** Core revision subversion. */
    public static final Field HWCFG1_CORE_REV_SUBVERSION = HWCFG1.field(7, 6,
            "core_rev_subversion", "Core revision subversion");
    /** Security model: none. */
    public static final int SECURITY_MODEL_NONE = 0;
    /** Security model: light-secure (LS, PL2). */
    public static final int SECURITY_MODEL_LIGHT = 2;
    /** Security model: heavy-secure (HS, PL3). */
    public static final int SECURITY_MODEL_HEAVY = 3;

    /** CPU control alias, used when {@link #CPUCTL_ALIAS_EN} is set. */
    public static final Register CPUCTL_ALIAS = Register.falcon(PFALCON,
            "NV_PFALCON_FALCON_CPUCTL_ALIAS", 0x130, "CPU control alias", SRC);
    /** Start the CPU through the alias. */
    public static final Field CPUCTL_ALIAS_STARTCPU = CPUCTL_ALIAS.field(1, 1, "startcpu",
            "Start the CPU");

    /** IMEM access control, 4 ports 16 bytes apart. */
    public static final Register IMEMC = Register.falconArray(PFALCON, "NV_PFALCON_FALCON_IMEMC",
            0x180, 4, 16, "IMEM access control (port)", SRC);
    /** IMEM block and word offset. */
    public static final Field IMEMC_OFFS = IMEMC.field(15, 0, "offs", "IMEM block and word offset");
    /** Auto-increment on write. */
    public static final Field IMEMC_AINCW = IMEMC.field(24, 24, "aincw", "Auto-increment on write");
    /** Access secure IMEM. */
    public static final Field IMEMC_SECURE = IMEMC.field(28, 28, "secure", "Access secure IMEM");
    /** IMEM data at the IMEMC address. */
    public static final Register IMEMD = Register.falconArray(PFALCON, "NV_PFALCON_FALCON_IMEMD",
            0x184, 4, 16, "IMEM data (port)", SRC);
    /** IMEM tag for the current block. */
    public static final Register IMEMT = Register.falconArray(PFALCON, "NV_PFALCON_FALCON_IMEMT",
            0x188, 4, 16, "IMEM tag (port)", SRC);
    /** IMEM tag value. */
    public static final Field IMEMT_TAG = IMEMT.field(15, 0, "tag", "IMEM block tag");
    /** DMEM access control, 8 ports 8 bytes apart. */
    public static final Register DMEMC = Register.falconArray(PFALCON, "NV_PFALCON_FALCON_DMEMC",
            0x1c0, 8, 8, "DMEM access control (port)", SRC);
    /** DMEM block and word offset. */
    public static final Field DMEMC_OFFS = DMEMC.field(15, 0, "offs", "DMEM block and word offset");
    /** Auto-increment on write. */
    public static final Field DMEMC_AINCW = DMEMC.field(24, 24, "aincw", "Auto-increment on write");
    /** DMEM data at the DMEMC address. */
    public static final Register DMEMD = Register.falconArray(PFALCON, "NV_PFALCON_FALCON_DMEMD",
            0x1c4, 8, 8, "DMEM data (port)", SRC);

    /** Engine reset (NV_PGSP_FALCON_ENGINE / NV_PSEC_FALCON_ENGINE). */
    public static final Register ENGINE = Register.falcon(PFALCON, "NV_PFALCON_FALCON_ENGINE",
            0x3c0, "Engine reset control", SRC);
    /** Hold the engine in reset while set. */
    public static final Field ENGINE_RESET = ENGINE.field(0, 0, "reset", "Engine in reset");
    /** How long nova-core holds the reset, in microseconds. */
    public static final int ENGINE_RESET_DELAY_US = 10;

    /** Framebuffer interface transfer configuration, 8 contexts. */
    public static final Register FBIF_TRANSCFG = Register.falconArray(PFALCON,
            "NV_PFALCON_FBIF_TRANSCFG", 0x600, 8, 4, "FBIF aperture per DMA context", SRC);
    /** Target: 0 local FB, 1 coherent sysmem, 2 non-coherent sysmem. */
    public static final Field FBIF_TRANSCFG_TARGET = FBIF_TRANSCFG.field(1, 0, "target",
            "DMA target aperture");
    /** Memory type: 0 virtual, 1 physical. */
    public static final Field FBIF_TRANSCFG_MEM_TYPE = FBIF_TRANSCFG.field(2, 2, "mem_type",
            "Physical (1) or virtual (0) addresses");
    /** FBIF memory type: physical addresses (falcon.rs FalconFbifMemType::Physical; since 1.3.0). */
    public static final int FBIF_MEM_TYPE_PHYSICAL = 1;
    /** FBIF target: local framebuffer (VRAM). */
    public static final int FBIF_TARGET_LOCAL_FB = 0;
    /** FBIF target: coherent system memory. */
    public static final int FBIF_TARGET_COHERENT_SYSMEM = 1;
    /** FBIF target: non-coherent system memory. */
    public static final int FBIF_TARGET_NONCOHERENT_SYSMEM = 2;

    /** Framebuffer interface control. */
    public static final Register FBIF_CTL = Register.falcon(PFALCON, "NV_PFALCON_FBIF_CTL", 0x624,
            "FBIF control", SRC);
    /** Allow physical addressing without a context. */
    public static final Field FBIF_CTL_ALLOW_PHYS_NO_CTX = FBIF_CTL.field(7, 7,
            "allow_phys_no_ctx", "Allow physical DMA without a context");

    private Pfalcon() {
    }
}
