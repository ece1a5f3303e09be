package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import java.nio.charset.StandardCharsets;

/**
 * QEMU's pci-testdev (1b36:0005), after hw/misc/pci-testdev.c and docs/specs/pci-testdev.rst.
 *
 * <p>BAR0 is 4 KiB of MMIO, BAR1 256 bytes of I/O; both start with the header of the selected
 * test: TEST (u8 at 0x0, write selects test n of this BAR's type), WIDTH (0x1), OFFSET (u32 at
 * 0x4), DATA (u8 at 0x8), COUNT (u32 at 0xc) and the test's name (0x10). Writing DATA at OFFSET
 * is a hit and counts in COUNT for the "no-eventfd" test (index 0, what the kernel's
 * samples/rust/rust_driver_pci.rs uses). For the two eventfd tests QEMU registers an ioeventfd
 * at OFFSET that consumes matching writes before the device sees them, so COUNT does not move:
 * this model does the same (and counts the eventfd signals, for tests).
 *
 * <p>The device implements byte accesses only (MemoryRegionOps.impl 1..1): wider accesses are
 * split into byte accesses, little-endian, after the ioeventfd match on the original access.
 * Reads with no test selected return 0. Reset (qdev reset = pci_testdev_reset) deselects the
 * test; COUNT is zeroed only when a test is selected again.
 */
final class PciTestDevice implements DeviceModel {
    /** Description ({@link org.nova.hw.PciFunction#model()}). */
    static final String DESCRIPTION = "QEMU pci-testdev";
    /** Revision ID (pci_testdev_class_init k->revision). */
    static final int REVISION = 0x00;
    /** MMIO half-size: tests live in the upper half (IOTEST_MEMSIZE). */
    static final int IOTEST_MEMSIZE = 2048;
    /** I/O half-size (IOTEST_IOSIZE). */
    static final int IOTEST_IOSIZE = 128;
    /** BAR0: MMIO, twice IOTEST_MEMSIZE (memory_region_init_io "pci-testdev-mmio"). */
    static final int MMIO_BAR = 0;
    /** BAR1: I/O, twice IOTEST_IOSIZE (memory_region_init_io "pci-testdev-portio"). */
    static final int PIO_BAR = 1;
    /** Header field: test number (u8, write selects). */
    static final int HDR_TEST = 0x0;
    /** Header field: access width of the test (u8). */
    static final int HDR_WIDTH = 0x1;
    /** Header field: offset to write in this BAR (u32). */
    static final int HDR_OFFSET = 0x4;
    /** Header field: data to write (u8, padded). */
    static final int HDR_DATA = 0x8;
    /** Header field: hits counted (u32). */
    static final int HDR_COUNT = 0xc;
    /** Header field: NUL-terminated test name. */
    static final int HDR_NAME = 0x10;
    /** DATA of the data-matching tests (IOTEST_DATAMATCH). */
    static final int IOTEST_DATAMATCH = 0xfa;
    /** DATA of the wildcard test (IOTEST_NOMATCH). */
    static final int IOTEST_NOMATCH = 0xce;
    /** Access width of every test (IOTEST_ACCESS_WIDTH, sizeof(uint8_t)). */
    static final int IOTEST_ACCESS_WIDTH = 1;
    /** Test kinds per BAR type, in index order (iotest_test). */
    static final String[] IOTEST_TEST = {"no-eventfd", "wildcard-eventfd", "datamatch-eventfd"};
    /** BAR types, in index order (iotest_type). */
    static final String[] IOTEST_TYPE = {"mmio", "portio"};
    /** Test index of "no-eventfd" within a type. */
    static final int TEST_NO_EVENTFD = 0;
    /** Test index of "wildcard-eventfd" within a type. */
    static final int TEST_WILDCARD_EVENTFD = 1;
    /** Tests per type (IOTEST_MAX_TEST). */
    static final int IOTEST_MAX_TEST = IOTEST_TEST.length;
    /** Type number of MMIO tests. */
    static final int TYPE_MMIO = 0;
    /** Type number of port I/O tests. */
    static final int TYPE_PIO = 1;
    /** No test selected (d->current = -1). */
    private static final int NONE = -1;
    /** Mask of an unsigned byte. */
    private static final int BYTE_MASK = 0xff;

    /** One test and its header buffer (struct IOTest / PCITestDevHdr). */
    private static final class IoTest {
        final byte[] hdr;
        final int offset;
        final int type;
        final boolean matchData;
        final boolean hasNotifier;
        final int data;
        long signals;

        IoTest(int i) {
            String name = IOTEST_TYPE[i / IOTEST_MAX_TEST] + "-" + IOTEST_TEST[i % IOTEST_MAX_TEST];
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            hdr = new byte[HDR_NAME + n.length + 1];
            System.arraycopy(n, 0, hdr, HDR_NAME, n.length);
            type = i / IOTEST_MAX_TEST;
            offset = (type == TYPE_MMIO ? IOTEST_MEMSIZE : IOTEST_IOSIZE) + i * IOTEST_ACCESS_WIDTH;
            matchData = i % IOTEST_MAX_TEST != TEST_WILDCARD_EVENTFD;
            hasNotifier = i % IOTEST_MAX_TEST != TEST_NO_EVENTFD;
            data = matchData ? IOTEST_DATAMATCH : IOTEST_NOMATCH;
            hdr[HDR_TEST] = (byte) i;
            hdr[HDR_WIDTH] = IOTEST_ACCESS_WIDTH;
            putInt(HDR_OFFSET, offset);
            hdr[HDR_DATA] = (byte) data;
        }

        void putInt(int at, int v) {
            for (int b = 0; b < Integer.BYTES; b++) {
                hdr[at + b] = (byte) (v >>> (b * Byte.SIZE));
            }
        }

        int getInt(int at) {
            int v = 0;
            for (int b = Integer.BYTES - 1; b >= 0; b--) {
                v = v << Byte.SIZE | (hdr[at + b] & BYTE_MASK);
            }
            return v;
        }
    }

    private final IoTest[] tests = new IoTest[IOTEST_MAX_TEST * IOTEST_TYPE.length];
    private int current = NONE;

    PciTestDevice() {
        for (int i = 0; i < tests.length; i++) {
            tests[i] = new IoTest(i);
        }
    }

    @Override
    public String description() {
        return DESCRIPTION;
    }

    @Override
    public ConfigSpace createConfigSpace() {
        return ConfigSpace.builder(PciRegs.PCI_CFG_SPACE_SIZE)
                .vendor(QemuIds.PCI_VENDOR_ID_REDHAT)
                .device(QemuIds.PCI_DEVICE_ID_REDHAT_TEST)
                .revision(REVISION)
                .classCode(QemuIds.CLASS_OTHERS)
                .subsystem(QemuIds.PCI_SUBVENDOR_ID_REDHAT_QUMRANET, QemuIds.PCI_SUBDEVICE_ID_QEMU)
                .interruptPin(0)
                .bar(BarSpec.mem32(MMIO_BAR, 2L * IOTEST_MEMSIZE))
                .bar(BarSpec.io(PIO_BAR, 2L * IOTEST_IOSIZE))
                .build();
    }

    @Override
    public Region region(int index) {
        return switch (index) {
            case MMIO_BAR -> new TestRegion(TYPE_MMIO, 2L * IOTEST_MEMSIZE);
            case PIO_BAR -> new TestRegion(TYPE_PIO, 2L * IOTEST_IOSIZE);
            default -> null;
        };
    }

    @Override
    public void start(DeviceContext context) {
        // No threads, interrupts or DMA.
    }

    @Override
    public void reset() {
        current = NONE;
    }

    @Override
    public void stop() {
        current = NONE;
    }

    /** @return eventfd signals of test index (0..5), for tests; guarded by the function lock */
    long eventfdSignals(int index) {
        return tests[index].signals;
    }

    /** One BAR: the ioeventfd match on the whole access, then byte accesses (access_with_adjusted_size). */
    private final class TestRegion implements Region {
        private final int type;
        private final long size;

        TestRegion(int type, long size) {
            this.type = type;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public long read(long offset, int width) {
            long v = 0;
            for (int i = width - 1; i >= 0; i--) {
                v = v << Byte.SIZE | readByte(offset + i);
            }
            return v;
        }

        @Override
        public void write(long offset, int width, long value) {
            if (ioeventfd(offset, width, value)) {
                return;
            }
            for (int i = 0; i < width; i++) {
                writeByte(offset + i, (int) (value >>> (i * Byte.SIZE)) & BYTE_MASK);
            }
        }

        /** QEMU memory_region_dispatch_write_eventfds: an ioeventfd of the current test on this region. */
        private boolean ioeventfd(long offset, int width, long value) {
            if (current == NONE) {
                return false;
            }
            IoTest t = tests[current];
            if (!t.hasNotifier || t.type != type || offset != t.offset || width != IOTEST_ACCESS_WIDTH
                    || (t.matchData && value != t.data)) {
                return false;
            }
            t.signals++;
            return true;
        }

        /** pci_testdev_read with size 1. */
        private int readByte(long addr) {
            if (current == NONE) {
                return 0;
            }
            IoTest t = tests[current];
            if (addr + 1 >= t.hdr.length) {
                return 0;
            }
            return t.hdr[(int) addr] & BYTE_MASK;
        }

        /** pci_testdev_write with size 1. */
        private void writeByte(long addr, int value) {
            if (addr == HDR_TEST) {
                current = NONE;
                if (value >= IOTEST_MAX_TEST) {
                    return;
                }
                int t = type * IOTEST_MAX_TEST + value;
                tests[t].putInt(HDR_COUNT, 0);
                current = t;
                return;
            }
            if (current == NONE) {
                return;
            }
            IoTest t = tests[current];
            if (addr != t.offset) {
                return;
            }
            if (t.matchData && value != t.data) {
                return;
            }
            t.putInt(HDR_COUNT, t.getInt(HDR_COUNT) + 1);
        }
    }
}
