package org.nova.gpu.internal;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.GspStruct;

/**
 * The CPU sequencer (nova-core gsp/sequencer.rs): GSP-RM asks the driver, through a
 * {@code RUN_CPU_SEQUENCER} event, to run register operations it cannot do itself. The buffer
 * ({@code rpc_run_cpu_sequencer_v17_00}: header, then u32 words: an opcode followed by its
 * arguments) is decoded with the release's bindings (opcodes and argument counts are constants
 * of the ABI description).
 */
final class Sequencer {
    private final GspAbi abi;
    private final Bar0 bar;
    private final Falcon gsp;

    Sequencer(GspAbi abi, Bar0 bar, Falcon gsp) {
        this.abi = abi;
        this.bar = bar;
        this.gsp = gsp;
    }

    /**
     * Runs every operation of the event's buffer.
     *
     * @return the number of operations run
     * @throws DriverException EINVAL (malformed buffer, unknown opcode), ETIMEDOUT (a poll)
     */
    int run(GspMsgQueue.Message m) {
        GspStruct h = abi.struct("rpc_run_cpu_sequencer_v17_00");
        byte[] p = m.payload();
        if (p.length < h.size()) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER payload of " + p.length + " bytes is shorter than "
                    + h.name() + " (" + h.size() + ")");
        }
        int words = (int) h.get(p, 0, "bufferSizeDWord");
        if (words < 0 || h.size() + 4L * words > p.length) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: " + words + " command words do not fit the "
                    + p.length + "-byte payload");
        }
        int[] save = new int[abi.constant("GSP_SEQUENCER_REG_SAVE_AREA_WORDS")];
        int at = 0;
        int ops = 0;
        while (at < words) {
            int op = word(p, h, at++);
            int n = args(op);
            if (at + n > words) {
                throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: opcode " + op + " at word " + (at - 1)
                        + " needs " + n + " arguments, " + (words - at) + " left");
            }
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = word(p, h, at++);
            }
            execute(op, a, save);
            ops++;
        }
        return ops;
    }

    private static int word(byte[] p, GspStruct h, int i) {
        return GspMsgQueue.getLe(p, h.size() + 4 * i);
    }

    private boolean is(int op, String name) {
        return op == abi.constant("GSP_SEQ_BUF_OPCODE_" + name);
    }

    private int args(int op) {
        for (String n : new String[] {"REG_WRITE", "REG_MODIFY", "REG_POLL", "DELAY_US", "REG_STORE"}) {
            if (is(op, n)) {
                return abi.constant("GSP_SEQ_BUF_ARGS_" + n);
            }
        }
        for (String n : new String[] {"CORE_RESET", "CORE_START", "CORE_WAIT_FOR_HALT", "CORE_RESUME"}) {
            if (is(op, n)) {
                return 0;
            }
        }
        throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: unknown opcode " + op + " for firmware "
                + abi.version());
    }

    private void execute(int op, int[] a, int[] save) {
        try {
            if (is(op, "REG_WRITE")) {
                bar.writeFirmwareDirected(a[0], a[1]);
            } else if (is(op, "REG_MODIFY")) {
                int v = bar.readFirmwareDirected(a[0]);
                bar.writeFirmwareDirected(a[0], (v & ~a[1]) | a[2]);
            } else if (is(op, "REG_POLL")) {
                long timeoutUs = Integer.toUnsignedLong(a[3]);
                long deadline = System.nanoTime() + timeoutUs * 1000;
                while ((bar.readFirmwareDirected(a[0]) & a[1]) != a[2]) {
                    if (System.nanoTime() > deadline) {
                        throw new DriverException(Errno.ETIMEDOUT, String.format("RUN_CPU_SEQUENCER: register 0x%x "
                                + "& 0x%x did not become 0x%x within %d us (error 0x%x)", a[0], a[1], a[2], timeoutUs,
                                a[4]));
                    }
                    Thread.onSpinWait();
                }
            } else if (is(op, "DELAY_US")) {
                java.util.concurrent.locks.LockSupport.parkNanos(Integer.toUnsignedLong(a[0]) * 1000);
            } else if (is(op, "REG_STORE")) {
                if (a[1] < 0 || a[1] >= save.length) {
                    throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: save index " + a[1] + " out of range");
                }
                save[a[1]] = bar.readFirmwareDirected(a[0]);
            } else if (is(op, "CORE_RESET")) {
                gsp.reset();
            } else {
                // CORE_START, CORE_WAIT_FOR_HALT, CORE_RESUME: the suspend/resume path, not the boot path
                throw new DriverException(Errno.EOPNOTSUPP, "RUN_CPU_SEQUENCER: opcode " + op
                        + " (core start/halt/resume) is not implemented");
            }
        } catch (IllegalArgumentException e) {
            throw new DriverException(Errno.EINVAL, "RUN_CPU_SEQUENCER: " + e.getMessage(), e);
        }
    }
}
