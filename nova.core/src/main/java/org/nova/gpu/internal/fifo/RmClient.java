package org.nova.gpu.internal.fifo;

import org.nova.nvidia.gsp.bindings.GspBindings;

/**
 * The GSP-RM calls a channel is made with, addressed in GSP-RM's internal client (as nouveau's r535
 * code allocates its objects under its client and device: nvkm/subdev/gsp/rm/r535/alloc.c,
 * ctrl.c). Each call waits for GSP-RM's reply.
 */
public interface RmClient {
    /** @return the running release's bindings */
    GspBindings abi();

    /** @return the handle of GSP-RM's internal device, the parent of VA spaces and channels */
    int device();

    /**
     * GSP_RM_ALLOC of an object of {@code hClass} under {@code hParent}.
     *
     * @return the NV_STATUS GSP-RM answered
     * @throws org.nova.driver.DriverException as the RPC (ETIMEDOUT, ENODEV once the GSP is gone, EIO)
     */
    int alloc(int hParent, int hObject, int hClass, byte[] params);

    /**
     * FREE of {@code hObject}.
     *
     * @return the NV_STATUS GSP-RM answered
     * @throws org.nova.driver.DriverException as the RPC
     */
    int free(int hParent, int hObject);

    /**
     * GSP_RM_CONTROL {@code cmd} on {@code hObject}.
     *
     * @param params in: the parameters; out: element 0 replaced with what GSP-RM returned
     * @return the NV_STATUS GSP-RM answered
     * @throws org.nova.driver.DriverException as the RPC
     */
    int control(int hObject, int cmd, byte[][] params);
}
