package org.nova.nvidia.regs;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every register declared in this package, and the reverse lookup from a BAR0 offset to the
 * register (and falcon engine, element index) it names — for logs, the shell, and the
 * simulated GPU's handling of registers it does not model.
 */
public final class RegisterMap {
    private static final List<Register> ALL = collect();

    /**
     * A BAR0 offset resolved to a declared register.
     *
     * @param register the register
     * @param engine the falcon engine for a falcon register, else null
     * @param index the array element
     */
    public record Hit(Register register, FalconEngine engine, int index) {
        @Override
        public String toString() {
            return (engine != null ? engine + "." : "") + register.name()
                    + (register.count() > 1 ? "[" + index + "]" : "");
        }
    }

    private RegisterMap() {
    }

    private static List<Register> collect() {
        List<Register> out = new ArrayList<>();
        for (Class<?> c : List.of(Pmc.class, Pbus.class, Pfb.class, Pgsp.class, Pgc6.class,
                Pdisp.class, Fuse.class, Pfalcon.class, Pfalcon2.class, Bar0Window.class,
                Bar1Block.class, MmuInvalidate.class, Pfsp.class)) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && f.getType() == Register.class) {
                    try {
                        out.add((Register) f.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    /** @return every declared register, unit by unit in declaration order */
    public static List<Register> all() {
        return ALL;
    }

    /**
     * @param bar0Offset a BAR0 offset
     * @return the first declared register at that offset (aliases: the first declared wins)
     */
    public static Optional<Hit> lookup(int bar0Offset) {
        for (Register r : ALL) {
            for (int i = 0; i < r.count(); i++) {
                if (r.space() == Register.Space.BAR0) {
                    if (r.address(i) == bar0Offset) {
                        return Optional.of(new Hit(r, null, i));
                    }
                } else {
                    for (FalconEngine e : FalconEngine.values()) {
                        if (r.address(e, i) == bar0Offset) {
                            return Optional.of(new Hit(r, e, i));
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }
}
