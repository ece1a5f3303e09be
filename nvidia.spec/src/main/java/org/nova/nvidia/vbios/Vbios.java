package org.nova.nvidia.vbios;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.internal.Bytes;

/**
 * A parsed VBIOS: its IFR header if any, its images, the BIT of the PC-AT image, the PMU lookup
 * table and the FWSEC ucode. Parsing follows nova-core vbios.rs (the version with
 * FalconUCodeDescV2, IFR skipping and the concatenated FWSEC section): an IFR header at ROM
 * offset 0 is skipped ({@link IfrHeader}); images are walked from there, each next image at the
 * 512-byte boundary after the previous one, until the last-image flag (or the scan limit); the
 * first PC-AT image is kept, and from the first FWSEC image on every image counts as one FWSEC
 * section, whatever its type. The BIT falcon-data pointer and the PMU lookup table's FWSEC_PROD
 * entry count as if the PC-AT image and that section were contiguous; the FWSEC descriptor,
 * version 2 or 3 ({@link FalconUcodeDesc}), follows at the entry's offset in the section.
 * Offsets in errors are ROM offsets.
 *
 * @param source name for errors ("VBIOS", or a file name)
 * @param rom the ROM bytes as read (not copied)
 * @param ifr the IFR header, if the ROM starts with one
 * @param images every image, in ROM order
 * @param pciAt the (first) PC-AT image
 * @param bitOffset offset of the BIT header in the PC-AT image
 * @param bit the BIT header
 * @param tokens the BIT tokens
 * @param fwsecFirst the first FWSEC image
 * @param fwsecSection the FWSEC section: the first FWSEC image and every image after it (a slice
 *        of the ROM: the images are contiguous)
 * @param pmuTable the PMU lookup table
 * @param fwsecDescOffset offset of the FWSEC descriptor in {@code fwsecSection}
 * @param fwsecDesc the FWSEC descriptor
 */
public record Vbios(String source, MemorySegment rom, Optional<IfrHeader> ifr, List<BiosImage> images,
        BiosImage pciAt, long bitOffset, BitHeader bit, List<BitToken> tokens, BiosImage fwsecFirst,
        MemorySegment fwsecSection, PmuLookupTable pmuTable, long fwsecDescOffset,
        FalconUcodeDesc fwsecDesc) {

    /** Offset of the ROM window in BAR0 (PROM). */
    public static final int ROM_OFFSET = 0x30_0000;
    /** The most of the ROM nova-core scans. */
    public static final int BIOS_MAX_SCAN_LEN = 0x10_0000;
    /** What nova-core reads first of each image to learn its size. */
    public static final int BIOS_READ_AHEAD_SIZE = 1024;

    public Vbios {
        images = List.copyOf(images);
        tokens = List.copyOf(tokens);
    }

    /**
     * Parses a ROM.
     *
     * @param source name for errors
     * @param rom the ROM, from offset 0 of the PROM window (not copied)
     * @return the parsed VBIOS
     * @throws FormatException naming the image, structure and ROM offset on any problem:
     *         bad IFR header, bad ROM signature, bad PCIR, zero-length image, image past the
     *         end, missing PC-AT or FWSEC image, no BIT, no falcon-data token, bad pointers, bad
     *         descriptor (an unknown version included)
     */
    public static Vbios parse(String source, MemorySegment rom) {
        Bytes b = new Bytes(source, rom);
        Optional<IfrHeader> ifr = IfrHeader.find(source, rom);
        List<BiosImage> images = new ArrayList<>();
        long offset = ifr.map(IfrHeader::pciRomOffset).orElse(0L);
        while (true) {
            if (offset > BIOS_MAX_SCAN_LEN) {
                throw b.error("ROM image chain", offset, Kind.OUT_OF_BOUNDS,
                        "no last image before the scan limit 0x" + Integer.toHexString(
                                BIOS_MAX_SCAN_LEN));
            }
            BiosImage img = image(b, offset, images.size());
            images.add(img);
            if (img.isLast()) {
                break;
            }
            offset = (offset + img.sizeBytes() + Pcir.BLOCK - 1) & ~(long) (Pcir.BLOCK - 1);
        }
        BiosImage pciAt = null;
        BiosImage first = null;
        for (BiosImage img : images) {
            if (first != null) {
                break; // the rest belongs to the FWSEC section
            }
            if (img.codeType() == Pcir.CODE_TYPE_PCI_AT && pciAt == null) {
                pciAt = img;
            } else if (img.codeType() == Pcir.CODE_TYPE_FWSEC) {
                first = img;
            }
        }
        if (pciAt == null || first == null) {
            throw b.error("ROM image chain", -1, Kind.MISSING, "needs a PC-AT image and an "
                    + "FWSEC image, found types " + images.stream().map(i -> String.format(
                            "0x%02x", i.codeType())).toList());
        }
        BiosImage last = images.getLast();
        MemorySegment section = rom.asSlice(first.romOffset(),
                last.romOffset() + last.sizeBytes() - first.romOffset());
        // BIT
        long bitOff = find(pciAt.data(), BitHeader.PATTERN);
        if (bitOff < 0) {
            throw b.error("BIT header", pciAt.romOffset(), Kind.MISSING,
                    "no 'ff b8 BIT 00' pattern in the PC-AT image");
        }
        Bytes pb = new Bytes(source, pciAt.data());
        long bitRom = pciAt.romOffset() + bitOff;
        pb.require(bitOff, BitHeader.SIZE, "BIT header");
        BitHeader bit = new BitHeader(pb.u16(bitOff, "BIT header"), pb.u16(bitOff + 6, "BIT"),
                pb.u8(bitOff + 8, "BIT"), pb.u8(bitOff + 9, "BIT"), pb.u8(bitOff + 10, "BIT"),
                pb.u8(bitOff + 11, "BIT"));
        if (bit.tokenSize() < BitHeader.TOKEN_SIZE) {
            throw b.error("BIT header", bitRom + 9, Kind.BAD_VALUE, "token size "
                    + bit.tokenSize() + " is below " + BitHeader.TOKEN_SIZE);
        }
        List<BitToken> tokens = new ArrayList<>();
        long t0 = bitOff + bit.headerSize();
        for (int i = 0; i < bit.tokenEntries(); i++) {
            long t = t0 + (long) i * bit.tokenSize();
            if (t + bit.tokenSize() > pciAt.data().byteSize()) {
                throw b.error("BIT token " + i, pciAt.romOffset() + t, Kind.TRUNCATED,
                        "token lies past the end of the PC-AT image");
            }
            tokens.add(new BitToken(pb.u8(t, "BIT token"), pb.u8(t + 1, "BIT token"),
                    pb.u16(t + 2, "BIT token"), pb.u16(t + 4, "BIT token")));
        }
        BitToken falcon = tokens.stream().filter(t -> t.id() == BitToken.ID_FALCON_DATA)
                .findFirst().orElseThrow(() -> b.error("BIT tokens", bitRom, Kind.MISSING,
                        "no falcon data token (0x70) among " + tokens.size() + " tokens"));
        if (falcon.dataOffset() + 4L > pciAt.data().byteSize()) {
            throw b.error("BIT falcon data token", bitRom, Kind.OUT_OF_BOUNDS, String.format(
                    "data offset 0x%x lies past the end of the PC-AT image", falcon.dataOffset()));
        }
        long ptr = pb.u32(falcon.dataOffset(), "falcon data pointer");
        long pciAtLen = pciAt.data().byteSize();
        if (ptr < pciAtLen) {
            throw b.error("falcon data pointer", pciAt.romOffset() + falcon.dataOffset(),
                    Kind.OUT_OF_BOUNDS, String.format("pointer 0x%x lies inside the PC-AT image "
                            + "(0x%x bytes), not in the FWSEC section", ptr, pciAtLen));
        }
        long pmuOff = ptr - pciAtLen;
        long sectionRom = first.romOffset();
        PmuLookupTable pmu = pmuTable(source, section, sectionRom, pmuOff);
        PmuLookupTable.Entry prod = pmu.find(PmuLookupTable.APPID_FWSEC_PROD).orElseThrow(
                () -> b.error("PMU lookup table", sectionRom + pmuOff, Kind.MISSING,
                        "no FWSEC_PROD entry (application id 0x85) among "
                                + pmu.entries().size() + " entries"));
        long u = prod.data() - pciAtLen;
        if (prod.data() < pciAtLen || u >= section.byteSize()) {
            throw b.error("PMU lookup table", first.romOffset() + pmuOff, Kind.OUT_OF_BOUNDS,
                    String.format("FWSEC_PROD ucode pointer 0x%x is not in the FWSEC section "
                            + "(0x%x bytes after the PC-AT image's 0x%x)", prod.data(), section.byteSize(),
                            pciAtLen));
        }
        FalconUcodeDesc desc = FalconUcodeDesc.parse(source + " (FWSEC section at ROM 0x"
                + Long.toHexString(first.romOffset()) + ")", section, u);
        return new Vbios(source, rom, ifr, images, pciAt, bitOff, bit, tokens, first, section, pmu, u,
                desc);
    }

    private static BiosImage image(Bytes b, long at, int index) {
        String w = "image " + index + " ROM header";
        if (at + RomHeader.MIN_SIZE > b.size()) {
            throw b.error(w, at, Kind.TRUNCATED, "the ROM ends at 0x" + Long.toHexString(
                    b.size()) + " before the next image's header");
        }
        int sig = b.u16(at, w);
        if (sig != RomHeader.SIGNATURE && sig != RomHeader.SIGNATURE_BB77
                && sig != RomHeader.SIGNATURE_NV) {
            throw b.error(w, at, Kind.BAD_MAGIC, String.format("signature 0x%04x, not 0xaa55",
                    sig));
        }
        int pcirOff = b.u16(at + RomHeader.PCIR_POINTER_AT, w);
        RomHeader rh = new RomHeader(sig, b.u16(at + RomHeader.NBSI_DATA_OFFSET_AT, w), pcirOff,
                b.u32(at + RomHeader.SIZE_OF_BLOCK_AT, w));
        String pw = "image " + index + " PCI data structure";
        long p = at + pcirOff;
        b.require(p, Pcir.SIZE, pw);
        String psig = b.ascii(p, 4, pw);
        if (!psig.equals("PCIR") && !psig.equals("NPDS")) {
            throw b.error(pw, p, Kind.BAD_MAGIC, "signature '" + psig + "', not 'PCIR'");
        }
        Pcir pcir = new Pcir(psig, b.u16(p + 4, pw), b.u16(p + 6, pw), b.u16(p + 8, pw),
                b.u16(p + 10, pw), b.u8(p + 12, pw),
                b.u8(p + 13, pw) | b.u8(p + 14, pw) << 8 | b.u8(p + 15, pw) << 16,
                b.u16(p + 16, pw), b.u16(p + 18, pw), b.u8(p + 20, pw), b.u8(p + 21, pw),
                b.u16(p + 22, pw));
        if (pcir.imageLength() == 0) {
            throw b.error(pw, p + 16, Kind.BAD_VALUE, "image length is 0");
        }
        Optional<Npde> npde = Optional.empty();
        long n = at + ((pcirOff + pcir.length() + 0xf) & ~0xfL);
        if (n + Npde.SIZE <= b.size() && b.ascii(n, 4, "NPDE").equals(Npde.SIGNATURE)) {
            int sub = b.u16(n + 8, "NPDE");
            if (sub != 0) {
                npde = Optional.of(new Npde(b.u16(n + 4, "NPDE"), b.u16(n + 6, "NPDE"), sub,
                        b.u8(n + 10, "NPDE")));
            }
        }
        long size = npde.map(Npde::imageSizeBytes).orElse(pcir.imageSizeBytes());
        b.requireRange(at, size, "image " + index, "image (" + size + " bytes per "
                + (npde.isPresent() ? "NPDE" : "PCIR") + ")");
        return new BiosImage(at, rh, pcir, npde, b.data().asSlice(at, size));
    }

    private static PmuLookupTable pmuTable(String source, MemorySegment section, long rom, long off) {
        Bytes b = new Bytes(source, section);
        String w = "PMU lookup table";
        if (off + PmuLookupTable.HEADER_SIZE > b.size()) {
            throw new FormatException(source, w, rom + off, Kind.OUT_OF_BOUNDS,
                    "falcon data pointer lies past the end of the FWSEC section");
        }
        int version = b.u8(off, w);
        int hlen = b.u8(off + 1, w);
        int elen = b.u8(off + 2, w);
        int count = b.u8(off + 3, w);
        if (elen < PmuLookupTable.ENTRY_SIZE) {
            throw new FormatException(source, w, rom + off + 2, Kind.BAD_VALUE, "entry length "
                    + elen + " is below " + PmuLookupTable.ENTRY_SIZE);
        }
        if (off + hlen + (long) count * elen > b.size()) {
            throw new FormatException(source, w, rom + off, Kind.TRUNCATED, count + " entries of "
                    + elen + " bytes do not fit the FWSEC section");
        }
        List<PmuLookupTable.Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long e = off + hlen + (long) i * elen;
            entries.add(new PmuLookupTable.Entry(b.u8(e, w), b.u8(e + 1, w), b.u32(e + 2, w)));
        }
        return new PmuLookupTable(version, hlen, elen, entries);
    }

    private static long find(MemorySegment hay, byte[] needle) {
        long n = hay.byteSize() - needle.length;
        outer:
        for (long i = 0; i <= n; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay.get(ValueLayout.JAVA_BYTE, i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** @return the FWSEC ucode (IMEM image then DMEM image), a slice of the ROM */
    public MemorySegment fwsecUcode() {
        return fwsecSection.asSlice(fwsecDescOffset + fwsecDesc.size(), fwsecDesc.ucodeSize());
    }

    /** @return the ROM offset of the FWSEC descriptor */
    public long fwsecDescRomOffset() {
        return fwsecFirst.romOffset() + fwsecDescOffset;
    }

    /**
     * @return the FWSEC signatures, slices of the ROM, in signature index order (none for a V2
     *     descriptor: its image is signed as it is)
     */
    public List<MemorySegment> fwsecSignatures() {
        List<MemorySegment> out = new ArrayList<>();
        for (int i = 0; i < fwsecDesc.signatureCount(); i++) {
            out.add(fwsecSection.asSlice(fwsecDescOffset + FalconUcodeDescV3.SIZE
                    + (long) i * FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE,
                    FalconUcodeDescV3.RSA3K_SIGNATURE_SIZE));
        }
        return out;
    }

    /** @return the BIT token with this id */
    public Optional<BitToken> token(int id) {
        return tokens.stream().filter(t -> t.id() == id).findFirst();
    }

    /**
     * @return the BIOS version from the BIOSDATA token (u32 at its data offset), if present
     */
    public OptionalLong biosVersion() {
        Optional<BitToken> t = token(BitToken.ID_BIOSDATA);
        if (t.isEmpty() || t.get().dataSize() < 4
                || t.get().dataOffset() + 4L > pciAt.data().byteSize()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(new Bytes(source, pciAt.data()).u32(t.get().dataOffset(),
                "BIOSDATA"));
    }

    /**
     * @param version a BIOS version u32
     * @return it in NVIDIA's dotted form, e.g. {@code 94.02.42.00} plus the OEM byte by callers
     */
    public static String formatVersion(long version) {
        return String.format("%02x.%02x.%02x.%02x", (version >>> 24) & 0xff,
                (version >>> 16) & 0xff, (version >>> 8) & 0xff, version & 0xff);
    }
}
