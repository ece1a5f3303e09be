package org.nova.nvidia.fsp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;

/**
 * The chain-of-trust message the driver sends the FSP and the FSP's command response (nova-core
 * fsp.rs@637315cb: FspMessage = MCTP header, NVDM header, the packed NvdmPayloadCot; FspResponse
 * = MCTP header, NVDM header, the packed NvdmPayloadCommandResponse). All fields little-endian,
 * packed (no padding). {@link Cot} encodes and decodes the payload.
 */
public final class FspCot {
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int U16_MASK = 0xffff;

    /** Payload offset of {@code version} (u16): the COT protocol version of the chip. */
    public static final int VERSION_AT = 0;
    /** Payload offset of {@code size} (u16): the payload's size, {@link #PAYLOAD_SIZE}. */
    public static final int SIZE_AT = 2;
    /** Payload offset of {@code gsp_fmc_sysmem_offset} (u64): DMA address of the FMC image. */
    public static final int GSP_FMC_SYSMEM_OFFSET_AT = 4;
    /** Payload offset of {@code frts_sysmem_offset} (u64): FRTS in system memory (0: in VRAM). */
    public static final int FRTS_SYSMEM_OFFSET_AT = 12;
    /** Payload offset of {@code frts_sysmem_size} (u32). */
    public static final int FRTS_SYSMEM_SIZE_AT = 20;
    /** Payload offset of {@code frts_vidmem_offset} (u64): FRTS's distance below the end of VRAM. */
    public static final int FRTS_VIDMEM_OFFSET_AT = 24;
    /** Payload offset of {@code frts_vidmem_size} (u32). */
    public static final int FRTS_VIDMEM_SIZE_AT = 32;
    /** Payload offset of the FMC's SHA-384 hash ({@link FmcFirmware#HASH_SIZE} bytes). */
    public static final int HASH_AT = 36;
    /** Payload offset of the FMC's public key ({@link FmcFirmware#PUBLIC_KEY_SIZE} bytes, zero-padded). */
    public static final int PUBLIC_KEY_AT = HASH_AT + FmcFirmware.HASH_SIZE;
    /** Payload offset of the FMC's signature ({@link FmcFirmware#SIGNATURE_SIZE} bytes, zero-padded). */
    public static final int SIGNATURE_AT = PUBLIC_KEY_AT + FmcFirmware.PUBLIC_KEY_SIZE;
    /** Payload offset of {@code gsp_boot_args_sysmem_offset} (u64): DMA address of GSP_FMC_BOOT_PARAMS. */
    public static final int GSP_BOOT_ARGS_SYSMEM_OFFSET_AT = SIGNATURE_AT + FmcFirmware.SIGNATURE_SIZE;
    /** Size of NvdmPayloadCot (860 bytes). */
    public static final int PAYLOAD_SIZE = GSP_BOOT_ARGS_SYSMEM_OFFSET_AT + Long.BYTES;
    /** Size of the whole COT message: the MCTP and NVDM headers and the payload (a multiple of 4). */
    public static final int MESSAGE_SIZE = Mctp.HEADERS_SIZE + PAYLOAD_SIZE;

    /** COT protocol version Hopper advertises (fsp/hal/gh100.rs cot_version). */
    public static final int COT_VERSION_GH100 = 1;
    /** COT protocol version GB10x and GB20x advertise (fsp/hal/{gb100,gb202}.rs cot_version). */
    public static final int COT_VERSION_GB100 = 2;

    /** Response offset of {@code task_id} (u32), after the two headers. */
    public static final int RESPONSE_TASK_ID_AT = Mctp.HEADERS_SIZE;
    /** Response offset of {@code command_nvdm_type} (u32): the NVDM type of the command answered. */
    public static final int RESPONSE_COMMAND_NVDM_TYPE_AT = RESPONSE_TASK_ID_AT + Integer.BYTES;
    /** Response offset of {@code error_code} (u32): 0 when the command succeeded. */
    public static final int RESPONSE_ERROR_CODE_AT = RESPONSE_COMMAND_NVDM_TYPE_AT + Integer.BYTES;
    /** Size of FspResponse: the headers and NvdmPayloadCommandResponse (20 bytes). */
    public static final int RESPONSE_SIZE = RESPONSE_ERROR_CODE_AT + Integer.BYTES;

    private FspCot() {
    }

    /**
     * @return whether chips of {@code arch} boot their GSP through the FSP's chain of trust
     *     (Hopper and Blackwell: nova-core gsp/hal.rs gsp_hal, fsp/hal.rs fsp_hal)
     */
    public static boolean bootsThroughFsp(Architecture arch) {
        return switch (arch) {
            case HOPPER, BLACKWELL_GB10X, BLACKWELL_GB20X -> true;
            default -> false;
        };
    }

    /**
     * @return the COT protocol version the FSP of {@code arch} speaks
     * @throws IllegalArgumentException for an architecture without an FSP boot (Turing to Ada)
     */
    public static int cotVersion(Architecture arch) {
        return switch (arch) {
            case HOPPER -> COT_VERSION_GH100;
            case BLACKWELL_GB10X, BLACKWELL_GB20X -> COT_VERSION_GB100;
            default -> throw new IllegalArgumentException(arch.displayName() + " does not boot through the FSP");
        };
    }

    /**
     * NvdmPayloadCot's fields.
     *
     * @param version the COT protocol version
     * @param size the payload size the message claims
     * @param gspFmcSysmemOffset DMA address of the FMC image
     * @param frtsSysmemOffset FRTS in system memory (0: FRTS is in VRAM)
     * @param frtsSysmemSize its size
     * @param frtsVidmemOffset FRTS's distance below the end of VRAM
     * @param frtsVidmemSize FRTS's size in VRAM
     * @param hash the FMC's SHA-384 hash, {@link FmcFirmware#HASH_SIZE} bytes
     * @param publicKey the public key, {@link FmcFirmware#PUBLIC_KEY_SIZE} bytes
     * @param signature the signature, {@link FmcFirmware#SIGNATURE_SIZE} bytes
     * @param gspBootArgsSysmemOffset DMA address of the GSP_FMC_BOOT_PARAMS
     */
    public record Cot(int version, int size, long gspFmcSysmemOffset, long frtsSysmemOffset, int frtsSysmemSize,
            long frtsVidmemOffset, int frtsVidmemSize, byte[] hash, byte[] publicKey, byte[] signature,
            long gspBootArgsSysmemOffset) {

        /** Checks the three blobs' sizes. */
        public Cot {
            if (hash.length != FmcFirmware.HASH_SIZE || publicKey.length != FmcFirmware.PUBLIC_KEY_SIZE
                    || signature.length != FmcFirmware.SIGNATURE_SIZE) {
                throw new IllegalArgumentException("COT hash/public key/signature must be " + FmcFirmware.HASH_SIZE
                        + "/" + FmcFirmware.PUBLIC_KEY_SIZE + "/" + FmcFirmware.SIGNATURE_SIZE + " bytes");
            }
            hash = hash.clone();
            publicKey = publicKey.clone();
            signature = signature.clone();
        }

        /** @return the hash (a copy) */
        @Override
        public byte[] hash() {
            return hash.clone();
        }

        /** @return the public key (a copy) */
        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }

        /** @return the signature (a copy) */
        @Override
        public byte[] signature() {
            return signature.clone();
        }

        /** @return the whole message: single-packet MCTP header, NVDM COT header, this payload */
        public byte[] toMessage() {
            byte[] b = new byte[MESSAGE_SIZE];
            MemorySegment m = MemorySegment.ofArray(b);
            m.set(LE32, 0, Mctp.singlePacket());
            m.set(LE32, Integer.BYTES, Mctp.nvdmHeader(Mctp.NVDM_TYPE_COT));
            MemorySegment p = m.asSlice(Mctp.HEADERS_SIZE);
            p.set(LE16, VERSION_AT, (short) version);
            p.set(LE16, SIZE_AT, (short) size);
            p.set(LE64, GSP_FMC_SYSMEM_OFFSET_AT, gspFmcSysmemOffset);
            p.set(LE64, FRTS_SYSMEM_OFFSET_AT, frtsSysmemOffset);
            p.set(LE32, FRTS_SYSMEM_SIZE_AT, frtsSysmemSize);
            p.set(LE64, FRTS_VIDMEM_OFFSET_AT, frtsVidmemOffset);
            p.set(LE32, FRTS_VIDMEM_SIZE_AT, frtsVidmemSize);
            MemorySegment.copy(MemorySegment.ofArray(hash), 0, p, HASH_AT, hash.length);
            MemorySegment.copy(MemorySegment.ofArray(publicKey), 0, p, PUBLIC_KEY_AT, publicKey.length);
            MemorySegment.copy(MemorySegment.ofArray(signature), 0, p, SIGNATURE_AT, signature.length);
            p.set(LE64, GSP_BOOT_ARGS_SYSMEM_OFFSET_AT, gspBootArgsSysmemOffset);
            return b;
        }

        /**
         * Decodes the payload of a message whose headers were checked.
         *
         * @param source what the bytes are, for errors
         * @param payload the bytes after the two headers
         * @throws FormatException TRUNCATED if fewer than {@link #PAYLOAD_SIZE} bytes
         */
        public static Cot parsePayload(String source, byte[] payload) {
            if (payload.length < PAYLOAD_SIZE) {
                throw new FormatException(source, "NvdmPayloadCot", payload.length, Kind.TRUNCATED,
                        "the payload is " + payload.length + " bytes, the COT payload " + PAYLOAD_SIZE);
            }
            MemorySegment p = MemorySegment.ofArray(payload);
            return new Cot(p.get(LE16, VERSION_AT) & U16_MASK, p.get(LE16, SIZE_AT) & U16_MASK,
                    p.get(LE64, GSP_FMC_SYSMEM_OFFSET_AT), p.get(LE64, FRTS_SYSMEM_OFFSET_AT),
                    p.get(LE32, FRTS_SYSMEM_SIZE_AT), p.get(LE64, FRTS_VIDMEM_OFFSET_AT),
                    p.get(LE32, FRTS_VIDMEM_SIZE_AT), slice(payload, HASH_AT, FmcFirmware.HASH_SIZE),
                    slice(payload, PUBLIC_KEY_AT, FmcFirmware.PUBLIC_KEY_SIZE),
                    slice(payload, SIGNATURE_AT, FmcFirmware.SIGNATURE_SIZE), p.get(LE64, GSP_BOOT_ARGS_SYSMEM_OFFSET_AT));
        }

        private static byte[] slice(byte[] b, int at, int n) {
            return java.util.Arrays.copyOfRange(b, at, at + n);
        }
    }

    /**
     * The FSP's command response (FspResponse).
     *
     * @param mctpHeader the MCTP header
     * @param nvdmHeader the NVDM header (type {@link Mctp#NVDM_TYPE_FSP_RESPONSE} when well-formed)
     * @param taskId the FSP task that answered
     * @param commandNvdmType the NVDM type of the command answered
     * @param errorCode 0 on success, else the FSP's error
     */
    public record Response(int mctpHeader, int nvdmHeader, int taskId, int commandNvdmType, int errorCode) {
        /** @return the response as the FSP writes it into EMEM */
        public byte[] toBytes() {
            byte[] b = new byte[RESPONSE_SIZE];
            MemorySegment m = MemorySegment.ofArray(b);
            m.set(LE32, 0, mctpHeader);
            m.set(LE32, Integer.BYTES, nvdmHeader);
            m.set(LE32, RESPONSE_TASK_ID_AT, taskId);
            m.set(LE32, RESPONSE_COMMAND_NVDM_TYPE_AT, commandNvdmType);
            m.set(LE32, RESPONSE_ERROR_CODE_AT, errorCode);
            return b;
        }

        /**
         * fsp.rs FspResponse::from_bytes_prefix: the headers and the response payload; bytes past
         * them are ignored.
         *
         * @throws FormatException TRUNCATED if shorter than {@link #RESPONSE_SIZE}
         */
        public static Response parse(String source, byte[] b) {
            if (b.length < RESPONSE_SIZE) {
                throw new FormatException(source, "FspResponse", b.length, Kind.TRUNCATED,
                        "the reply is " + b.length + " bytes, an FSP response " + RESPONSE_SIZE);
            }
            MemorySegment m = MemorySegment.ofArray(b);
            return new Response(m.get(LE32, 0), m.get(LE32, Integer.BYTES), m.get(LE32, RESPONSE_TASK_ID_AT),
                    m.get(LE32, RESPONSE_COMMAND_NVDM_TYPE_AT), m.get(LE32, RESPONSE_ERROR_CODE_AT));
        }
    }
}
