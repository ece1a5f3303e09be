package org.nova.runtime;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * What Metatype says a configuration may hold, and the typed properties of {@code cm:set}'s
 * KEY=VALUE words: each value becomes its attribute's type (a list or an array when the attribute
 * has a cardinality: values separated by {@value #LIST_SEPARATOR}, which {@value #ESCAPE} escapes),
 * and a key the definition does not have, a value that is not of the type, out of the range or not
 * among the options is refused with EINVAL naming the key — before anything is stored. A key left
 * out is left out: its owner applies the attribute's default.
 */
final class ConfigDefinitions {
    /** The project's PIDs start with this: one that no Metatype describes and no component takes is a typo. */
    static final String NAMESPACE = "org.nova.";
    /** Separates the values of a multi-valued attribute in one word (Metatype's list syntax). */
    static final char LIST_SEPARATOR = ',';
    /** Escapes a {@link #LIST_SEPARATOR} (or itself) that belongs to a value. */
    static final char ESCAPE = '\\';
    /** Separates a key from its value in a word of cm:set. */
    static final char ASSIGN = '=';
    /** A value without a definition that reads as a decimal int (at most 9 digits, so it fits). */
    private static final Pattern UNTYPED_INT = Pattern.compile("-?\\d{1,9}");
    /** Metatype's validation messages may be localisation keys ("%greater than maximum"). */
    private static final String LOCALIZATION_KEY = "%";

    /**
     * A PID's definition.
     *
     * @param id      the PID or factory PID it defines
     * @param factory whether it is a factory PID
     * @param ocd     the object class definition
     * @param bundle  the bundle whose Metatype gives it
     */
    record Definition(String id, boolean factory, ObjectClassDefinition ocd, Bundle bundle) {
    }

    private final BundleContext context;
    private final MetaTypeService metatype;

    ConfigDefinitions(BundleContext context, MetaTypeService metatype) {
        this.context = context;
        this.metatype = metatype;
    }

    /** @return the definition of a PID or factory PID, from the Metatype of any installed bundle */
    Optional<Definition> find(String id) {
        for (Bundle b : context.getBundles()) {
            MetaTypeInformation info = metatype.getMetaTypeInformation(b);
            if (info == null) {
                continue;
            }
            if (Arrays.asList(info.getPids()).contains(id)) {
                return Optional.of(new Definition(id, false, info.getObjectClassDefinition(id, null), b));
            }
            if (Arrays.asList(info.getFactoryPids()).contains(id)) {
                return Optional.of(new Definition(id, true, info.getObjectClassDefinition(id, null), b));
            }
        }
        return Optional.empty();
    }

    /** @return the project's PIDs that Metatype describes, sorted, factory PIDs as "PID~NAME" */
    List<String> known() {
        TreeSet<String> out = new TreeSet<>();
        for (Bundle b : context.getBundles()) {
            MetaTypeInformation info = metatype.getMetaTypeInformation(b);
            if (info != null) {
                Arrays.stream(info.getPids()).filter(p -> p.startsWith(NAMESPACE)).forEach(out::add);
                Arrays.stream(info.getFactoryPids()).filter(p -> p.startsWith(NAMESPACE))
                        .forEach(p -> out.add(p + ConfigCommands.FACTORY_SEPARATOR + "NAME"));
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * @param target      the PID as the command named it, for the messages
     * @param ocd         its definition
     * @param assignments the KEY=VALUE words
     * @return the typed properties
     * @throws DriverException EINVAL naming the key and why: not KEY=VALUE, unknown, given twice,
     *                         not of the type, out of the range, not among the options
     */
    static Hashtable<String, Object> parse(String target, ObjectClassDefinition ocd, List<String> assignments) {
        AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        Hashtable<String, Object> props = new Hashtable<>();
        for (String word : assignments) {
            String key = key(target, word);
            String raw = word.substring(key.length() + 1);
            AttributeDefinition ad = Arrays.stream(ads).filter(a -> a.getID().equals(key)).findFirst()
                    .orElseThrow(() -> invalid(target, "unknown key '" + key + "' (its keys: "
                            + String.join(", ", Arrays.stream(ads).map(AttributeDefinition::getID).toList()) + ")"));
            if (props.put(key, typed(target, ad, raw)) != null) {
                throw invalid(target, key + " is given twice");
            }
        }
        return props;
    }

    /**
     * The properties of a PID no Metatype describes: "true"/"false" become Boolean, decimal
     * integers Integer, the rest String.
     */
    static Hashtable<String, Object> parseUntyped(String target, List<String> assignments) {
        Hashtable<String, Object> props = new Hashtable<>();
        for (String word : assignments) {
            String key = key(target, word);
            String v = word.substring(key.length() + 1);
            Object value = v.equals(Boolean.TRUE.toString()) || v.equals(Boolean.FALSE.toString())
                    ? (Object) Boolean.valueOf(v) : UNTYPED_INT.matcher(v).matches() ? (Object) Integer.valueOf(v) : v;
            if (props.put(key, value) != null) {
                throw invalid(target, key + " is given twice");
            }
        }
        return props;
    }

    private static String key(String target, String word) {
        int eq = word.indexOf(ASSIGN);
        if (eq <= 0) {
            throw invalid(target, "'" + word + "' is not KEY=VALUE");
        }
        return word.substring(0, eq);
    }

    /** @return the value of one attribute, of its type and cardinality, checked against its options and range */
    static Object typed(String target, AttributeDefinition ad, String raw) {
        int cardinality = ad.getCardinality();
        List<String> words = cardinality == 0 ? List.of(raw.trim()) : split(raw);
        List<Object> values = new ArrayList<>();
        for (String w : words) {
            values.add(value(target, ad, w));
            String[] options = ad.getOptionValues();
            if (options != null && options.length > 0 && !Arrays.asList(options).contains(w)) {
                throw invalid(target, ad.getID() + " = '" + w + "' is not one of " + String.join(", ", options));
            }
        }
        int most = Math.abs(cardinality);
        if (cardinality != 0 && most != Integer.MAX_VALUE && most != Math.abs(Integer.MIN_VALUE) && values.size() > most) {
            throw invalid(target, ad.getID() + " takes at most " + most + " values, not " + values.size());
        }
        // Metatype reads decimal: hand it the values as typed (0x10 becomes 16)
        String problem = ad.validate(String.join(String.valueOf(LIST_SEPARATOR),
                values.stream().map(String::valueOf).toList()));
        if (problem != null && !problem.isEmpty()) {
            String why = problem.startsWith(LOCALIZATION_KEY) ? problem.substring(LOCALIZATION_KEY.length()) : problem;
            String about = ad.getDescription() == null ? "" : " (" + ad.getID() + ": " + ad.getDescription() + ")";
            throw invalid(target, ad.getID() + " = '" + raw + "': " + why + about);
        }
        if (cardinality == 0) {
            return values.get(0);
        }
        if (cardinality < 0) {
            return values;
        }
        Object array = Array.newInstance(elementClass(ad.getType()), values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(array, i, values.get(i));
        }
        return array;
    }

    /** @return one value of the attribute's type */
    private static Object value(String target, AttributeDefinition ad, String w) {
        try {
            return switch (ad.getType()) {
                case AttributeDefinition.BOOLEAN -> {
                    if (!w.equalsIgnoreCase(Boolean.TRUE.toString()) && !w.equalsIgnoreCase(Boolean.FALSE.toString())) {
                        throw new IllegalArgumentException("not a boolean (true or false)");
                    }
                    yield Boolean.valueOf(w);
                }
                case AttributeDefinition.BYTE -> Byte.decode(w);
                case AttributeDefinition.SHORT -> Short.decode(w);
                case AttributeDefinition.INTEGER -> Integer.decode(w);
                case AttributeDefinition.LONG -> Long.decode(w);
                case AttributeDefinition.FLOAT -> Float.valueOf(w);
                case AttributeDefinition.DOUBLE -> Double.valueOf(w);
                case AttributeDefinition.CHARACTER -> {
                    if (w.length() != 1) {
                        throw new IllegalArgumentException("not one character");
                    }
                    yield w.charAt(0);
                }
                default -> w;
            };
        } catch (NumberFormatException e) {
            throw invalid(target, ad.getID() + " = '" + w + "' is not " + typeName(ad.getType()));
        } catch (IllegalArgumentException e) {
            throw invalid(target, ad.getID() + " = '" + w + "' is " + e.getMessage());
        }
    }

    /** @return the class of one value of the type (the component type of an array attribute) */
    private static Class<?> elementClass(int type) {
        return switch (type) {
            case AttributeDefinition.BOOLEAN -> Boolean.class;
            case AttributeDefinition.BYTE -> Byte.class;
            case AttributeDefinition.SHORT -> Short.class;
            case AttributeDefinition.INTEGER -> Integer.class;
            case AttributeDefinition.LONG -> Long.class;
            case AttributeDefinition.FLOAT -> Float.class;
            case AttributeDefinition.DOUBLE -> Double.class;
            case AttributeDefinition.CHARACTER -> Character.class;
            default -> String.class;
        };
    }

    private static String typeName(int type) {
        return switch (type) {
            case AttributeDefinition.BYTE -> "a byte (-128..127)";
            case AttributeDefinition.SHORT -> "a short (-32768..32767)";
            case AttributeDefinition.INTEGER -> "an integer";
            case AttributeDefinition.LONG -> "a long integer";
            default -> "a number";
        };
    }

    /** @return the values of a list word: split at unescaped separators, escapes removed, empty for "" */
    static List<String> split(String raw) {
        List<String> out = new ArrayList<>();
        if (raw.isEmpty()) {
            return out;
        }
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ESCAPE && i + 1 < raw.length()) {
                cur.append(raw.charAt(++i));
            } else if (c == LIST_SEPARATOR) {
                out.add(cur.toString().trim());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString().trim());
        return out;
    }

    private static DriverException invalid(String target, String why) {
        return new DriverException(Errno.EINVAL, target + ": " + why + "; nothing was stored");
    }
}
