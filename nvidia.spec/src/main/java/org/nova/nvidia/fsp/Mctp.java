package org.nova.nvidia.fsp;

/**
 * The two 32-bit headers that open every message between the driver and the FSP (nova-core
 * mctp.rs@b2128290): the MCTP transport header (start and end of message, packet sequence, source
 * endpoint) and the NVDM header (MCTP vendor-defined message type, PCI vendor, NVDM type). The
 * driver sends single-packet messages only: SOM and EOM set, sequence 0, source endpoint 0.
 */
public final class Mctp {
    /** MCTP header bit 31: start of message. */
    public static final int MCTP_SOM = 1 << 31;
    /** MCTP header bit 30: end of message. */
    public static final int MCTP_EOM = 1 << 30;
    /** MCTP header bits 29:28: packet sequence number. */
    public static final int MCTP_SEQ_MASK = 0x3 << 28;
    /** MCTP header bits 23:16: source endpoint id. */
    public static final int MCTP_SEID_MASK = 0xff << 16;
    /** NVDM header bits 31:24: the NVDM type. */
    public static final int NVDM_TYPE_SHIFT = 24;
    /** NVDM header bits 23:8: the PCI vendor id. */
    public static final int NVDM_VENDOR_SHIFT = 8;
    /** Mask of the vendor id once shifted down. */
    public static final int NVDM_VENDOR_MASK = 0xffff;
    /** NVDM header bits 6:0: the MCTP message type. */
    public static final int NVDM_MSG_TYPE_MASK = 0x7f;
    /** Mask of a byte-wide field (the NVDM type once shifted down). */
    private static final int BYTE_MASK = 0xff;
    /** MCTP message type of PCI vendor-defined messages (mctp.rs MSG_TYPE_VENDOR_PCI). */
    public static final int MSG_TYPE_VENDOR_PCI = 0x7e;
    /** PCI vendor id NVIDIA, which the NVDM header carries. */
    public static final int VENDOR_NVIDIA = 0x10de;
    /** NVDM type of the chain-of-trust boot message (mctp.rs NvdmType::Cot). */
    public static final int NVDM_TYPE_COT = 0x14;
    /** NVDM type of the FSP's command response (mctp.rs NvdmType::FspResponse). */
    public static final int NVDM_TYPE_FSP_RESPONSE = 0x15;
    /** Bytes of the two headers together. */
    public static final int HEADERS_SIZE = 8;

    private Mctp() {
    }

    /** @return the MCTP header of a single-packet message (SOM, EOM, sequence 0, endpoint 0) */
    public static int singlePacket() {
        return MCTP_SOM | MCTP_EOM;
    }

    /** @return whether the MCTP header marks a complete single-packet message (SOM and EOM) */
    public static boolean isSinglePacket(int mctpHeader) {
        return (mctpHeader & MCTP_SOM) != 0 && (mctpHeader & MCTP_EOM) != 0;
    }

    /** @return the NVDM header of a message of {@code nvdmType} from NVIDIA */
    public static int nvdmHeader(int nvdmType) {
        return (nvdmType & BYTE_MASK) << NVDM_TYPE_SHIFT | VENDOR_NVIDIA << NVDM_VENDOR_SHIFT | MSG_TYPE_VENDOR_PCI;
    }

    /** @return the NVDM type the header carries */
    public static int nvdmType(int nvdmHeader) {
        return nvdmHeader >>> NVDM_TYPE_SHIFT & BYTE_MASK;
    }

    /**
     * mctp.rs NvdmHeader::validate.
     *
     * @return whether the header is a PCI vendor-defined message from NVIDIA of {@code expectedType}
     */
    public static boolean nvdmValid(int nvdmHeader, int expectedType) {
        return (nvdmHeader & NVDM_MSG_TYPE_MASK) == MSG_TYPE_VENDOR_PCI
                && (nvdmHeader >>> NVDM_VENDOR_SHIFT & NVDM_VENDOR_MASK) == VENDOR_NVIDIA
                && nvdmType(nvdmHeader) == expectedType;
    }

    /** @return the header pair for messages, e.g. {@code "MCTP 0xc0000000, NVDM 0x1410de7e"} */
    public static String describe(int mctpHeader, int nvdmHeader) {
        return String.format("MCTP 0x%08x, NVDM 0x%08x", mctpHeader, nvdmHeader);
    }
}
