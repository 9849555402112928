package dev.costmeter.aggregation;

import java.util.Locale;

/**
 * What became of one record read from the usage topic. Every record has exactly one outcome, so
 * records read = priced + duplicate + invalid + unpriced.
 */
public enum EventOutcome {
    /** Priced and added to the aggregates. */
    PRICED,
    /** Its (source, id) was already charged; charged once only. */
    DUPLICATE,
    /** Not a usage event costmeter can read; sent to the DLQ with the reason. */
    INVALID,
    /** Valid, but no rate card in effect prices it; quarantined, never priced at $0. */
    UNPRICED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
