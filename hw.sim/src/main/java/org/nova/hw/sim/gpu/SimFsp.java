package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fsp.FspChipFacts;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fsp.GspFmcBootParams;
import org.nova.nvidia.fsp.Mctp;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.regs.Pfsp;
import org.nova.nvidia.regs.Register;

/**
 * The FSP of a Hopper or Blackwell GPU and the GSP-FMC it boots, as nova-core's FSP boot path
 * (fsp.rs, falcon/fsp.rs, mctp.rs, gsp/hal/gh100.rs, newest stored versions @637315cb) drives them:
 *
 * <ul>
 *   <li>after reset the FSP's secure boot completes and it reports
 *       {@link Pfsp#FSP_BOOT_COMPLETE_STATUS_SUCCESS} in the chip's thermal scratch register
 *       (GH100 and GB10x: {@link Pfsp#THERM_I2CS_SCRATCH_GH100}; GB20x: {@link Pfsp#THERM_I2CS_SCRATCH_GB202});
 *       with the {@link GpuFault#FSP_BOOT_HANG} fault it never does (and with {@link GpuFault#GSP_FMC_HANG}
 *       GSP-FMC never runs after an accepted chain of trust);</li>
 *   <li>{@value #EMEM_BYTES} bytes of EMEM for channel 0 behind the EMEMC/EMEMD port (block and
 *       offset, auto-increment on write and on read); writes outside it are dropped;</li>
 *   <li>the driver's write of QUEUE_HEAD hands it the message from QUEUE_HEAD to QUEUE_TAIL + 4;
 *       it checks the MCTP header (a single packet, else the message is dropped without a reply,
 *       as an FSP waiting for the rest of a multi-packet message would), the NVDM header (vendor
 *       message from NVIDIA of type COT), the size, the COT version of the chip, that no GSP-RM runs,
 *       the FRTS placement, the FMC image it reads from system memory (its SHA-384 against the
 *       message's hash and the trusted FMC's), the public key and the signature against the
 *       trusted FMC ({@link TrustedFirmware}: the simulator's trust root, as for the booter); a
 *       refusal is a command response with one of the {@code ERR_} codes below (the simulator's
 *       own: NVIDIA's are not public) and no boot;</li>
 *   <li>on acceptance it answers with error 0 in the message queue (MSGQ_TAIL = the reply's last
 *       word), locks the GSP falcon to itself with the boot parameters' address in its mailboxes,
 *       and runs GSP-FMC: it reads GSP_FMC_BOOT_PARAMS, checks the targets, sizes and the WPR
 *       metadata's magic, revision and framebuffer size, the GSP image, bootloader and signatures it
 *       points at against the trusted firmware (as booter_load does on the other chips), starts GSP-RM with the LibOS arguments, clears the mailboxes
 *       and releases the lockdown; a refusal leaves an {@code FMC_ERR_} code in MAILBOX0 and the
 *       lockdown set.</li>
 * </ul>
 *
 * <p>Where this is simpler than the hardware: the FSP does not place FRTS in VRAM (it checks the
 * placement only) and GSP-FMC runs at once, within the QUEUE_HEAD write.
 *
 * <p>Threading: register accesses and resets come with the function's lock held.
 */
public final class SimFsp implements Bar0Unit {
    /** Bytes of channel 0's EMEM the simulator models (the COT message is 868). */
    static final int EMEM_BYTES = 1024;
    /** Task id the simulated FSP answers from. */
    static final int TASK_ID = 1;
    /** COT refused: the NVDM header is not an NVIDIA vendor message of type COT. */
    public static final int ERR_NVDM_TYPE = 0x0000_f501;
    /** COT refused: the message or its size field is not the COT payload's size (truncated or padded). */
    public static final int ERR_SIZE = 0x0000_f502;
    /** COT refused: the COT version is not the chip's. */
    public static final int ERR_VERSION = 0x0000_f503;
    /** COT refused: the FMC image's SHA-384 is not the message's hash, or not the trusted FMC's. */
    public static final int ERR_HASH = 0x0000_f504;
    /** COT refused: the public key or the signature is not the trusted FMC's. */
    public static final int ERR_SIGNATURE = 0x0000_f505;
    /** COT refused: the FRTS placement is not one the FSP can carve out. */
    public static final int ERR_FRTS = 0x0000_f506;
    /** COT refused: the FMC image or the boot parameters are not readable by DMA. */
    public static final int ERR_DMA = 0x0000_f507;
    /** COT refused: GSP-RM still runs (the previous driver did not unload it). */
    public static final int ERR_GSP_RUNNING = 0x0000_f508;
    /** COT refused: the FSP has no trusted FMC for the chip. */
    public static final int ERR_NO_FIRMWARE = 0x0000_f509;
    /** GSP-FMC's MAILBOX0 when the GSP_FMC_BOOT_PARAMS or the WPR metadata they point at are wrong. */
    public static final int FMC_ERR_BOOT_PARAMS = 0x0000_f601;
    /**
     * GSP-FMC's MAILBOX0 when the GSP image, bootloader or signatures the WPR metadata points at are
     * not the trusted firmware's (the check booter_load makes on the other chips, {@link SimBooter}).
     */
    public static final int FMC_ERR_GSP_IMAGE = 0x0000_f602;

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int WORD = 4;

    private final NvidiaGpu gpu;
    private final TrustedFirmware trusted;
    private final SimFalcon gspFalcon;
    private final SimGspBoot gspBoot;
    private final SimFb fb;
    private final SimBooter booter;
    private final Register bootStatus;
    private final byte[] emem = new byte[EMEM_BYTES];
    private int ememc;
    private final int[] queueHead = new int[Pfsp.CHANNELS];
    private final int[] queueTail = new int[Pfsp.CHANNELS];
    private final int[] msgqHead = new int[Pfsp.CHANNELS];
    private final int[] msgqTail = new int[Pfsp.CHANNELS];
    private int bootStatusValue;
    /** COT messages accepted since power-on (for tests and diagnostics). */
    private int accepted;

    SimFsp(NvidiaGpu gpu, TrustedFirmware trusted, SimFalcon gspFalcon, SimGspBoot gspBoot, SimFb fb,
            SimBooter booter) {
        this.gpu = gpu;
        this.booter = booter;
        this.trusted = trusted;
        this.gspFalcon = gspFalcon;
        this.gspBoot = gspBoot;
        this.fb = fb;
        this.bootStatus = gpu.architecture() == Architecture.BLACKWELL_GB20X ? Pfsp.THERM_I2CS_SCRATCH_GB202
                : Pfsp.THERM_I2CS_SCRATCH_GH100;
        powerOn();
    }

    /** Power-on or reset: EMEM and the queues cleared, secure boot completes (unless the fault holds it). */
    void powerOn() {
        Arrays.fill(emem, (byte) 0);
        ememc = 0;
        Arrays.fill(queueHead, 0);
        Arrays.fill(queueTail, 0);
        Arrays.fill(msgqHead, 0);
        Arrays.fill(msgqTail, 0);
        bootStatusValue = gpu.options().fault() == GpuFault.FSP_BOOT_HANG ? 0 : Pfsp.FSP_BOOT_COMPLETE_STATUS_SUCCESS;
        accepted = 0;
    }

    /** @return the COT messages accepted since power-on */
    int accepted() {
        return accepted;
    }

    @Override
    public boolean decodes(int off) {
        return off == Pfsp.EMEMC.address() || off == Pfsp.EMEMD.address() || off == bootStatus.address()
                || Pfsp.QUEUE_HEAD.indexAt(off) >= 0 || Pfsp.QUEUE_TAIL.indexAt(off) >= 0
                || Pfsp.MSGQ_HEAD.indexAt(off) >= 0 || Pfsp.MSGQ_TAIL.indexAt(off) >= 0;
    }

    @Override
    public int read(int off) {
        if (off == Pfsp.EMEMC.address()) {
            return ememc;
        } else if (off == Pfsp.EMEMD.address()) {
            int at = Pfsp.ememAddress(ememc);
            int v = at + WORD <= EMEM_BYTES ? MemorySegment.ofArray(emem).get(LE32, at) : 0;
            if (Pfsp.EMEMC_AINCR.isSet(ememc)) {
                advance();
            }
            return v;
        } else if (off == bootStatus.address()) {
            return bootStatusValue;
        }
        int i;
        if ((i = Pfsp.QUEUE_HEAD.indexAt(off)) >= 0) {
            return queueHead[i];
        } else if ((i = Pfsp.QUEUE_TAIL.indexAt(off)) >= 0) {
            return queueTail[i];
        } else if ((i = Pfsp.MSGQ_HEAD.indexAt(off)) >= 0) {
            return msgqHead[i];
        }
        return msgqTail[Pfsp.MSGQ_TAIL.indexAt(off)];
    }

    @Override
    public void write(int off, int value) {
        if (off == Pfsp.EMEMC.address()) {
            ememc = value;
            return;
        } else if (off == Pfsp.EMEMD.address()) {
            int at = Pfsp.ememAddress(ememc);
            if (at + WORD <= EMEM_BYTES) {
                MemorySegment.ofArray(emem).set(LE32, at, value);
            } else {
                gpu.log("FSP: EMEM write at 0x{} past its {} bytes dropped", Integer.toHexString(at), EMEM_BYTES);
            }
            if (Pfsp.EMEMC_AINCW.isSet(ememc)) {
                advance();
            }
            return;
        } else if (off == bootStatus.address()) {
            return; // written by the FSP only
        }
        int i;
        if ((i = Pfsp.QUEUE_HEAD.indexAt(off)) >= 0) {
            queueHead[i] = value;
            if (i == Pfsp.CHANNEL_RM) {
                receive();
            }
        } else if ((i = Pfsp.QUEUE_TAIL.indexAt(off)) >= 0) {
            queueTail[i] = value;
        } else if ((i = Pfsp.MSGQ_HEAD.indexAt(off)) >= 0) {
            msgqHead[i] = value;
        } else {
            msgqTail[Pfsp.MSGQ_TAIL.indexAt(off)] = value;
        }
    }

    /** EMEMC's offset moves to the next word, into the next block past a block's end. */
    private void advance() {
        int next = Pfsp.ememAddress(ememc) + WORD;
        int keep = ememc & ~(Pfsp.EMEMC_BLK.mask() | Pfsp.EMEMC_OFFS.mask());
        ememc = keep | Pfsp.EMEMC_BLK.of(next / Pfsp.EMEM_BLOCK_BYTES)
                | Pfsp.EMEMC_OFFS.of((next % Pfsp.EMEM_BLOCK_BYTES) / WORD);
    }

    /** The driver handed over the message between QUEUE_HEAD and QUEUE_TAIL of channel 0. */
    private void receive() {
        if (gpu.options().fault() == GpuFault.FSP_BOOT_HANG) {
            gpu.log("FSP: a message before secure boot completed: ignored");
            return;
        }
        int head = queueHead[Pfsp.CHANNEL_RM];
        int tail = queueTail[Pfsp.CHANNEL_RM];
        if (tail < head || (long) tail + WORD > EMEM_BYTES || head % WORD != 0 || tail % WORD != 0) {
            gpu.log("FSP: command queue head 0x{} tail 0x{} do not frame a message in EMEM: dropped",
                    Integer.toHexString(head), Integer.toHexString(tail));
            return;
        }
        byte[] msg = Arrays.copyOfRange(emem, head, tail + WORD);
        if (msg.length < Mctp.HEADERS_SIZE) {
            gpu.log("FSP: a {}-byte message has no MCTP and NVDM headers: dropped", msg.length);
            return;
        }
        MemorySegment m = MemorySegment.ofArray(msg);
        int mctp = m.get(LE32, 0);
        int nvdm = m.get(LE32, WORD);
        if (!Mctp.isSinglePacket(mctp) || (mctp & Mctp.MCTP_SEQ_MASK) != 0) {
            gpu.log("FSP: {}: not a single-packet message (SOM/EOM, sequence 0): it waits for more packets, "
                    + "no reply", Mctp.describe(mctp, nvdm));
            return;
        }
        if (!Mctp.nvdmValid(nvdm, Mctp.NVDM_TYPE_COT)) {
            gpu.log("FSP: {}: not an NVIDIA vendor-defined COT message", Mctp.describe(mctp, nvdm));
            reply(Mctp.nvdmType(nvdm), ERR_NVDM_TYPE);
            return;
        }
        reply(Mctp.NVDM_TYPE_COT, chainOfTrust(Arrays.copyOfRange(msg, Mctp.HEADERS_SIZE, msg.length)));
    }

    /** @return 0 when the COT was accepted and GSP-FMC ran, else the error code */
    private int chainOfTrust(byte[] payload) {
        if (payload.length != FspCot.PAYLOAD_SIZE) {
            gpu.log("FSP: COT payload of {} bytes, expected {}", payload.length, FspCot.PAYLOAD_SIZE);
            return ERR_SIZE;
        }
        FspCot.Cot cot;
        try {
            cot = FspCot.Cot.parsePayload("COT message", payload);
        } catch (FormatException e) {
            gpu.log("FSP: {}", e.getMessage());
            return ERR_SIZE;
        }
        if (cot.size() != FspCot.PAYLOAD_SIZE) {
            gpu.log("FSP: COT size field {}, the payload is {}", cot.size(), FspCot.PAYLOAD_SIZE);
            return ERR_SIZE;
        }
        int version = FspCot.cotVersion(gpu.architecture());
        if (cot.version() != version) {
            gpu.log("FSP: COT version {}, this chip speaks {}", cot.version(), version);
            return ERR_VERSION;
        }
        if (gspFalcon.riscvActive()) {
            gpu.log("FSP: COT while GSP-RM runs (not unloaded): refused");
            return ERR_GSP_RUNNING;
        }
        if (cot.frtsSysmemOffset() != 0 || cot.frtsSysmemSize() != 0
                || Integer.toUnsignedLong(cot.frtsVidmemSize()) != FbLayoutFacts.FRTS_SIZE
                || cot.frtsVidmemOffset() % FspChipFacts.FRTS_VIDMEM_ALIGN != 0 || cot.frtsVidmemOffset() < FbLayoutFacts.FRTS_SIZE
                || cot.frtsVidmemOffset() >= fb.size()) {
            gpu.log("FSP: FRTS at sysmem 0x{}+0x{}, vidmem end-0x{}+0x{}: not a 0x{}-byte region 2 MiB-aligned in VRAM",
                    Long.toHexString(cot.frtsSysmemOffset()), Integer.toHexString(cot.frtsSysmemSize()),
                    Long.toHexString(cot.frtsVidmemOffset()), Integer.toHexString(cot.frtsVidmemSize()),
                    Long.toHexString(FbLayoutFacts.FRTS_SIZE));
            return ERR_FRTS;
        }
        Optional<FmcFirmware> fmc = trusted.fmc();
        if (fmc.isEmpty()) {
            gpu.log("FSP: no trusted FMC for {} in {}", gpu.options().chipset(), trusted.dirs());
            return ERR_NO_FIRMWARE;
        }
        FmcFirmware t = fmc.get();
        MemorySegment image = MemorySegment.ofArray(new byte[(int) t.image().byteSize()]);
        if (!gpu.host().dmaRead(cot.gspFmcSysmemOffset(), image)) {
            gpu.log("FSP: the FMC image at 0x{} is not readable", Long.toHexString(cot.gspFmcSysmemOffset()));
            return ERR_DMA;
        }
        byte[] digest = sha384(image.toArray(ValueLayout.JAVA_BYTE));
        if (!Arrays.equals(digest, cot.hash()) || !Arrays.equals(digest, t.hash())) {
            gpu.log("FSP: the FMC image's SHA-384 {} the message's hash and {} the trusted FMC's",
                    Arrays.equals(digest, cot.hash()) ? "matches" : "does not match",
                    Arrays.equals(digest, t.hash()) ? "matches" : "does not match");
            return ERR_HASH;
        }
        if (!Arrays.equals(cot.publicKey(), t.publicKey()) || !Arrays.equals(cot.signature(), t.signature())) {
            gpu.log("FSP: the COT's public key or signature is not the trusted FMC's");
            return ERR_SIGNATURE;
        }
        MemorySegment params = MemorySegment.ofArray(new byte[GspFmcBootParams.SIZE]);
        if (!gpu.host().dmaRead(cot.gspBootArgsSysmemOffset(), params)) {
            gpu.log("FSP: the GSP boot parameters at 0x{} are not readable",
                    Long.toHexString(cot.gspBootArgsSysmemOffset()));
            return ERR_DMA;
        }
        accepted++;
        gpu.info("FSP: chain of trust accepted (COT version {}), GSP-FMC boots", version);
        gspFalcon.lockToFsp(cot.gspBootArgsSysmemOffset());
        if (gpu.options().fault() == GpuFault.GSP_FMC_HANG) {
            gpu.log("GSP-FMC: hangs (fault): the GSP stays locked to the FSP");
            return 0;
        }
        runGspFmc(params);
        return 0;
    }

    /** GSP-FMC: checks its boot parameters and the WPR metadata, starts GSP-RM, releases the lockdown. */
    private void runGspFmc(MemorySegment params) {
        long wprMeta = GspFmcBootParams.u64(params, GspFmcBootParams.GSP_RM_DESC_OFFSET_AT);
        long libos = GspFmcBootParams.u64(params, GspFmcBootParams.BOOT_ARGS_OFFSET_AT);
        MemorySegment meta = MemorySegment.ofArray(new byte[GspFwWprMeta.SIZE]);
        String bad = null;
        if (GspFmcBootParams.u32(params, GspFmcBootParams.BOOT_GSP_RM_TARGET_AT)
                != GspFmcBootParams.DMA_TARGET_COHERENT_SYSTEM
                || GspFmcBootParams.u32(params, GspFmcBootParams.GSP_RM_TARGET_AT)
                        != GspFmcBootParams.DMA_TARGET_NONCOHERENT_SYSTEM) {
            bad = "DMA targets are not coherent (WPR metadata) and non-coherent (LibOS) system memory";
        } else if (GspFmcBootParams.u32(params, GspFmcBootParams.GSP_RM_DESC_SIZE_AT) != GspFwWprMeta.SIZE
                || !GspFmcBootParams.isGspRmBoot(params)) {
            bad = "gspRmDescSize is not GspFwWprMeta's or bIsGspRmBoot is not set";
        } else if (!gpu.host().dmaRead(wprMeta, meta)
                || GspFwWprMeta.get(meta, GspFwWprMeta.MAGIC_AT) != GspFwWprMeta.MAGIC
                || GspFwWprMeta.get(meta, GspFwWprMeta.REVISION_AT) != GspFwWprMeta.REVISION) {
            bad = "the WPR metadata at 0x" + Long.toHexString(wprMeta) + " is unreadable or has a wrong magic/revision";
        } else if (GspFwWprMeta.get(meta, GspFwWprMeta.FB_SIZE) != fb.size()) {
            bad = "the WPR metadata's framebuffer size 0x" + Long.toHexString(GspFwWprMeta.get(meta,
                    GspFwWprMeta.FB_SIZE)) + " is not the GPU's 0x" + Long.toHexString(fb.size());
        } else if (libos == 0) {
            bad = "no LibOS arguments";
        }
        if (bad != null) {
            gpu.log("GSP-FMC: boot parameters refused: {}", bad);
            gspFalcon.fmcDone(FMC_ERR_BOOT_PARAMS);
            return;
        }
        if (booter.checkGspImage(meta) != 0) {
            gpu.log("GSP-FMC: the GSP image, bootloader or signatures are not the trusted firmware's");
            gspFalcon.fmcDone(FMC_ERR_GSP_IMAGE);
            return;
        }
        // GSP-RM will occupy what the accepted metadata lays out: its regions report that, as after booter_load
        gspBoot.fbRegions(SimFbRegions.fromWprMeta(meta, fb.size(), gpu.options().fault()));
        gspBoot.startGspRmFromFmc(libos);
        gspFalcon.fmcDone(0);
    }

    /** Writes the command response into EMEM at 0 and publishes it in the message queue. */
    private void reply(int commandNvdmType, int error) {
        byte[] r = new FspCot.Response(Mctp.singlePacket(), Mctp.nvdmHeader(Mctp.NVDM_TYPE_FSP_RESPONSE), TASK_ID,
                commandNvdmType, error).toBytes();
        System.arraycopy(r, 0, emem, 0, r.length);
        queueHead[Pfsp.CHANNEL_RM] = 0;
        queueTail[Pfsp.CHANNEL_RM] = 0;
        msgqHead[Pfsp.CHANNEL_RM] = 0;
        msgqTail[Pfsp.CHANNEL_RM] = r.length - WORD;
    }

    static byte[] sha384(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-384").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-384", e);
        }
    }
}
