package org.nova.nvidia.fw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.nova.nvidia.FormatException;

/**
 * The firmware file parsers on outside bytes (issue 14, fuzzing). The contract each checks: a
 * parser returns a value or throws {@link FormatException} naming the structure and what was
 * wrong; any other throwable (an index out of bounds, a negative size, an OutOfMemoryError from a
 * huge count, a hang) fails the test, and Jazzer reports it as a finding. The round trips check
 * that what the simulated platform's builders write parses back to what they were given.
 *
 * <p>Corpus: src/test/resources/org/nova/nvidia/fw/FirmwareFuzzTestInputs/METHOD/, run once per
 * build; {@code -Pfuzz} mutates from it (docs/testing.md).
 */
class FirmwareFuzzTest {
    /** Where BooterImageBuilder patches the signature by default: offset into the data segment. */
    private static final int PATCH_IN_DATA = 0x100;
    /** The largest signature the booter round trip writes, in bytes. */
    private static final int MAX_SIGNATURE = 64;

    /** Runs a parser; its one documented exception is an answer, anything else escapes. */
    static void refusedOrParsed(Runnable parse) {
        try {
            parse.run();
        } catch (FormatException e) {
            assertNotNull(e.structure(), "a refusal names the structure");
            assertNotNull(e.kind(), "a refusal says what was wrong");
        }
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void elf64(byte[] file) {
        refusedOrParsed(() -> {
            Elf64 elf = Elf64.parse("fuzz.elf", MemorySegment.ofArray(file));
            for (Elf64.Section s : elf.sections()) {
                elf.section(s.name());
            }
        });
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void gspFirmware(byte[] file) {
        refusedOrParsed(() -> {
            GspFirmware g = GspFirmware.parse("gsp.bin", MemorySegment.ofArray(file));
            g.imageSize();
            g.signatureSections();
        });
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void binFirmware(byte[] file) {
        refusedOrParsed(() -> BinFirmware.parse("fuzz.bin", MemorySegment.ofArray(file)).data());
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void booter(byte[] file) {
        refusedOrParsed(() -> {
            BooterFirmware b = BooterFirmware.parse("booter_load.bin", MemorySegment.ofArray(file));
            b.ucode();
            b.signatureSize();
            b.pkcDataOffset();
            b.imemSecLoad();
            b.bootAddress();
        });
    }

    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void riscv(byte[] file) {
        refusedOrParsed(() -> {
            RiscvFirmware r = RiscvFirmware.parse("bootloader.bin", MemorySegment.ofArray(file));
            r.ucode();
            r.codeOffset();
            r.dataOffset();
            r.manifestOffset();
            r.appVersion();
        });
    }

    /**
     * FWSEC as nova-core reads it out of the VBIOS: the descriptor, V2 or V3 by its version byte,
     * its load targets, then its DMEM mapper.
     */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void fwsecDescriptor(byte[] blob) {
        refusedOrParsed(() -> {
            MemorySegment seg = MemorySegment.ofArray(blob);
            FalconUcodeDesc d = FalconUcodeDesc.parse("fwsec", seg, 0);
            d.ucodeSize();
            d.signaturePatchOffset();
            d.imemSecure();
            d.imemNonSecure();
            d.dmem();
            MemorySegment ucode = seg.asSlice(d.size(), d.ucodeSize());
            FwsecInterface.locate("fwsec", ucode, d).readCommand(ucode);
        });
    }

    /** The generic bootloader file (Turing, GA100): BinHdr, BootloaderDesc, code. */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void genBootloader(byte[] file) {
        refusedOrParsed(() -> {
            GenBootloader g = GenBootloader.parse("gen_bootloader", MemorySegment.ofArray(file));
            g.code();
            g.imemDstStart();
            g.bootAddr();
        });
    }

    /** A GSP firmware ELF the builder writes from fuzzed sections parses back to those sections. */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void elf64RoundTrip(FuzzedDataProvider in) {
        Elf64Builder b = new Elf64Builder().machine(in.consumeInt(0, 0xffff));
        List<String> names = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        int n = in.consumeInt(0, 8);
        for (int i = 0; i < n; i++) {
            // distinct, NUL-free names: a section name is a C string in .shstrtab
            String name = "." + i + in.consumeAsciiString(16).replace('\0', '_');
            byte[] data = in.consumeBytes(in.consumeInt(0, 4096));
            names.add(name);
            contents.add(data);
            b.section(name, data);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment file = b.build(arena);
            Elf64 elf = Elf64.parse("roundtrip.elf", file);
            for (int i = 0; i < n; i++) {
                Elf64.Section s = elf.section(names.get(i)).orElseThrow();
                assertArrayEquals(contents.get(i),
                        file.asSlice(s.offset(), s.size()).toArray(ValueLayout.JAVA_BYTE), names.get(i));
            }
        }
    }

    /** A booter the builder writes from fuzzed ids and payload parses back to those ids. */
    @FuzzTest(maxExecutions = FuzzLimits.EXECUTIONS, maxDuration = FuzzLimits.DURATION)
    void booterRoundTrip(FuzzedDataProvider in) {
        long fuse = in.consumeLong(0, 0xffff_ffffL);
        int mask = in.consumeInt(1, 0xffff);
        int ucodeId = in.consumeInt(1, 0xff);
        byte[] code = in.consumeBytes(in.consumeInt(1, 0x2000));
        // the builder patches the signature at data offset 0x100: the data segment must hold it
        byte[] data = in.consumeBytes(in.consumeInt(PATCH_IN_DATA + MAX_SIGNATURE, 0x1000));
        if (code.length == 0 || data.length < PATCH_IN_DATA + MAX_SIGNATURE) {
            return;
        }
        BooterImageBuilder builder = new BooterImageBuilder().payload(code, data).params(fuse, mask, ucodeId);
        int sigs = in.consumeInt(0, 3);
        byte[] sig = in.consumeBytes(in.consumeInt(1, MAX_SIGNATURE));
        for (int i = 0; i < sigs && sig.length > 0; i++) {
            builder.signature(sig);
        }
        byte[] file;
        try {
            file = builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return; // a combination the builder itself refuses (e.g. a patch offset outside the data)
        }
        BooterFirmware b = BooterFirmware.parse("booter_load.bin", MemorySegment.ofArray(file));
        assertEquals(fuse, b.params().fuseVersion());
        assertEquals(mask, b.params().engineIdMask());
        assertEquals(ucodeId, b.params().ucodeId());
        assertEquals(sig.length > 0 ? sigs : 0, b.signatures().size());
        byte[] ucode = b.ucode().toArray(ValueLayout.JAVA_BYTE);
        assertArrayEquals(code, Arrays.copyOf(ucode, code.length), "the payload starts with the code");
        assertArrayEquals(data, Arrays.copyOfRange(ucode, ucode.length - data.length, ucode.length),
                "and ends with the data");
    }
}
