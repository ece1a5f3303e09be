package org.nova.nvidia;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.BooterImageBuilder;
import org.nova.nvidia.fw.Elf64Builder;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FwsecImageBuilder;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.fw.RiscvImageBuilder;
import org.nova.nvidia.vbios.Vbios;
import org.nova.nvidia.vbios.VbiosBuilder;

/**
 * Corrupts valid images at random (fixed seed: the same mutations every run) — single bytes,
 * header words set to extreme values, truncations — and requires that every parser either
 * accepts the result or refuses it with a {@link FormatException}: no index, arithmetic or
 * other runtime exception escapes.
 */
class MutationTest {
    private static final int ROUNDS = 1500;

    private static void mutate(String what, byte[] valid, int headerBytes,
            Consumer<MemorySegment> parser) {
        Random r = new Random(what.hashCode());
        parser.accept(MemorySegment.ofArray(valid)); // the valid image parses
        for (int i = 0; i < ROUNDS; i++) {
            byte[] b = valid.clone();
            int kind = r.nextInt(4);
            if (kind == 0) {
                b[r.nextInt(Math.min(headerBytes, b.length))] = (byte) r.nextInt(256);
            } else if (kind == 1) {
                int at = r.nextInt(Math.min(headerBytes, b.length - 4)) & ~3;
                int[] extremes = {0, -1, 0x7fff_ffff, 0x8000_0000, b.length, b.length - 1,
                    r.nextInt()};
                MemorySegment.ofArray(b).set(ValueLayout.JAVA_INT_UNALIGNED, at,
                        extremes[r.nextInt(extremes.length)]);
            } else if (kind == 2) {
                b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
            } else {
                for (int k = 0; k < 4; k++) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            try {
                parser.accept(MemorySegment.ofArray(b));
            } catch (FormatException expected) {
                // refused clearly
            } catch (RuntimeException e) {
                fail(what + " mutation " + i + " (kind " + kind + ") escaped as " + e, e);
            }
        }
    }

    @Test
    void elfParserRefusesOnlyWithFormatExceptions() {
        byte[] elf;
        try (Arena a = Arena.ofConfined()) {
            elf = new Elf64Builder().section(".fwimage", MemorySegment.ofArray(new byte[512]), 3)
                    .section(".fwversion", "535.113.01".getBytes())
                    .section(".fwsignature_tu10x", new byte[64]).build(a)
                    .toArray(ValueLayout.JAVA_BYTE);
        }
        mutate("elf", elf, elf.length, s -> GspFirmware.parse("gsp", s)
                .signatures(Chipset.TU102));
    }

    @Test
    void booterAndRiscvParsersRefuseOnlyWithFormatExceptions() {
        byte[] booter = new BooterImageBuilder().payload(new byte[0x200], new byte[0x200])
                .signature(new byte[64]).signature(new byte[64]).build();
        mutate("booter", booter, 0x100, s -> {
            BooterFirmware b = BooterFirmware.parse("booter", s);
            b.patchSignature(MemorySegment.ofArray(b.ucode().toArray(ValueLayout.JAVA_BYTE)),
                    b.signatureFor(0));
        });
        byte[] riscv = new RiscvImageBuilder().sizes(0x100, 0x100, 0x100, 0x100).build();
        mutate("riscv", riscv, 0x80, s -> RiscvFirmware.parse("bootloader", s));
    }

    @Test
    void vbiosParserRefusesOnlyWithFormatExceptions() {
        byte[] rom = new VbiosBuilder().fwsec(new FwsecImageBuilder().imemSize(0x200)
                .signature(0, new byte[384]).build()).build();
        mutate("vbios", rom, rom.length, s -> {
            Vbios v = Vbios.parse("VBIOS", s);
            MemorySegment ucode = MemorySegment.ofArray(v.fwsecUcode().toArray(
                    ValueLayout.JAVA_BYTE));
            FalconUcodeDesc d = v.fwsecDesc();
            FwsecInterface.locate("fwsec", ucode, d).readCommand(ucode);
            v.fwsecSignatures();
            v.biosVersion();
        });
    }

    @Test
    void aTuringRomBehindAnIfrHeaderWithAV2DescriptorRefusesOnlyWithFormatExceptions() {
        byte[] rom = new VbiosBuilder().ifr(3).fwsec(new FwsecImageBuilder().imemSize(0x200).v2().build()).build();
        mutate("vbios-v2-ifr", rom, rom.length, s -> {
            Vbios v = Vbios.parse("VBIOS", s);
            MemorySegment ucode = MemorySegment.ofArray(v.fwsecUcode().toArray(ValueLayout.JAVA_BYTE));
            FalconUcodeDesc d = v.fwsecDesc();
            d.imemSecure();
            d.imemNonSecure();
            d.dmem();
            FwsecInterface.locate("fwsec", ucode, d).readCommand(ucode);
        });
    }
}
