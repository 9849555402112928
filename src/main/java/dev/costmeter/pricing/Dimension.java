package dev.costmeter.pricing;

import java.util.HashMap;
import java.util.Map;

/**
 * A billed dimension: one kind of thing Bedrock charges for, in the unit it is counted in.
 * The rate card says what one unit of each costs; events say how many units were used.
 */
public enum Dimension {
    INPUT_TOKENS("input_tokens", "token"),
    OUTPUT_TOKENS("output_tokens", "token"),
    CACHE_READ_INPUT_TOKENS("cache_read_input_tokens", "token"),
    CACHE_WRITE_5M_INPUT_TOKENS("cache_write_5m_input_tokens", "token"),
    CACHE_WRITE_1H_INPUT_TOKENS("cache_write_1h_input_tokens", "token");

    private static final Map<String, Dimension> BY_ID = new HashMap<>();

    static {
        for (Dimension d : values()) {
            BY_ID.put(d.id, d);
        }
    }

    private final String id;
    private final String unit;

    Dimension(String id, String unit) {
        this.id = id;
        this.unit = unit;
    }

    /** The name used in rate cards, aggregates, metrics and JSON. */
    public String id() {
        return id;
    }

    public String unit() {
        return unit;
    }

    /** @return the dimension with this id, or null */
    public static Dimension byId(String id) {
        return BY_ID.get(id);
    }
}
