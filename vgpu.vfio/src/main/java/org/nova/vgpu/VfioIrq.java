package org.nova.vgpu;

/**
 * One interrupt index of a {@link VfioDevice} ({@code struct vfio_irq_info}).
 *
 * @param index {@link VfioDevice#INTX_IRQ_INDEX} or {@link VfioDevice#MSI_IRQ_INDEX}
 * @param name "INTx", "MSI"
 * @param count vectors (0: the index exists but the device has none)
 */
public record VfioIrq(int index, String name, int count) {
}
