package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.function.Executable;
import org.nova.hw.HostBridgeListener;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;

/** Helpers shared by the simulator tests. */
final class SimTestSupport {
    private SimTestSupport() {
    }

    static final long TIMEOUT_MS = 5000;

    static HwException assertHw(String errno, Executable e) {
        HwException ex = assertThrows(HwException.class, e);
        assertEquals(errno, ex.errno(), ex.getMessage());
        return ex;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Records hot-plug events. */
    static final class Events implements HostBridgeListener {
        final List<PciFunction> added = new CopyOnWriteArrayList<>();
        final List<PciFunction> removed = new CopyOnWriteArrayList<>();
        /** Orderly removals announced, with whether the function still answered config reads then. */
        final List<String> removing = new CopyOnWriteArrayList<>();

        @Override
        public void functionRemoving(PciFunction function) {
            boolean works;
            try {
                function.readConfig(0, Integer.BYTES);
                works = function.isPresent();
            } catch (HwException e) {
                works = false;
            }
            removing.add(function.address() + (works ? " present" : " gone"));
        }

        @Override
        public void functionAdded(PciFunction function) {
            added.add(function);
        }

        @Override
        public void functionRemoved(PciFunction function) {
            removed.add(function);
        }
    }
}
