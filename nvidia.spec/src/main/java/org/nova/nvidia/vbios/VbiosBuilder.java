package org.nova.nvidia.vbios;

import org.nova.nvidia.NvidiaPciIds;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.nova.nvidia.internal.Bytes;

/**
 * Builds a VBIOS ROM in the real layout, for the simulated GPU's expansion ROM: optionally an
 * IFR header ({@link #ifr}) in front of the PCI ROM, then a PC-AT image
 * with the BIT (BIOSDATA and falcon-data tokens), optionally an EFI image, a first FWSEC image
 * holding the PMU lookup table, and a second, last, FWSEC image holding the FWSEC ucode
 * (descriptor, signatures, ucode, as built by {@link org.nova.nvidia.fw.FwsecImageBuilder}).
 * Every image has a ROM header, a PCIR and an NPDE; pointers are computed the way
 * {@link Vbios#parse} (and nova-core) resolves them.
 */
public final class VbiosBuilder {
    /** Offset of the PCIR in each built image. */
    public static final int PCIR_AT = 0x40;
    /** Offset of the NPDE in each built image (16-aligned after the PCIR). */
    public static final int NPDE_AT = 0x60;
    /** Offset of the BIT header in the PC-AT image. */
    public static final int BIT_AT = 0x100;
    /** Offset of the BIOSDATA in the PC-AT image. */
    public static final int BIOSDATA_AT = 0x180;
    /** Offset of the falcon data pointer in the PC-AT image. */
    public static final int FALCON_PTR_AT = 0x1c0;
    /** Offset of the PMU lookup table in the first FWSEC image. */
    public static final int PMU_TABLE_AT = 0x100;
    /** Offset of the FWSEC descriptor in the second FWSEC image. */
    public static final int FWSEC_DESC_AT = 0x100;

    private int vendorId = NvidiaPciIds.PCI_VENDOR_ID_NVIDIA;
    private int deviceId = 0x1e04;
    private int classCode = 0x030000;
    private long biosVersion = 0x9002_4200L;
    private boolean efi = true;
    private byte[] fwsec = new byte[0];
    private int pciAtSize = 0x1000;
    private int ifrVersion;
    /** Where the PCI ROM starts in a ROM built with an IFR header ({@link #ifr}). */
    public static final int IFR_PCI_ROM_OFFSET = 0x2000;

    /** Sets the PCI ids and class code written into every PCIR. */
    public VbiosBuilder pciIds(int vendorId, int deviceId, int classCode) {
        this.vendorId = vendorId;
        this.deviceId = deviceId;
        this.classCode = classCode;
        return this;
    }

    /** Sets the BIOS version (BIOSDATA token). */
    public VbiosBuilder biosVersion(long version) {
        this.biosVersion = version;
        return this;
    }

    /** Includes (default) or leaves out the EFI image between PC-AT and FWSEC. */
    public VbiosBuilder efiImage(boolean include) {
        this.efi = include;
        return this;
    }

    /** @param blob FWSEC descriptor, signatures and ucode, contiguous */
    public VbiosBuilder fwsec(byte[] blob) {
        this.fwsec = blob.clone();
        return this;
    }

    /**
     * Puts an IFR header of this version (1, 2 or 3) in front of the PCI ROM, which then starts
     * at {@link #IFR_PCI_ROM_OFFSET} ({@link IfrHeader#write}); 0 (default) builds none.
     */
    public VbiosBuilder ifr(int version) {
        if (version < 0 || version > 3) {
            throw new IllegalArgumentException("IFR version " + version + " is not 1, 2 or 3 (or 0 for none)");
        }
        this.ifrVersion = version;
        return this;
    }

    /** @param bytes size of the PC-AT image, a multiple of 512, at least 1024 */
    public VbiosBuilder pciAtSize(int bytes) {
        if (bytes % Pcir.BLOCK != 0 || bytes < 1024) {
            throw new IllegalArgumentException("PC-AT image size " + bytes
                    + " must be a multiple of 512 and at least 1024");
        }
        this.pciAtSize = bytes;
        return this;
    }

    /** @return the ROM bytes */
    public byte[] build() {
        if (fwsec.length == 0) {
            throw new IllegalStateException("no FWSEC ucode: call fwsec(...) first");
        }
        int efiSize = 0x400;
        int fw1Size = 0x400;
        int fw2Size = roundUp(FWSEC_DESC_AT + fwsec.length, Pcir.BLOCK);
        List<int[]> layout = new ArrayList<>(); // {offset, size, codeType, last}
        int at = 0;
        layout.add(new int[] {at, pciAtSize, Pcir.CODE_TYPE_PCI_AT, 0});
        at += pciAtSize;
        if (efi) {
            layout.add(new int[] {at, efiSize, Pcir.CODE_TYPE_EFI, 0});
            at += efiSize;
        }
        int fw1At = at;
        layout.add(new int[] {at, fw1Size, Pcir.CODE_TYPE_FWSEC, 0});
        at += fw1Size;
        int fw2At = at;
        layout.add(new int[] {at, fw2Size, Pcir.CODE_TYPE_FWSEC, 1});
        at += fw2Size;
        byte[] rom = new byte[at];
        MemorySegment s = MemorySegment.ofArray(rom);
        for (int[] img : layout) {
            writeHeaders(s, img[0], img[1], img[2], img[3] != 0);
        }
        // BIT in the PC-AT image
        int n = 2;
        Bytes.put16(s, BIT_AT, BitHeader.ID);
        MemorySegment.copy(MemorySegment.ofArray(new byte[] {'B', 'I', 'T', 0}), 0, s,
                BIT_AT + 2, 4);
        Bytes.put16(s, BIT_AT + 6, 0x0100);
        Bytes.put8(s, BIT_AT + 8, BitHeader.SIZE);
        Bytes.put8(s, BIT_AT + 9, BitHeader.TOKEN_SIZE);
        Bytes.put8(s, BIT_AT + 10, n);
        int sum = 0;
        for (int i = 0; i < BitHeader.SIZE - 1; i++) {
            sum += rom[BIT_AT + i] & 0xff;
        }
        Bytes.put8(s, BIT_AT + 11, (-sum) & 0xff);
        int t = BIT_AT + BitHeader.SIZE;
        writeToken(s, t, BitToken.ID_BIOSDATA, 2, 8, BIOSDATA_AT);
        writeToken(s, t + BitHeader.TOKEN_SIZE, BitToken.ID_FALCON_DATA, 2, 4, FALCON_PTR_AT);
        Bytes.put32(s, BIOSDATA_AT, biosVersion);
        // pointers count as if PC-AT and FWSEC images were contiguous (no EFI)
        Bytes.put32(s, FALCON_PTR_AT, (long) pciAtSize + PMU_TABLE_AT);
        // PMU lookup table in the first FWSEC image
        int p = fw1At + PMU_TABLE_AT;
        Bytes.put8(s, p, 1);
        Bytes.put8(s, p + 1, PmuLookupTable.HEADER_SIZE);
        Bytes.put8(s, p + 2, PmuLookupTable.ENTRY_SIZE);
        Bytes.put8(s, p + 3, 2);
        int e = p + PmuLookupTable.HEADER_SIZE;
        Bytes.put8(s, e, PmuLookupTable.APPID_FIRMWARE_SEC_LIC);
        Bytes.put8(s, e + 1, 0);
        Bytes.put32(s, e + 2, 0);
        e += PmuLookupTable.ENTRY_SIZE;
        Bytes.put8(s, e, PmuLookupTable.APPID_FWSEC_PROD);
        Bytes.put8(s, e + 1, 0);
        Bytes.put32(s, e + 2, (long) pciAtSize + fw1Size + FWSEC_DESC_AT);
        // FWSEC ucode in the second FWSEC image
        MemorySegment.copy(MemorySegment.ofArray(fwsec), 0, s, fw2At + FWSEC_DESC_AT,
                fwsec.length);
        if (ifrVersion == 0) {
            return rom;
        }
        byte[] withIfr = new byte[IFR_PCI_ROM_OFFSET + rom.length];
        IfrHeader.write(MemorySegment.ofArray(withIfr), ifrVersion, IFR_PCI_ROM_OFFSET);
        System.arraycopy(rom, 0, withIfr, IFR_PCI_ROM_OFFSET, rom.length);
        return withIfr;
    }

    private void writeHeaders(MemorySegment s, int at, int size, int codeType, boolean last) {
        Bytes.put16(s, at, RomHeader.SIGNATURE);
        Bytes.put16(s, at + RomHeader.PCIR_POINTER_AT, PCIR_AT);
        int p = at + PCIR_AT;
        MemorySegment.copy(MemorySegment.ofArray(new byte[] {'P', 'C', 'I', 'R'}), 0, s, p, 4);
        Bytes.put16(s, p + 4, vendorId);
        Bytes.put16(s, p + 6, deviceId);
        Bytes.put16(s, p + 8, 0);
        Bytes.put16(s, p + 10, Pcir.SIZE);
        Bytes.put8(s, p + 12, 3);
        Bytes.put8(s, p + 13, classCode & 0xff);
        Bytes.put8(s, p + 14, (classCode >>> 8) & 0xff);
        Bytes.put8(s, p + 15, (classCode >>> 16) & 0xff);
        Bytes.put16(s, p + 16, size / Pcir.BLOCK);
        Bytes.put16(s, p + 18, 1);
        Bytes.put8(s, p + 20, codeType);
        Bytes.put8(s, p + 21, last ? Pcir.LAST_IMAGE_BIT : 0);
        Bytes.put16(s, p + 22, 0);
        int n = at + NPDE_AT;
        MemorySegment.copy(MemorySegment.ofArray(new byte[] {'N', 'P', 'D', 'E'}), 0, s, n, 4);
        Bytes.put16(s, n + 4, 0x0101);
        Bytes.put16(s, n + 6, 0x10);
        Bytes.put16(s, n + 8, size / Pcir.BLOCK);
        Bytes.put8(s, n + 10, last ? Pcir.LAST_IMAGE_BIT : 0);
    }

    private static void writeToken(MemorySegment s, int at, int id, int version, int size,
            int offset) {
        Bytes.put8(s, at, id);
        Bytes.put8(s, at + 1, version);
        Bytes.put16(s, at + 2, size);
        Bytes.put16(s, at + 4, offset);
    }

    private static int roundUp(int v, int a) {
        return (v + a - 1) / a * a;
    }
}
