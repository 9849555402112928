package dev.costmeter.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a label's cardinality bounded: the first {@code maxValues} distinct values keep their own
 * label value, every later one is reported as {@value #OTHER}. PostgreSQL keeps the true values.
 */
public final class LabelLimiter {

    public static final String OTHER = "other";

    private final int maxValues;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    public LabelLimiter(int maxValues) {
        this.maxValues = maxValues;
    }

    public String limit(String value) {
        if (admitted.contains(value)) {
            return value;
        }
        synchronized (admitted) {
            if (admitted.size() < maxValues) {
                admitted.add(value);
                return value;
            }
        }
        return OTHER;
    }
}
