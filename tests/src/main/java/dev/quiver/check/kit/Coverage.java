package dev.quiver.check.kit;

import java.util.Map;
import java.util.TreeMap;

/**
 * Per-property coverage statistics: for each category (op, rank, dtype, backend, ...) how many
 * tries exercised each value. Filled by {@link Property#classify} and by {@link #note} calls from
 * inside a property's body; printed with the property's summary line.
 */
public final class Coverage {
    private static final ThreadLocal<Coverage> CURRENT = new ThreadLocal<>();

    private final Map<String, Map<String, Integer>> counts = new TreeMap<>();

    Coverage() {}

    /**
     * Records that the running try exercised {@code value} in {@code category} (e.g.
     * {@code note("backend", backend.name())}). Does nothing outside a property run or while
     * shrinking.
     */
    public static void note(String category, Object value) {
        Coverage c = CURRENT.get();
        if (c != null) c.add(category, String.valueOf(value));
    }

    static void activate(Coverage c) {
        CURRENT.set(c);
    }

    static void deactivate() {
        CURRENT.remove();
    }

    void add(String category, String value) {
        counts.computeIfAbsent(category, k -> new TreeMap<>()).merge(value, 1, Integer::sum);
    }


    /** How many tries exercised the value in the category. */
    public int count(String category, String value) {
        return counts.getOrDefault(category, Map.of()).getOrDefault(value, 0);
    }

    /** The categories and their values' counts. */
    public Map<String, Map<String, Integer>> counts() {
        return counts;
    }

    /** Counts of tries per value: "dtype: F32=48 F64=52; rank: 0=10 1=22 ..." */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (var category : counts.entrySet()) {
            if (!sb.isEmpty()) sb.append("; ");
            sb.append(category.getKey()).append(':');
            for (var v : category.getValue().entrySet()) {
                sb.append(' ').append(v.getKey()).append('=').append(v.getValue());
            }
        }
        return sb.toString();
    }
}
