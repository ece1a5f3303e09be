package org.nova.nvidia.regs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A 32-bit register, declared once with a line of documentation and where the fact comes from.
 * It lives in a {@link Space}: directly in BAR0, or at an offset from a falcon engine's
 * {@code PFALCON} or {@code PFALCON2} base. It may be an array of {@link #count()} elements
 * {@link #stride()} bytes apart. Its fields are declared with {@link #field} right after it
 * (in the static initialiser of the declaring class) and never change afterwards.
 */
public final class Register {

    /** Where a register's offset is counted from. */
    public enum Space {
        /** Directly in BAR0. */
        BAR0,
        /** From {@link FalconEngine#base()}. */
        PFALCON,
        /** From {@link FalconEngine#base2()}. */
        PFALCON2,
        /** In an SR-IOV virtual function's BAR0 (dev_vm.h's NV_VIRTUAL_FUNCTION_PRIV registers). */
        VF_BAR0
    }

    private final String name;
    private final Space space;
    private final int offset;
    private final int count;
    private final int stride;
    private final String doc;
    private final String source;
    private final List<Field> fields = new ArrayList<>();
    private final List<Field> view = Collections.unmodifiableList(fields);

    private Register(String name, Space space, int offset, int count, int stride, String doc,
            String source) {
        this.name = Objects.requireNonNull(name);
        this.space = Objects.requireNonNull(space);
        this.offset = offset;
        this.count = count;
        this.stride = stride;
        this.doc = Objects.requireNonNull(doc);
        this.source = Objects.requireNonNull(source);
    }

    /** Declares a BAR0 register. */
    static Register bar0(String name, int offset, String doc, String source) {
        return new Register(name, Space.BAR0, offset, 1, 4, doc, source);
    }

    /** Declares a BAR0 register array of {@code count} elements, {@code stride} bytes apart. */
    static Register bar0Array(String name, int offset, int count, int stride, String doc,
            String source) {
        return new Register(name, Space.BAR0, offset, count, stride, doc, source);
    }

    /** Declares a register of a virtual function's BAR0. */
    static Register vfBar0(String name, int offset, String doc, String source) {
        return new Register(name, Space.VF_BAR0, offset, 1, 4, doc, source);
    }

    /** Declares a register array of a virtual function's BAR0. */
    static Register vfBar0Array(String name, int offset, int count, int stride, String doc, String source) {
        return new Register(name, Space.VF_BAR0, offset, count, stride, doc, source);
    }

    /** Declares a register relative to a falcon base. */
    static Register falcon(Space space, String name, int offset, String doc, String source) {
        return new Register(name, space, offset, 1, 4, doc, source);
    }

    /** Declares a register array relative to a falcon base. */
    static Register falconArray(Space space, String name, int offset, int count, int stride,
            String doc, String source) {
        return new Register(name, space, offset, count, stride, doc, source);
    }

    /** Declares the field {@code hi:lo} of this register. */
    Field field(int hi, int lo, String fieldName, String fieldDoc) {
        Field f = new Field(this, fieldName, hi, lo, fieldDoc);
        for (Field other : fields) {
            if ((other.mask() & f.mask()) != 0) {
                throw new IllegalStateException(f + " overlaps " + other);
            }
        }
        fields.add(f);
        return f;
    }

    /** @return the register's name as in OpenRM/nova-core ({@code "NV_PMC_BOOT_0"}) */
    public String name() {
        return name;
    }

    /** @return where {@link #offset()} counts from */
    public Space space() {
        return space;
    }

    /** @return the offset of element 0 in its {@link #space()} */
    public int offset() {
        return offset;
    }

    /** @return the number of elements (1 for a plain register) */
    public int count() {
        return count;
    }

    /** @return bytes between two elements */
    public int stride() {
        return stride;
    }

    /** @return the one line of documentation */
    public String doc() {
        return doc;
    }

    /** @return where the fact comes from */
    public String source() {
        return source;
    }

    /** @return the declared fields, lowest bit first in declaration order */
    public List<Field> fields() {
        return view;
    }

    /** @return the field with this name */
    public Optional<Field> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /**
     * @return the BAR0 offset of a plain BAR0 register
     * @throws IllegalStateException if the register is relative to a falcon base
     */
    public int address() {
        return address(0);
    }

    /**
     * @param index the element index
     * @return the BAR0 offset of element {@code index} of a BAR0 register (array); for a
     *     {@link Space#VF_BAR0} register, the offset in the virtual function's BAR0
     * @throws IllegalStateException if the register is relative to a falcon base
     * @throws IndexOutOfBoundsException naming the register if {@code index} is out of range
     */
    public int address(int index) {
        if (space != Space.BAR0 && space != Space.VF_BAR0) {
            throw new IllegalStateException(name + " is relative to a falcon base: name the engine");
        }
        return offset + checkIndex(index) * stride;
    }

    /**
     * @param engine the falcon instance
     * @return the BAR0 offset of this falcon register on {@code engine}
     */
    public int address(FalconEngine engine) {
        return address(engine, 0);
    }

    /**
     * @param engine the falcon instance (ignored for a BAR0 register)
     * @param index the element index
     * @return the BAR0 offset of element {@code index} of this register on {@code engine}
     */
    public int address(FalconEngine engine, int index) {
        int i = checkIndex(index);
        return switch (space) {
            case BAR0 -> offset + i * stride;
            case VF_BAR0 -> throw new IllegalStateException(name + " is in a virtual function's BAR0, not the GPU's");
            case PFALCON -> engine.base() + offset + i * stride;
            case PFALCON2 -> engine.base2() + offset + i * stride;
        };
    }

    /**
     * The reverse of {@link #address(int)} for one register: which element an access lands on.
     *
     * @param offset an offset in this register's space: the BAR0 (or VF BAR0) offset, or for a
     *     falcon register the offset from its engine's base
     * @return the element of this register (array) at {@code offset}, or -1 if none starts there
     */
    public int indexAt(long offset) {
        long d = offset - this.offset;
        return d >= 0 && d % stride == 0 && d / stride < count ? (int) (d / stride) : -1;
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException(name + "[" + index + "]: the array has " + count
                    + " elements");
        }
        return index;
    }

    /**
     * Renders a value field by field, for logs and the shell.
     *
     * @param raw a value of this register
     * @return e.g. {@code NV_PMC_BOOT_42 = 0x19200000 (architecture 0x19, implementation 0x2, ...)}
     */
    public String describe(int raw) {
        StringBuilder sb = new StringBuilder(String.format("%s = 0x%08x", name, raw));
        if (!fields.isEmpty()) {
            sb.append(" (");
            for (int i = 0; i < fields.size(); i++) {
                Field f = fields.get(i);
                if (i > 0) {
                    sb.append(", ");
                }
                sb.append(f.name()).append(" 0x").append(Integer.toHexString(f.get(raw)));
            }
            sb.append(')');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        String where = switch (space) {
            case BAR0 -> String.format("0x%08x", offset);
            case VF_BAR0 -> String.format("VF BAR0+0x%04x", offset);
            case PFALCON -> String.format("PFALCON+0x%03x", offset);
            case PFALCON2 -> String.format("PFALCON2+0x%03x", offset);
        };
        return name + " @ " + where + (count > 1 ? "[" + count + "]" : "");
    }
}
