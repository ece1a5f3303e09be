package org.nova.gpu;

/**
 * One vGPU type a GPU's firmware offers, as GSP-RM describes it ({@code NVA081_CTRL_VGPU_INFO},
 * ctrla081.h), in the units a host driver works in. Immutable.
 *
 * @param id the type's ID ({@code vgpuType})
 * @param name its name ({@code vgpuName}, e.g. "NVIDIA L40-1Q")
 * @param vgpuClass its class ({@code vgpuClass}, e.g. "Quadro")
 * @param fbLength the guest framebuffer in bytes ({@code fbLength})
 * @param bar1Length the size of the VF's BAR1 in bytes ({@code bar1Length}, which GSP-RM gives in MiB)
 * @param maxInstances how many vGPUs of this type the GPU runs at once ({@code maxInstance})
 * @param gspHeapSize the plugin's management heap in bytes ({@code gspHeapSize})
 */
public record VgpuTypeInfo(int id, String name, String vgpuClass, long fbLength, long bar1Length, int maxInstances,
        long gspHeapSize) {
}
