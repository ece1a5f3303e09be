package org.nova.gpu.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fsp.Mctp;
import org.nova.nvidia.regs.Pfsp;

/**
 * The FSP of a Hopper or Blackwell GPU (nova-core fsp.rs@637315cb): an {@code Fsp} exists only once
 * the FSP's secure boot completed ({@link #waitSecureBoot}), so nothing is sent to it before; then
 * {@link #bootFmc} sends the chain-of-trust message and checks the command response.
 *
 * <p>Owns nothing: the DMA memory the message points at belongs to the caller ({@link FspBoot}).
 */
final class Fsp {
    /** How long the FSP's secure boot may take after reset (fsp.rs FSP_SECURE_BOOT_TIMEOUT_MS). */
    static final long SECURE_BOOT_TIMEOUT_MS = 5000;
    /** fsp.rs polls the boot status every 10 ms. */
    static final long POLL_MS = 10;

    private final FspFalcon falcon;

    private Fsp(FspFalcon falcon) {
        this.falcon = falcon;
    }

    /**
     * Fsp::wait_secure_boot: polls the chip's thermal scratch register for
     * {@link Pfsp#FSP_BOOT_COMPLETE_STATUS_SUCCESS}.
     *
     * @throws DriverException ETIMEDOUT naming the register and its last value
     */
    static Fsp waitSecureBoot(Bar0 bar, FspGpuHal hal) {
        try {
            Poll.until("FSP secure boot", SECURE_BOOT_TIMEOUT_MS, POLL_MS,
                    () -> bar.read(hal.fspBootStatus()) == Pfsp.FSP_BOOT_COMPLETE_STATUS_SUCCESS);
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, String.format("the FSP's secure boot did not complete within "
                    + "%d ms (%s = 0x%x, not 0x%x)", SECURE_BOOT_TIMEOUT_MS, hal.fspBootStatus().name(),
                    bar.read(hal.fspBootStatus()), Pfsp.FSP_BOOT_COMPLETE_STATUS_SUCCESS), e);
        }
        return new Fsp(new FspFalcon(bar));
    }

    /**
     * Fsp::boot_fmc and send_sync_fsp: sends the COT message and checks the reply: a single
     * packet, an NVDM FSP response, for the COT command, with error 0.
     *
     * @throws DriverException ETIMEDOUT (no reply), EIO naming what is wrong in the reply or the
     *     FSP's error code
     */
    void bootFmc(FspCot.Cot cot) {
        falcon.send(cot.toMessage());
        byte[] reply = falcon.receive(FspCot.MESSAGE_SIZE);
        FspCot.Response r;
        try {
            r = FspCot.Response.parse("FSP reply", reply);
        } catch (FormatException e) {
            throw new DriverException(Errno.EIO, "FSP response too small: " + e.getMessage(), e);
        }
        if (!Mctp.isSinglePacket(r.mctpHeader())) {
            throw new DriverException(Errno.EIO, "unexpected MCTP header in the FSP's reply: "
                    + Mctp.describe(r.mctpHeader(), r.nvdmHeader()));
        }
        if (!Mctp.nvdmValid(r.nvdmHeader(), Mctp.NVDM_TYPE_FSP_RESPONSE)) {
            throw new DriverException(Errno.EIO, "unexpected NVDM header in the FSP's reply: "
                    + Mctp.describe(r.mctpHeader(), r.nvdmHeader()));
        }
        if (r.commandNvdmType() != Mctp.NVDM_TYPE_COT) {
            throw new DriverException(Errno.EIO, String.format("the FSP answered NVDM type 0x%x, not the COT "
                    + "(0x%x) it was sent (error 0x%x)", r.commandNvdmType(), Mctp.NVDM_TYPE_COT, r.errorCode()));
        }
        if (r.errorCode() != 0) {
            throw new DriverException(Errno.EIO, String.format("the FSP refused the chain of trust (COT) with "
                    + "error 0x%x", r.errorCode()));
        }
    }
}
