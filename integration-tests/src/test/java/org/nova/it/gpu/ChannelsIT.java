package org.nova.it.gpu;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.auxiliary.AuxiliaryDevice;
import org.nova.bus.pci.PciBus;
import org.nova.driver.Bus;
import org.nova.driver.Device;
import org.nova.driver.DriverCore;
import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.ChannelListener;
import org.nova.gpu.channel.Engine;
import org.nova.gpu.channel.GpuChannel;
import org.nova.gpu.channel.GpuChannels;
import org.nova.gpu.channel.PushSegment;
import org.nova.gpu.vm.GpuVm;
import org.nova.gpu.vm.VmRange;
import org.nova.gpu.vram.NovaDrmData;
import org.nova.gpu.vram.VramBlock;
import org.nova.gpu.vram.VramManager;
import org.nova.it.Await;
import org.nova.it.Gogo;
import org.nova.it.NovaOptions;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Channels in the running framework, on both simulated GPUs (GA102 on r535.113.01, AD102 on
 * r570.144): through the {@link GpuChannels} nova.core hands nova-drm in {@link NovaDrmData}, a
 * copy job in a {@link GpuVm} completes through the platform's interrupt and the bytes arrive;
 * {@code nova:channels} lists the open channel; unbinding the GPU with the channel open tells its
 * listener {@code failed} and gives its VRAM back.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ChannelsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> GPUS = List.of("0000:00:05.0", "0000:00:06.0");
    private static final String NOVA_CORE = "NovaCore";
    private static final String AUX_PREFIX = "NovaCore.nova-drm.";
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long BLOCK = 1L << 16;
    private static final long SRC = 0x100_0000;
    private static final long DST = 0x200_0000;
    private static final long PB = 0x300_0000;
    private static final VmRange KERNEL = new VmRange(1L << 36, 1L << 28);

    @Inject
    private DriverCore core;

    @Inject
    private CommandProcessor processor;

    @Configuration
    public Option[] config() {
        return new Option[] {NovaOptions.all()};
    }

    @Before
    public void gpusUp() {
        for (String gpu : GPUS) {
            Await.until(gpu + "'s nova-drm device", TIMEOUT, () -> data(gpu) != null, () -> "");
        }
    }

    /** @return the registration data of the GPU's nova-drm auxiliary device, or null */
    private NovaDrmData data(String gpu) {
        for (Device d : core.requireBus("auxiliary").devices()) {
            if (d.name().startsWith(AUX_PREFIX) && d.parent().map(Device::name).orElse("").equals(gpu)) {
                return d.busData() instanceof AuxiliaryDevice a ? a.registrationData(NovaDrmData.class).orElse(null) : null;
            }
        }
        return null;
    }

    private static final class Recorder implements ChannelListener {
        final AtomicLong completed = new AtomicLong();
        final List<ChannelError> failures = new CopyOnWriteArrayList<>();

        @Override
        public void completed(long seqno) {
            completed.accumulateAndGet(seqno, Math::max);
        }

        @Override
        public void failed(ChannelError error) {
            failures.add(error);
        }
    }

    private static void await(String what, BooleanSupplier c) {
        Await.until(what, TIMEOUT, c, () -> "");
    }

    /** What {@link #copyJob} leaves open for the caller to check and close. */
    private record Job(GpuVm vm, GpuChannel channel, Recorder recorder, List<VramBlock> blocks) {
    }

    /**
     * A copy job on {@code gpu}: a space with a source, a destination and a pushbuffer block
     * mapped, 20,000 random bytes copied by the copy engine with the channel's own encoding
     * ({@link GpuChannel#copyMethods}), checked byte for byte, and nova:channels showing the channel.
     */
    private Job copyJob(String gpu, NovaDrmData d) throws Exception {
        VramManager vram = d.vram();
        GpuVm vm = d.vm().create("it:channels", 1L << 40);
        List<VramBlock> blocks = new ArrayList<>();
        for (long va : List.of(SRC, DST, PB)) {
            VramBlock b = vram.allocate(BLOCK, "it:channels");
            blocks.add(b);
            vm.map(va, b, 0, BLOCK, true);
        }
        byte[] data = new byte[20_000];
        new Random(gpu.hashCode()).nextBytes(data);
        MemorySegment.copy(data, 0, vram.map(blocks.get(0)), ValueLayout.JAVA_BYTE, 0, data.length);
        GpuChannel c = d.channels().open("it:channels", vm, KERNEL, Engine.COPY0, 32);
        int[] w = c.copyMethods(SRC, DST, data.length, data.length, 1);
        MemorySegment pb = vram.map(blocks.get(2));
        for (int i = 0; i < w.length; i++) {
            pb.set(U32, 4L * i, w[i]);
        }
        Recorder r = new Recorder();
        c.setListener(r);
        c.submit(List.of(new PushSegment(PB, w.length)), 1);
        await(gpu + ": completed(1)", () -> r.completed.get() == 1);
        byte[] out = new byte[data.length];
        MemorySegment.copy(vram.map(blocks.get(1)), ValueLayout.JAVA_BYTE, 0, out, 0, out.length);
        assertArrayEquals(gpu, data, out);
        String shown = Gogo.run(processor, "nova:channels " + gpu);
        assertTrue(shown, shown.contains("1 channel(s) open") && shown.contains("it:channels"));
        return new Job(vm, c, r, blocks);
    }

    @Test
    public void aCopyJobCompletesOnBothGpusAndUnbindFailsAnOpenChannel() throws Exception {
        for (String gpu : GPUS) {
            NovaDrmData d = data(gpu);
            assertNotNull(gpu + " offers channels", d.channels());
            VramManager vram = d.vram();
            long before = vram.available();
            Job j = copyJob(gpu, d);
            GpuVm vm = j.vm();
            GpuChannel c = j.channel();
            Recorder r = j.recorder();
            List<VramBlock> blocks = j.blocks();
            if (gpu.equals(GPUS.get(0))) {
                // unbind with the channel (and the space) open: failed once, everything freed
                Bus pci = core.requireBus(PciBus.NAME);
                try {
                    pci.unbind(gpu);
                    await(gpu + " unbound", () -> pci.device(gpu).orElseThrow().driver().isEmpty());
                    assertEquals(1, r.failures.size());
                    assertTrue(c.isClosed());
                    assertTrue(vm.isClosed());
                } finally {
                    pci.bind(gpu, NOVA_CORE);
                }
                await(gpu + " bound again", () -> data(gpu) != null);
                assertEquals("a fresh binding: all VRAM free", data(gpu).vram().total(), data(gpu).vram().available());
                continue;
            }
            c.close();
            vm.close();
            for (VramBlock b : blocks) {
                vram.free(b);
            }
            assertEquals(gpu + ": VRAM back", before, vram.available());
            assertTrue(Gogo.run(processor, "nova:channels " + gpu).contains("0 channel(s) open"));
        }
    }

    /**
     * GH100 and GB202 added as a user adds them ({@code cm:set ... chip=}): a copy job on each
     * completes byte for byte through its own channel and copy classes and doorbell token, then the
     * channel closes and its VRAM goes back; the devices are removed again.
     */
    @Test
    public void aCopyJobCompletesOnHopperAndBlackwell() throws Exception {
        Map<String, String> added = new LinkedHashMap<>();
        added.put("gh100", "0000:00:09.0");
        added.put("gb202", "0000:00:0a.0");
        try {
            for (Map.Entry<String, String> e : added.entrySet()) {
                Gogo.run(processor, "cm:set org.nova.hw.sim.device~it-chan-" + e.getKey() + " model=nvidia-gpu chip="
                        + e.getKey() + " slot=" + e.getValue().substring("0000:".length()));
            }
            for (String gpu : added.values()) {
                Await.until(gpu + "'s nova-drm device", TIMEOUT, () -> data(gpu) != null, () -> "");
                NovaDrmData d = data(gpu);
                VramManager vram = d.vram();
                long before = vram.available();
                Job j = copyJob(gpu, d);
                GpuVm vm = j.vm();
                GpuChannel c = j.channel();
                Recorder r = j.recorder();
                List<VramBlock> blocks = j.blocks();
                c.close();
                vm.close();
                for (VramBlock b : blocks) {
                    vram.free(b);
                }
                assertEquals(gpu + ": VRAM back", before, vram.available());
                assertEquals(gpu + ": no channel error, only close's notice " + r.failures, 1, r.failures.size());
                assertEquals(gpu + ": close's notice", 0, r.failures.get(0).rcType());
            }
        } finally {
            for (String chip : added.keySet()) {
                Gogo.run(processor, "cm:delete org.nova.hw.sim.device~it-chan-" + chip);
            }
        }
    }
}
