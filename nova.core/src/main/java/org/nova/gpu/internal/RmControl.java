package org.nova.gpu.internal;

import java.util.Arrays;
import org.nova.gpu.GspReply;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_control_v03_00;

/**
 * RM controls through the GSP_RM_CONTROL RPC (nouveau nvkm/subdev/gsp/rm/r535/ctrl.c,
 * r535_gsp_rpc_rm_ctrl_push): the release's {@code rpc_gsp_rm_control_v03_00} header addressed
 * to GSP-RM's internal subdevice ({@link RmHandles}), the control's parameters after it; the
 * reply carries the control's NV_STATUS and the parameters as GSP-RM returned them.
 */
final class RmControl {
    /** The RPC's result when the reply is shorter than its header (a corrupt reply). */
    static final int SHORT_REPLY = -1;

    /** Sends one message and waits for its reply. */
    interface Rpc {
        GspMsgQueue.Message call(int function, byte[] payload, long timeoutMs);
    }

    private final GspBindings abi;
    private final RmHandles handles;
    private final Rpc rpc;

    RmControl(GspBindings abi, RmHandles handles, Rpc rpc) {
        this.abi = abi;
        this.handles = handles;
        this.rpc = rpc;
    }

    /** @return the handles controls are addressed to */
    RmHandles handles() {
        return handles;
    }

    /**
     * Sends the control {@code cmd} to the internal subdevice and waits for the reply.
     *
     * @return result = the RPC's result if it failed ({@link #SHORT_REPLY} for a reply shorter
     *     than the header), else the control's NV_STATUS; payload = the returned parameters
     * @throws org.nova.driver.DriverException as the RPC
     */
    GspReply control(int cmd, byte[] params, long timeoutMs) {
        rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
        byte[] p = new byte[h.size() + params.length];
        h.hClient(p, 0, handles.client());
        h.hObject(p, 0, handles.subdevice());
        h.cmd(p, 0, cmd);
        h.paramsSize(p, 0, params.length);
        System.arraycopy(params, 0, p, h.size(), params.length);
        GspMsgQueue.Message m = rpc.call(abi.FUNCTION_GSP_RM_CONTROL(), p, timeoutMs);
        byte[] r = m.payload();
        String name = abi.nameOf(abi.FUNCTION_GSP_RM_CONTROL());
        if (m.rpcResult() != 0 || r.length < h.size()) {
            return new GspReply(name, m.rpcResult() != 0 ? m.rpcResult() : SHORT_REPLY, new byte[0]);
        }
        int size = (int) Math.min(Integer.toUnsignedLong(h.paramsSize(r, 0)), r.length - h.size());
        return new GspReply(name, h.status(r, 0), Arrays.copyOfRange(r, h.size(), h.size() + size));
    }
}
