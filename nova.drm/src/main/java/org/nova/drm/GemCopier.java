package org.nova.drm;

import org.nova.gpu.vram.SysmemBuffer;
import org.nova.gpu.vram.VramBlock;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver's accelerated copy of a GEM object's bytes when the device moves it between VRAM and
 * system memory (TTM's {@code ttm_device_funcs.move} with nouveau's {@code nouveau_bo_move_m2mf},
 * drivers/gpu/drm/nouveau/nouveau_bo.c, Linux 6.12): the device asks it first and copies with the
 * CPU when it declines. Given to the device by {@link DrmDriver#gemCopier}.
 *
 * <p>Ownership: the device owns it once handed over and {@link #close closes} it at unplug, after
 * the driver's files were unplugged and before the objects' memory goes back.
 *
 * @since 2.5
 */
@ConsumerType
public interface GemCopier extends AutoCloseable {
    /**
     * Copies {@code size} bytes of {@code o} from its old backing to its new one, both allocated and
     * neither visible to the object's GPU VA mappings' users meanwhile (the placement lock is held
     * and the object's GPU work has finished). Exactly one of {@code fromBlock}/{@code fromSys} and
     * one of {@code toBlock}/{@code toSys} is non-null. Called with the device's placement lock held
     * and without the device's lock; it must not take either.
     *
     * @return true when the bytes were copied and the copy finished; false when this copier could not
     *     do it (no engine, the engine failed or timed out): nothing of {@code to} is relied on and the
     *     device copies with the CPU. Never throws for an engine failure.
     */
    boolean copy(GemObject o, VramBlock fromBlock, SysmemBuffer fromSys, VramBlock toBlock, SysmemBuffer toSys,
            long size);

    /** @return how many copies this copier did (the device's accelerated moves) */
    long copies();

    /** Releases what the copier holds (its channel, its VA space). Idempotent; never fails. */
    @Override
    void close();
}
