package org.nova.gpu.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.rpc_run_cpu_sequencer_v17_00;
import org.nova.nvidia.regs.Pgc6;

/**
 * The CPU sequencer (nova-core gsp/sequencer.rs, nouveau r535_gsp_msg_run_cpu_sequencer): GSP-RM
 * asks the driver, through a {@code RUN_CPU_SEQUENCER} event, to run operations it cannot do
 * itself: register writes, read-modify-writes, polls, delays and stores, and the operations on
 * the GSP core around its mid-initialisation reset (reset, start, wait for halt, and resume:
 * SEC2-RTOS restarts GSP-RM from the state it saved in WPR2).
 *
 * <p>The buffer ({@code rpc_run_cpu_sequencer_v17_00}: header, then u32 words: an opcode followed
 * by its arguments) is decoded with the release's bindings (opcodes and argument counts are
 * constants of the ABI description). {@code cmdIndex} is where GSP-RM stopped writing, in words,
 * and so where the driver stops reading (NVIDIA's and nouveau's reading; {@code bufferSizeDWord}
 * is the buffer's capacity).
 *
 * <p>Errors: a malformed buffer or unknown opcode is EINVAL, a register poll or a core wait that
 * does not complete is ETIMEDOUT, a resume SEC2 or the GSP reports failed is EIO. The operations
 * before the failing one stay done (as on hardware); the caller kills the command queue.
 */
final class Sequencer {
    /** A poll with timeout 0 waits this long (nouveau and nova-core: 4 s). */
    static final long DEFAULT_POLL_TIMEOUT_US = 4_000_000;
    /** How long CORE_RESUME waits for GSP-RM to report the hand-off (nova-core: 2 s). */
    static final long RESUME_TIMEOUT_MS = 2000;

    /**
     * What the core operations need besides BAR0.
     *
     * @param gsp the GSP falcon
     * @param sec2 the SEC2 falcon (runs SEC2-RTOS, which resumes GSP-RM)
     * @param libosArgs DMA address of the LibOS arguments, which GSP-RM is resumed with
     * @param bootloaderAppVersion the GSP bootloader's application version (written to the GSP's OS
     *        register after the resume, as after booter_load)
     */
    record Cores(Falcon gsp, Falcon sec2, long libosArgs, long bootloaderAppVersion) {
    }

    /** GSP_SEQ_BUF_OPCODE: the operations; their numbers are the release's. */
    private enum Op {
        REG_WRITE, REG_MODIFY, REG_POLL, DELAY_US, REG_STORE, CORE_RESET, CORE_START, CORE_WAIT_FOR_HALT, CORE_RESUME
    }

    private final GspBindings abi;
    private final Bar0 bar;
    private final Cores cores;
    private final int[] save;
    /** The release's opcode numbers. */
    private final Map<Integer, Op> opcodes = new HashMap<>();
    /** The u32 arguments each operation takes (its GSP_SEQ_BUF_PAYLOAD_*; the core operations take none). */
    private final Map<Op, Integer> argc = new EnumMap<>(Op.class);

    Sequencer(GspBindings abi, Bar0 bar, Cores cores) {
        this.abi = abi;
        this.bar = bar;
        this.cores = cores;
        this.save = new int[abi.GSP_SEQUENCER_REG_SAVE_AREA_WORDS()];
        op(Op.REG_WRITE, abi.GSP_SEQ_BUF_OPCODE_REG_WRITE(), abi.GSP_SEQ_BUF_ARGS_REG_WRITE());
        op(Op.REG_MODIFY, abi.GSP_SEQ_BUF_OPCODE_REG_MODIFY(), abi.GSP_SEQ_BUF_ARGS_REG_MODIFY());
        op(Op.REG_POLL, abi.GSP_SEQ_BUF_OPCODE_REG_POLL(), abi.GSP_SEQ_BUF_ARGS_REG_POLL());
        op(Op.DELAY_US, abi.GSP_SEQ_BUF_OPCODE_DELAY_US(), abi.GSP_SEQ_BUF_ARGS_DELAY_US());
        op(Op.REG_STORE, abi.GSP_SEQ_BUF_OPCODE_REG_STORE(), abi.GSP_SEQ_BUF_ARGS_REG_STORE());
        op(Op.CORE_RESET, abi.GSP_SEQ_BUF_OPCODE_CORE_RESET(), 0);
        op(Op.CORE_START, abi.GSP_SEQ_BUF_OPCODE_CORE_START(), 0);
        op(Op.CORE_WAIT_FOR_HALT, abi.GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT(), 0);
        op(Op.CORE_RESUME, abi.GSP_SEQ_BUF_OPCODE_CORE_RESUME(), 0);
    }

    private void op(Op op, int opcode, int args) {
        opcodes.put(opcode, op);
        argc.put(op, args);
    }

    /**
     * Runs every operation of the event's buffer.
     *
     * @return the number of operations run
     * @throws DriverException EINVAL (malformed buffer, unknown opcode), ETIMEDOUT (a poll, a
     *         core wait), EIO (the resume failed)
     */
    int run(GspMsgQueue.Message m) {
        rpc_run_cpu_sequencer_v17_00 h = abi.rpc_run_cpu_sequencer_v17_00();
        byte[] p = m.payload();
        if (p.length < h.size()) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER payload of " + p.length + " bytes is shorter than "
                    + h.name() + " (" + h.size() + ")");
        }
        long capacity = Integer.toUnsignedLong(h.bufferSizeDWord(p, 0));
        long end = Integer.toUnsignedLong(h.cmdIndex(p, 0));
        if (end > capacity || h.size() + 4 * end > p.length) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: cmdIndex " + end + " is beyond the buffer ("
                    + capacity + " words, " + (p.length - h.size()) / 4 + " in the " + p.length + "-byte payload)");
        }
        int words = (int) end;
        int at = 0;
        int ops = 0;
        while (at < words) {
            int opcode = word(p, h, at++);
            Op op = opcodes.get(opcode);
            if (op == null) {
                throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: unknown opcode " + opcode
                        + " for firmware " + abi.version());
            }
            int n = argc.get(op);
            if (at + n > words) {
                throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: opcode " + opcode + " at word " + (at - 1)
                        + " needs " + n + " arguments, " + (words - at) + " left");
            }
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = word(p, h, at++);
            }
            execute(op, a);
            ops++;
        }
        return ops;
    }

    /** @return the register save area (REG_STORE's slots) after {@link #run} */
    int[] saveArea() {
        return save.clone();
    }

    private static int word(byte[] p, rpc_run_cpu_sequencer_v17_00 h, int i) {
        return GspMsgQueue.getLe(p, h.size() + Integer.BYTES * i);
    }

    private void execute(Op op, int[] a) {
        try {
            switch (op) {
                case REG_WRITE -> bar.writeFirmwareDirected(a[0], a[1]);
                case REG_MODIFY -> {
                    int v = bar.readFirmwareDirected(a[0]);
                    bar.writeFirmwareDirected(a[0], (v & ~a[1]) | a[2]);
                }
                case REG_POLL -> poll(a);
                case DELAY_US -> LockSupport.parkNanos(Integer.toUnsignedLong(a[0]) * 1000);
                case REG_STORE -> {
                    if (a[1] < 0 || a[1] >= save.length) {
                        throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: save index " + a[1]
                                + " out of range 0.." + (save.length - 1));
                    }
                    save[a[1]] = bar.readFirmwareDirected(a[0]);
                }
                case CORE_RESET -> {
                    cores.gsp().reset();
                    cores.gsp().dmaReset();
                }
                case CORE_START -> cores.gsp().start();
                case CORE_WAIT_FOR_HALT -> cores.gsp().waitTillHalted("the sequence GSP-RM asked for");
                case CORE_RESUME -> resume();
            }
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: " + e.getMessage(), e);
        }
    }

    private void poll(int[] a) {
        long timeoutUs = a[3] == 0 ? DEFAULT_POLL_TIMEOUT_US : Integer.toUnsignedLong(a[3]);
        long deadline = System.nanoTime() + timeoutUs * 1000;
        while ((bar.readFirmwareDirected(a[0]) & a[1]) != a[2]) {
            if (System.nanoTime() > deadline) {
                throw new DriverException(Errno.ETIMEDOUT, String.format("RUN_CPU_SEQUENCER: register 0x%x "
                        + "& 0x%x did not become 0x%x within %d us (error 0x%x)", a[0], a[1], a[2], timeoutUs, a[4]));
            }
            Thread.onSpinWait();
        }
    }

    /**
     * CORE_RESUME: SEC2-RTOS was staged by GSP-RM; reset the GSP, give it the LibOS arguments, start
     * SEC2, which resumes GSP-RM on the GSP; wait for the hand-off, check SEC2's verdict, then the
     * bootloader version and the RISC-V core, as after booter_load.
     */
    private void resume() {
        Falcon gsp = cores.gsp();
        Falcon sec2 = cores.sec2();
        gsp.reset();
        gsp.writeMailboxes((int) cores.libosArgs(), (int) (cores.libosArgs() >>> 32));
        sec2.start();
        try {
            Poll.until("GSP-RM resume hand-off", RESUME_TIMEOUT_MS, 1,
                    () -> Pgc6.BSI_BOOT_STAGE_3_HANDOFF.isSet(bar.read(Pgc6.BSI_SECURE_SCRATCH_14)));
        } catch (DriverException e) {
            throw new DriverException(Errno.ETIMEDOUT, "RUN_CPU_SEQUENCER: core resume: GSP-RM did not report the "
                    + "boot stage 3 hand-off within " + RESUME_TIMEOUT_MS + " ms (SEC2 mailbox0 0x"
                    + Integer.toHexString(sec2.mailbox0()) + ")", e);
        }
        int mbox0 = sec2.mailbox0();
        if (mbox0 != 0) {
            throw new DriverException(Errno.EIO, String.format("RUN_CPU_SEQUENCER: core resume: SEC2 reported error "
                    + "0x%x", mbox0));
        }
        gsp.writeOsVersion(cores.bootloaderAppVersion());
        if (!gsp.isRiscvActive()) {
            throw new DriverException(Errno.EIO, "RUN_CPU_SEQUENCER: core resume: the GSP's RISC-V core is not active");
        }
    }
}
