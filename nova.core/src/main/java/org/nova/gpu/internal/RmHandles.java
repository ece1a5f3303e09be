package org.nova.gpu.internal;

/**
 * The RM object handles an RM control is addressed to. nova-core allocates no RM client of its
 * own: like nouveau's r535 code (nvkm/subdev/gsp/rm/r535/gsp.c, r535_gsp_get_static_info, which
 * takes {@code gsp->internal.client}, {@code .device} and {@code .device.subdevice} from the
 * reply), it uses GSP-RM's internal client, device and subdevice, whose handles GSP-RM reports in
 * GspStaticConfigInfo ({@code hInternalClient}, {@code hInternalDevice},
 * {@code hInternalSubdevice}; open-gpu-kernel-modules gsp_static_config.h). The vGPU manager's
 * controls (NVA081_CTRL_CMD_VGPU_CONFIG_*, NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_*) go to the
 * subdevice.
 *
 * @param client {@code hInternalClient}
 * @param device {@code hInternalDevice}
 * @param subdevice {@code hInternalSubdevice}
 */
record RmHandles(int client, int device, int subdevice) {
    @Override
    public String toString() {
        return String.format("client 0x%08x, device 0x%08x, subdevice 0x%08x", client, device, subdevice);
    }
}
