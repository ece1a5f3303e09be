package org.nova.vgpu;

/**
 * One region of a {@link VfioDevice} ({@code struct vfio_region_info}).
 *
 * @param index the region index ({@link VfioDevice#BAR0_REGION_INDEX}, {@link VfioDevice#BAR1_REGION_INDEX},
 *     {@link VfioDevice#CONFIG_REGION_INDEX})
 * @param name "BAR0", "BAR1", "config"
 * @param size bytes
 * @param readable VFIO_REGION_INFO_FLAG_READ
 * @param writable VFIO_REGION_INFO_FLAG_WRITE
 */
public record VfioRegion(int index, String name, long size, boolean readable, boolean writable) {
}
