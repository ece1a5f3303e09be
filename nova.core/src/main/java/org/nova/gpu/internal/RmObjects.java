package org.nova.gpu.internal;

import java.util.Arrays;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.internal.fifo.RmClient;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.rpc_free_v03_00;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_alloc_v03_00;
import org.nova.nvidia.gsp.bindings.rpc_gsp_rm_control_v03_00;

/**
 * RM objects of GSP-RM's internal client ({@link RmHandles}) allocated, freed and controlled
 * through the GSP_RM_ALLOC, FREE and GSP_RM_CONTROL RPCs, with the release's headers (nouveau
 * nvkm/subdev/gsp/rm/r535/alloc.c r535_gsp_rpc_rm_alloc_push and r535_gsp_rpc_rm_free, ctrl.c
 * r535_gsp_rpc_rm_ctrl_push; Linux v6.15): the header, then the class's parameters. An RPC that
 * fails or a reply shorter than its header is EIO; otherwise the object's NV_STATUS is returned.
 */
final class RmObjects implements RmClient {
    private final GspBindings abi;
    private final RmHandles handles;
    private final RmControl.Rpc rpc;
    private final long timeoutMs;

    RmObjects(GspBindings abi, RmHandles handles, RmControl.Rpc rpc, long timeoutMs) {
        this.abi = abi;
        this.handles = handles;
        this.rpc = rpc;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public GspBindings abi() {
        return abi;
    }

    @Override
    public int device() {
        return handles.device();
    }

    private byte[] call(int function, byte[] payload, int headerSize) {
        GspMsgQueue.Message m = rpc.call(function, payload, timeoutMs);
        if (m.rpcResult() != 0 || m.payload().length < headerSize) {
            throw new DriverException(Errno.EIO, String.format("%s: RPC result 0x%x, %d-byte reply",
                    abi.nameOf(function), m.rpcResult(), m.payload().length));
        }
        return m.payload();
    }

    @Override
    public int alloc(int hParent, int hObject, int hClass, byte[] params) {
        rpc_gsp_rm_alloc_v03_00 h = abi.rpc_gsp_rm_alloc_v03_00();
        byte[] p = new byte[h.size() + params.length];
        h.hClient(p, 0, handles.client());
        h.hParent(p, 0, hParent);
        h.hObject(p, 0, hObject);
        h.hClass(p, 0, hClass);
        h.paramsSize(p, 0, params.length);
        System.arraycopy(params, 0, p, h.size(), params.length);
        return h.status(call(abi.FUNCTION_GSP_RM_ALLOC(), p, h.size()), 0);
    }

    @Override
    public int free(int hParent, int hObject) {
        rpc_free_v03_00 h = abi.rpc_free_v03_00();
        byte[] p = new byte[h.size()];
        h.hRoot(p, 0, handles.client());
        h.hObjectParent(p, 0, hParent);
        h.hObjectOld(p, 0, hObject);
        return h.status(call(abi.FUNCTION_FREE(), p, h.size()), 0);
    }

    @Override
    public int control(int hObject, int cmd, byte[][] params) {
        rpc_gsp_rm_control_v03_00 h = abi.rpc_gsp_rm_control_v03_00();
        byte[] in = params[0];
        byte[] p = new byte[h.size() + in.length];
        h.hClient(p, 0, handles.client());
        h.hObject(p, 0, hObject);
        h.cmd(p, 0, cmd);
        h.paramsSize(p, 0, in.length);
        System.arraycopy(in, 0, p, h.size(), in.length);
        byte[] r = call(abi.FUNCTION_GSP_RM_CONTROL(), p, h.size());
        int size = (int) Math.min(Integer.toUnsignedLong(h.paramsSize(r, 0)), r.length - h.size());
        params[0] = Arrays.copyOfRange(r, h.size(), h.size() + size);
        return h.status(r, 0);
    }
}
