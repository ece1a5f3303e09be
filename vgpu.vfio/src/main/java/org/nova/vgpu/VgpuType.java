package org.nova.vgpu;

/**
 * A vGPU type the GPU's firmware offers ({@code NVA081_CTRL_VGPU_INFO}).
 *
 * @param id the firmware's type ID ({@code vgpuType})
 * @param name the type's name ("NVIDIA L40-1Q")
 * @param vgpuClass the type's class ("Quadro", "NVS", "Compute")
 * @param fbSize the framebuffer each vGPU of the type gets, in bytes
 * @param bar1Size the BAR1 aperture of each vGPU, in bytes ({@code bar1Length} MiB)
 * @param maxInstances how many vGPUs of this type the GPU runs at most
 * @param channels the channels each vGPU gets
 * @param gspHeapSize the VRAM each vGPU's firmware plugin gets for its management heap, in bytes
 *     ({@code gspHeapSize})
 */
public record VgpuType(int id, String name, String vgpuClass, long fbSize, long bar1Size, int maxInstances,
        int channels, long gspHeapSize) {
    /** The vendor prefix of the names the firmware reports ("NVIDIA L40-1Q"). */
    public static final String VENDOR_PREFIX = "NVIDIA ";

    /** @return the name without the vendor prefix ("L40-1Q"): a word a shell user types without quotes */
    public String shortName() {
        return name.startsWith(VENDOR_PREFIX) ? name.substring(VENDOR_PREFIX.length()) : name;
    }
}
