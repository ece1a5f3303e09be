package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;
import org.nova.nvidia.regs.Fuse;

/**
 * The booter ({@code booter_load}/{@code booter_unload}): a {@link BinFirmware} embedding a
 * heavy-secure firmware ({@link HsHeaderV2}) with its load header, signature metadata, the
 * location to patch a signature at and the candidate signatures. Parsing checks every offset
 * the headers give; nothing is copied. Source: nova-core firmware/booter.rs.
 *
 * <p>Signature patching (nova-core {@code BooterFirmware::new}): the ucode is the payload
 * ({@link BinFirmware#data()}); the driver copies it into DMA memory, reads the fuse version of
 * the engine, picks {@link #signatureFor(int)} and writes it at {@link #patchLocation()} of the
 * copy ({@link #patchSignature}). A file without signatures is used unpatched.
 *
 * @param bin the container
 * @param hs the heavy-secure header
 * @param load the load header and its apps
 * @param params the signature metadata
 * @param patchLocation where in the ucode (payload) to patch the signature
 * @param signatures the signatures, zero-copy slices of the file, oldest fuse version last
 */
public record BooterFirmware(BinFirmware bin, HsHeaderV2 hs, HsLoadHeaderV2 load,
        HsSignatureParams params, long patchLocation, List<MemorySegment> signatures) {

    /** Fuse version meaning "use the last signature" (booter.rs FUSE_VERSION_USE_LAST_SIG). */
    public static final int FUSE_VERSION_USE_LAST_SIG = 0;

    public BooterFirmware {
        signatures = List.copyOf(signatures);
    }

    /**
     * @param source the file name, for errors
     * @param file the whole file (not copied)
     * @return the parsed booter
     * @throws FormatException naming the structure and offset for any inconsistency
     */
    public static BooterFirmware parse(String source, MemorySegment file) {
        BinFirmware bin = BinFirmware.parse(source, file);
        Bytes b = bin.bytes();
        HsHeaderV2 hs = HsHeaderV2.read(b, bin.header().headerOffset());
        long patchLoc = b.u32(hs.patchLocOffset(), "HsHeaderV2 patch_loc");
        long numSig = b.u32(hs.numSigOffset(), "HsHeaderV2 num_sig");
        // signature metadata must be exactly the size of HsSignatureParams
        if (hs.metaDataSize() != HsSignatureParams.SIZE) {
            throw b.error("HsHeaderV2", bin.header().headerOffset() + 20, Kind.BAD_VALUE,
                    "meta_data_size is " + hs.metaDataSize() + ", not "
                            + HsSignatureParams.SIZE);
        }
        b.requireRange(hs.metaDataOffset(), hs.metaDataSize(), "HsSignatureParams",
                "signature metadata");
        HsSignatureParams params = new HsSignatureParams(
                b.u32(hs.metaDataOffset(), "HsSignatureParams"),
                b.u32(hs.metaDataOffset() + 4, "HsSignatureParams"),
                b.u32(hs.metaDataOffset() + 8, "HsSignatureParams"));
        checkSignatureParams(b, hs.metaDataOffset(), params);
        // load header and apps
        long lh = hs.headerOffset();
        String lw = "HsLoadHeaderV2";
        b.require(lh, HsLoadHeaderV2.SIZE, lw);
        long numApps = b.u32(lh + 16, lw);
        if (numApps == 0) {
            throw b.error(lw, lh + 16, Kind.BAD_VALUE, "num_apps is 0: the booter needs app 0");
        }
        long appsEnd = HsLoadHeaderV2.SIZE + numApps * HsLoadHeaderV2.APP_SIZE;
        if (appsEnd > hs.headerSize()) {
            throw b.error(lw, lh + 16, Kind.BAD_VALUE, "num_apps " + numApps + " needs "
                    + appsEnd + " bytes but header_size is " + hs.headerSize());
        }
        // every app entry inside the file before any is read: num_apps bounds the list
        b.requireRange(lh, appsEnd, lw, "load header with " + numApps + " app entries");
        List<HsLoadHeaderV2.App> apps = new ArrayList<>();
        for (long i = 0; i < numApps; i++) {
            long a = lh + HsLoadHeaderV2.SIZE + i * HsLoadHeaderV2.APP_SIZE;
            apps.add(new HsLoadHeaderV2.App(b.u32(a, "HsLoadHeaderV2App " + i),
                    b.u32(a + 4, "HsLoadHeaderV2App " + i)));
        }
        HsLoadHeaderV2 load = new HsLoadHeaderV2(b.u32(lh, lw), b.u32(lh + 4, lw),
                b.u32(lh + 8, lw), b.u32(lh + 12, lw), apps);
        long payload = bin.header().dataSize();
        checkInPayload(b, lw, lh, load.osCodeOffset(), load.osCodeSize(), payload, "os code");
        checkInPayload(b, lw, lh + 8, load.osDataOffset(), load.osDataSize(), payload, "os data");
        for (int i = 0; i < apps.size(); i++) {
            checkInPayload(b, "HsLoadHeaderV2App " + i, lh + HsLoadHeaderV2.SIZE
                    + (long) i * HsLoadHeaderV2.APP_SIZE, apps.get(i).offset(), apps.get(i).len(),
                    payload, "app code");
        }
        if (patchLoc < load.osDataOffset()) {
            throw b.error("HsHeaderV2 patch_loc", hs.patchLocOffset(), Kind.BAD_VALUE,
                    String.format("patch location 0x%x is before os_data_offset 0x%x (the "
                            + "signature must be patched into the data segment)", patchLoc,
                            load.osDataOffset()));
        }
        // signatures
        List<MemorySegment> sigs = new ArrayList<>();
        if (numSig != 0 && hs.sigProdSize() != 0) {
            if (hs.sigProdSize() % numSig != 0) {
                throw b.error("HsHeaderV2", bin.header().headerOffset() + 4, Kind.BAD_VALUE,
                        "sig_prod_size " + hs.sigProdSize() + " is not a multiple of num_sig "
                                + numSig);
            }
            long sigSize = hs.sigProdSize() / numSig;
            long patchSig = b.u32(hs.patchSigOffset(), "HsHeaderV2 patch_sig");
            long start = hs.sigProdOffset() + patchSig;
            b.requireRange(start, hs.sigProdSize(), "HsHeaderV2", "signatures (sig_prod_offset "
                    + "+ patch_sig, sig_prod_size)");
            checkInPayload(b, "HsHeaderV2 patch_loc", hs.patchLocOffset(), patchLoc, sigSize,
                    payload, "signature patch location");
            // the boot ROM finds the signature in DMEM: it must lie in the data the falcon loads
            if (patchLoc + sigSize > load.osDataOffset() + load.osDataSize()) {
                throw b.error("HsHeaderV2 patch_loc", hs.patchLocOffset(), Kind.OUT_OF_BOUNDS,
                        String.format("the %d-byte signature at patch location 0x%x ends past "
                                + "the data segment [0x%x, 0x%x) the falcon loads", sigSize,
                                patchLoc, load.osDataOffset(),
                                load.osDataOffset() + load.osDataSize()));
            }
            for (long i = 0; i < numSig; i++) {
                sigs.add(file.asSlice(start + i * sigSize, sigSize));
            }
        }
        return new BooterFirmware(bin, hs, load, params, patchLoc, sigs);
    }

    /**
     * The signature metadata the boot ROM and the fuse lookup take (booter.rs; falcon/hal/ga102.rs
     * signature_reg_fuse_version_ga102): a u16 engine mask naming an engine with version fuses, a u8 ucode id that selects
     * one of the {@link Fuse#OPT_FPF_SIZE} fuse registers (1-based), and a fuse version a fuse
     * bitmap can hold.
     */
    private static void checkSignatureParams(Bytes b, long at, HsSignatureParams p) {
        String w = "HsSignatureParams";
        if (p.engineIdMask() > HsSignatureParams.ENGINE_ID_MASK_MAX) {
            throw b.error(w, at + 4, Kind.BAD_VALUE, String.format(
                    "engine_id_mask 0x%x does not fit 16 bits", p.engineIdMask()));
        }
        if ((p.engineIdMask() & HsSignatureParams.ENGINE_IDS_WITH_FUSES) == 0) {
            throw b.error(w, at + 4, Kind.BAD_VALUE, String.format("engine_id_mask 0x%x names "
                    + "none of SEC2 (0x%x), NVDEC (0x%x) or GSP (0x%x), the engines whose fuses "
                    + "select a signature", p.engineIdMask(), HsSignatureParams.ENGINE_ID_SEC2,
                    HsSignatureParams.ENGINE_ID_NVDEC, HsSignatureParams.ENGINE_ID_GSP));
        }
        if (p.ucodeId() > HsSignatureParams.UCODE_ID_MAX) {
            throw b.error(w, at + 8, Kind.BAD_VALUE, String.format(
                    "ucode_id 0x%x does not fit 8 bits", p.ucodeId()));
        }
        if (p.ucodeId() < 1 || p.ucodeId() > Fuse.OPT_FPF_SIZE) {
            throw b.error(w, at + 8, Kind.BAD_VALUE, String.format("ucode_id %d is not in 1..%d "
                    + "(it selects a fuse register)", p.ucodeId(), Fuse.OPT_FPF_SIZE));
        }
        long maxFuse = Fuse.OPT_FPF_SEC2_DATA.width();
        if (p.fuseVersion() > maxFuse) {
            throw b.error(w, at, Kind.BAD_VALUE, String.format("fuse_ver %d is above %d, the "
                    + "highest version a %d-bit fuse bitmap holds", p.fuseVersion(), maxFuse,
                    maxFuse));
        }
    }

    private static void checkInPayload(Bytes b, String what, long at, long off, long len,
            long payload, String desc) {
        if (off < 0 || len < 0 || off > payload - len) {
            throw b.error(what, at, Kind.OUT_OF_BOUNDS, String.format(
                    "%s [0x%x, 0x%x) lies past the end of the payload (data_size 0x%x)", desc,
                    off, off + len, payload));
        }
    }

    /** @return the payload: the ucode to copy into DMA memory and patch */
    public MemorySegment ucode() {
        return bin.data();
    }

    /** @return the size of one signature, or 0 if the firmware is unsigned */
    public long signatureSize() {
        return signatures.isEmpty() ? 0 : signatures.get(0).byteSize();
    }

    /**
     * @return the PKC data offset for the boot ROM: the patch location relative to the data
     *         segment ({@code patch_loc - os_data_offset})
     */
    public long pkcDataOffset() {
        return patchLocation - load.osDataOffset();
    }

    /** @return secure IMEM load: app 0's code (source offset in the ucode, length), to IMEM 0 */
    public HsLoadHeaderV2.App imemSecLoad() {
        return load.apps().get(0);
    }

    /** @return the boot address: app 0's offset */
    public long bootAddress() {
        return load.apps().get(0).offset();
    }

    /**
     * Picks the signature matching the engine's fuse version, with nova-core's rule: fuse
     * version 0 selects the last signature; otherwise the index is {@code fuse_ver - version}.
     *
     * @param fuseVersion the fuse version read from the engine's fuse register
     * @return the signature (a slice of the file)
     * @throws FormatException if the firmware has no signatures or none matches
     */
    public MemorySegment signatureFor(int fuseVersion) {
        String src = bin.source();
        if (signatures.isEmpty()) {
            throw new FormatException(src, "HsHeaderV2", -1, Kind.MISSING,
                    "the firmware carries no signatures");
        }
        if (fuseVersion == FUSE_VERSION_USE_LAST_SIG) {
            return signatures.get(signatures.size() - 1);
        }
        long idx = params.fuseVersion() - Integer.toUnsignedLong(fuseVersion);
        if (idx < 0 || idx >= signatures.size()) {
            throw new FormatException(src, "HsSignatureParams", hs.metaDataOffset(),
                    Kind.MISSING, "no signature for fuse version " + fuseVersion + " (fuse_ver "
                            + params.fuseVersion() + ", " + signatures.size() + " signatures)");
        }
        return signatures.get((int) idx);
    }

    /**
     * Writes {@code signature} into a writable copy of the ucode at {@link #patchLocation()}.
     *
     * @param ucodeCopy a copy of {@link #ucode()} (DMA memory), at least as large
     * @param signature one of {@link #signatures()}
     * @throws FormatException if the signature does not fit the copy at the patch location
     */
    public void patchSignature(MemorySegment ucodeCopy, MemorySegment signature) {
        if (patchLocation + signature.byteSize() > ucodeCopy.byteSize()) {
            throw new FormatException(bin.source(), "signature patch", patchLocation,
                    Kind.OUT_OF_BOUNDS, "a " + signature.byteSize() + "-byte signature does not "
                            + "fit a " + ucodeCopy.byteSize() + "-byte ucode");
        }
        MemorySegment.copy(signature, 0, ucodeCopy, patchLocation, signature.byteSize());
    }
}
