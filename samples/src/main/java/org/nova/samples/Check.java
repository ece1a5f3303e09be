package org.nova.samples;

/**
 * The outcome of one check a sample driver ran on its device, printed by the {@code samples}
 * shell commands as {@code PASS name: detail}, {@code FAIL name: detail} or {@code INFO name: detail}.
 *
 * @param name    what was checked, e.g. "factorial" or the device's own test name
 * @param verdict whether it held
 * @param detail  what the device answered, for a person reading the output
 */
public record Check(String name, Verdict verdict, String detail) {
    /** How a check came out. */
    public enum Verdict {
        /** The device behaved as documented. */
        PASS,
        /** It did not. */
        FAIL,
        /** Reported, not judged: what the device does depends on the machine it runs on. */
        INFO
    }

    /** @return a PASS or FAIL check */
    public static Check of(String name, boolean ok, String detail) {
        return new Check(name, ok ? Verdict.PASS : Verdict.FAIL, detail);
    }

    /** @return an INFO line */
    public static Check info(String name, String detail) {
        return new Check(name, Verdict.INFO, detail);
    }

    /** @return false only for a FAIL */
    public boolean ok() {
        return verdict != Verdict.FAIL;
    }

    @Override
    public String toString() {
        return verdict + " " + name + ": " + detail;
    }
}
