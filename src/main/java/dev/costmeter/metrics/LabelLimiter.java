package dev.costmeter.metrics;

/**
 * Keeps a label's cardinality bounded: the first {@code maxValues} distinct values keep their own
 * label value, every later one is reported as {@value #OTHER}. PostgreSQL keeps the true values.
 */
public final class LabelLimiter {

    public static final String OTHER = "other";

    private final SeriesCap<String> values;

    public LabelLimiter(int maxValues) {
        this.values = new SeriesCap<>(maxValues, OTHER);
    }

    public String limit(String value) {
        return values.limit(value);
    }
}
