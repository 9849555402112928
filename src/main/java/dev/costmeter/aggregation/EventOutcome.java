package dev.costmeter.aggregation;

import java.util.Locale;

/**
 * What became of one record read from the usage topic. Every record has exactly one outcome, so
 * records read = priced + duplicate + invalid + unpriced + conflict.
 */
public enum EventOutcome {
    /** Priced and added to the aggregates. */
    PRICED,
    /** Its (source, id) was already charged; charged once only. */
    DUPLICATE,
    /** Not a usage event costmeter can read; sent to the DLQ with the reason. */
    INVALID,
    /** Valid, but no rate card in effect prices it; quarantined, never priced at $0. */
    UNPRICED,
    /**
     * Its (source, id) was already charged with other content: not charged again, sent to the DLQ
     * with both costs in the reason. The first delivery read is the one charged.
     */
    CONFLICT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
