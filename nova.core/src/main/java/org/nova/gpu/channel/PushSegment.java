package org.nova.gpu.channel;

/**
 * One GPFIFO entry's worth of pushbuffer: {@code words} 32-bit method words at GPU VA {@code va}
 * of the channel's address space (NVC56F_GP_ENTRY0/1: the address and the length in words).
 *
 * @param va the GPU VA of the first word, 4-byte aligned, mapped in the channel's space
 * @param words the number of 32-bit words, 1 ≤ words ≤ {@link GpuChannel#MAX_SEGMENT_WORDS}
 */
public record PushSegment(long va, int words) {
}
