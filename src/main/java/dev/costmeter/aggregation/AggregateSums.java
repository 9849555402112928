package dev.costmeter.aggregation;

import java.math.BigDecimal;

/**
 * Exact running sums for one aggregate row. Mutable; owned by one batch.
 *
 * <p>Quantities are mostly whole counts (tokens, images, requests): those are summed in a
 * {@code long}, without a new {@code BigDecimal} for every line, and the rest (fractions, or a sum
 * beyond a {@code long}) as decimals; {@link #quantity()} is their exact total.
 */
public final class AggregateSums {
    private long wholeQuantity;
    private BigDecimal otherQuantity = BigDecimal.ZERO;
    private BigDecimal costUsd = BigDecimal.ZERO;
    private long events;

    /** The sums of one cost line: a row as a batch of a single event would hold it. */
    public static AggregateSums ofLine(BigDecimal lineQuantity, BigDecimal lineCost) {
        AggregateSums sums = new AggregateSums();
        sums.add(lineQuantity, lineCost);
        return sums;
    }

    void add(BigDecimal lineQuantity, BigDecimal lineCost) {
        addQuantity(lineQuantity, false);
        costUsd = costUsd.add(lineCost);
        events++;
    }

    /** Takes back a line added earlier (an event that turned out to be a duplicate). */
    void subtract(BigDecimal lineQuantity, BigDecimal lineCost) {
        addQuantity(lineQuantity, true);
        costUsd = costUsd.subtract(lineCost);
        events--;
    }

    private void addQuantity(BigDecimal quantity, boolean negated) {
        if (quantity.scale() == 0 && quantity.precision() <= MAX_LONG_DIGITS) {
            long whole = quantity.longValue(); // exact: a whole number of at most 18 digits
            try {
                wholeQuantity = negated ? Math.subtractExact(wholeQuantity, whole) : Math.addExact(wholeQuantity, whole);
                return;
            } catch (ArithmeticException beyondALong) {
                // summed as a decimal below, like a fraction
            }
        }
        otherQuantity = negated ? otherQuantity.subtract(quantity) : otherQuantity.add(quantity);
    }

    private static final int MAX_LONG_DIGITS = 18;

    public BigDecimal quantity() {
        return BigDecimal.valueOf(wholeQuantity).add(otherQuantity);
    }

    public BigDecimal costUsd() {
        return costUsd;
    }

    /** How many events contributed a line to this row. */
    public long events() {
        return events;
    }
}
