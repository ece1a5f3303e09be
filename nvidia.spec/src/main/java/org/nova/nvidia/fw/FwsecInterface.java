package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.FormatException.Kind;
import org.nova.nvidia.internal.Bytes;

/**
 * The application interface of the FWSEC ucode, through which the driver tells FWSEC what to
 * do: the interface table ({@code FALCON_APPLICATION_INTERFACE_HEADER_V1} and its entries) in
 * the DMEM image, its DMEM-mapper entry ({@code FALCON_APPLICATION_INTERFACE_DMEM_MAPPER_V3}),
 * and the command buffer the mapper points to, where an FRTS command
 * ({@code ReadVbios} + {@code FrtsRegion}) is written. Offsets are in the ucode (IMEM image
 * then DMEM image). Source: nova-core firmware/fwsec.rs; OpenRM nvfw_falcon_appif.
 *
 * @param source the image name, for errors
 * @param headerOffset ucode offset of the interface header
 * @param dmemMapperOffset ucode offset of the DMEM mapper
 * @param cmdInOffset ucode offset of the command-in buffer
 * @param cmdInSize size of the command-in buffer
 */
public record FwsecInterface(String source, long headerOffset, long dmemMapperOffset,
        long cmdInOffset, long cmdInSize) {

    /** Interface header version nova-core accepts. */
    public static final int APPIF_HEADER_VERSION = 1;
    /** Size of the interface header ({@code FalconAppifHdrV1}). */
    public static final int APPIF_HEADER_SIZE = 4;
    /** Size of an interface entry ({@code FalconAppifV1}: id, dmem_base). */
    public static final int APPIF_ENTRY_SIZE = 8;
    /** Interface id of the DMEM mapper ({@code NVFW_FALCON_APPIF_ID_DMEMMAPPER}). */
    public static final int APPIF_ID_DMEMMAPPER = 0x4;
    /** DMEM mapper signature, "DMAP" read as a little-endian u32. */
    public static final int DMEMMAPPER_SIGNATURE = 0x5041_4d44;
    /** DMEM mapper version 3. */
    public static final int DMEMMAPPER_VERSION = 3;
    /** Size of {@code FalconAppifDmemmapperV3}. */
    public static final int DMEMMAPPER_SIZE = 64;
    /** Offset of {@code cmd_in_buffer_offset} in the mapper. */
    public static final int DMEMMAPPER_CMD_IN_BUFFER_OFFSET = 8;
    /** Offset of {@code cmd_in_buffer_size} in the mapper. */
    public static final int DMEMMAPPER_CMD_IN_BUFFER_SIZE = 12;
    /** Offset of {@code init_cmd} in the mapper. */
    public static final int DMEMMAPPER_INIT_CMD = 40;
    /** Command: carve out WPR2 and copy the verified VBIOS into it ({@code CMD_FRTS}). */
    public static final int CMD_FRTS = 0x15;
    /** Command: load pre-OS apps on the PMU ({@code CMD_SB}). */
    public static final int CMD_SB = 0x19;
    /** Size of {@code ReadVbios}. */
    public static final int READ_VBIOS_SIZE = 24;
    /** Size of {@code FrtsRegion}. */
    public static final int FRTS_REGION_SIZE = 20;
    /** Size of {@code FrtsCmd} (ReadVbios + FrtsRegion). */
    public static final int FRTS_CMD_SIZE = READ_VBIOS_SIZE + FRTS_REGION_SIZE;
    /** {@code ReadVbios.flags} value nova-core writes. */
    public static final int READ_VBIOS_FLAGS = 2;
    /** {@code FrtsRegion.ftype}: the region is in the framebuffer ({@code REGION_TYPE_FB}). */
    public static final int FRTS_REGION_TYPE_FB = 2;
    /** FRTS addresses and sizes are in 4 KiB units. */
    public static final int FRTS_SHIFT = 12;

    /**
     * An FRTS command read back from a ucode (what the simulated FWSEC executes).
     *
     * @param initCmd the mapper's init_cmd
     * @param frtsAddress FRTS region start in bytes
     * @param frtsSize FRTS region size in bytes
     * @param regionType FrtsRegion.ftype
     */
    public record Command(int initCmd, long frtsAddress, long frtsSize, int regionType) {
    }

    /**
     * Locates the interface in a ucode.
     *
     * @param source the image name, for errors
     * @param ucode the ucode (IMEM image then DMEM image)
     * @param desc its descriptor
     * @return the located interface
     * @throws FormatException if the header version is not 1, there is no DMEM mapper, the
     *         mapper's signature is not "DMAP", or anything lies past the end of the ucode
     */
    public static FwsecInterface locate(String source, MemorySegment ucode,
            FalconUcodeDescV3 desc) {
        return locate(source, ucode, (FalconUcodeDesc) desc);
    }

    /**
     * Locates the interface in a ucode described by either descriptor version: both put the
     * table at {@code imem_load_size + interface_offset} (fwsec.rs reads it through
     * {@code FalconUCodeDescriptor}).
     *
     * @param source the image name, for errors
     * @param ucode the ucode (IMEM image then DMEM image)
     * @param desc its descriptor
     * @return the located interface
     * @throws FormatException as {@link #locate(String, MemorySegment, FalconUcodeDescV3)}
     */
    public static FwsecInterface locate(String source, MemorySegment ucode, FalconUcodeDesc desc) {
        Bytes b = new Bytes(source, ucode);
        long hdr = desc.imemLoadSize() + desc.interfaceOffset();
        String hw = "FalconAppifHdrV1";
        b.require(hdr, APPIF_HEADER_SIZE, hw);
        int version = b.u8(hdr, hw);
        if (version != APPIF_HEADER_VERSION) {
            throw b.error(hw, hdr, Kind.BAD_VALUE, "version " + version + ", not 1");
        }
        int headerSize = b.u8(hdr + 1, hw);
        int entrySize = b.u8(hdr + 2, hw);
        int count = b.u8(hdr + 3, hw);
        if (headerSize < APPIF_HEADER_SIZE) {
            throw b.error(hw, hdr + 1, Kind.BAD_VALUE, "header_size " + headerSize + " < "
                    + APPIF_HEADER_SIZE);
        }
        if (entrySize < APPIF_ENTRY_SIZE) {
            throw b.error(hw, hdr + 2, Kind.BAD_VALUE, "entry_size " + entrySize + " < 8");
        }
        for (int i = 0; i < count; i++) {
            long e = hdr + headerSize + (long) i * entrySize;
            long id = b.u32(e, "FalconAppifV1 " + i);
            if (id != APPIF_ID_DMEMMAPPER) {
                continue;
            }
            long dmemBase = b.u32(e + 4, "FalconAppifV1 " + i);
            long mapper = desc.imemLoadSize() + dmemBase;
            String mw = "FalconAppifDmemmapperV3";
            b.require(mapper, DMEMMAPPER_SIZE, mw);
            int sig = b.i32(mapper, mw);
            if (sig != DMEMMAPPER_SIGNATURE) {
                throw b.error(mw, mapper, Kind.BAD_MAGIC, String.format(
                        "signature 0x%08x, not 0x%08x (\"DMAP\")", sig, DMEMMAPPER_SIGNATURE));
            }
            long cmdIn = desc.imemLoadSize() + b.u32(mapper + DMEMMAPPER_CMD_IN_BUFFER_OFFSET, mw);
            long cmdInSize = b.u32(mapper + DMEMMAPPER_CMD_IN_BUFFER_SIZE, mw);
            if (cmdInSize < FRTS_CMD_SIZE) {
                throw b.error(mw, mapper + DMEMMAPPER_CMD_IN_BUFFER_SIZE, Kind.BAD_VALUE,
                        "cmd_in_buffer_size " + cmdInSize + " is smaller than an FRTS command ("
                                + FRTS_CMD_SIZE + ")");
            }
            b.requireRange(cmdIn, cmdInSize, mw, "command-in buffer");
            return new FwsecInterface(source, hdr, mapper, cmdIn, cmdInSize);
        }
        throw b.error(hw, hdr, Kind.MISSING, "no DMEM mapper (id 4) among " + count
                + " interface entries");
    }

    /**
     * Writes an FRTS command into a writable copy of the ucode (fwsec.rs {@code new_fwsec}).
     *
     * @param ucode the copy to patch
     * @param frtsAddress FRTS region start, 4 KiB aligned
     * @param frtsSize FRTS region size, 4 KiB aligned
     */
    public void writeFrts(MemorySegment ucode, long frtsAddress, long frtsSize) {
        if (((frtsAddress | frtsSize) & ((1L << FRTS_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "FRTS region 0x%x+0x%x is not 4 KiB aligned", frtsAddress, frtsSize));
        }
        Bytes.put32(ucode, dmemMapperOffset + DMEMMAPPER_INIT_CMD, CMD_FRTS);
        writeReadVbios(ucode);
        long r = cmdInOffset + READ_VBIOS_SIZE;
        Bytes.put32(ucode, r, 1);
        Bytes.put32(ucode, r + 4, FRTS_REGION_SIZE);
        Bytes.put32(ucode, r + 8, frtsAddress >>> FRTS_SHIFT);
        Bytes.put32(ucode, r + 12, frtsSize >>> FRTS_SHIFT);
        Bytes.put32(ucode, r + 16, FRTS_REGION_TYPE_FB);
    }

    /** Writes an SB command into a writable copy of the ucode. */
    public void writeSb(MemorySegment ucode) {
        Bytes.put32(ucode, dmemMapperOffset + DMEMMAPPER_INIT_CMD, CMD_SB);
        writeReadVbios(ucode);
    }

    private void writeReadVbios(MemorySegment ucode) {
        Bytes.put32(ucode, cmdInOffset, 1);
        Bytes.put32(ucode, cmdInOffset + 4, READ_VBIOS_SIZE);
        Bytes.put64(ucode, cmdInOffset + 8, 0);
        Bytes.put32(ucode, cmdInOffset + 16, 0);
        Bytes.put32(ucode, cmdInOffset + 20, READ_VBIOS_FLAGS);
    }

    /** Reads the command a ucode was patched with. */
    public Command readCommand(MemorySegment ucode) {
        Bytes b = new Bytes(source, ucode);
        long r = cmdInOffset + READ_VBIOS_SIZE;
        return new Command(b.i32(dmemMapperOffset + DMEMMAPPER_INIT_CMD, "init_cmd"),
                b.u32(r + 8, "FrtsRegion") << FRTS_SHIFT, b.u32(r + 12, "FrtsRegion") << FRTS_SHIFT,
                b.i32(r + 16, "FrtsRegion"));
    }
}
