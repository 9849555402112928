package dev.costmeter.aggregation;

import java.math.BigDecimal;

/** Exact running sums for one aggregate row. Mutable; owned by one batch. */
public final class AggregateSums {
    private BigDecimal quantity = BigDecimal.ZERO;
    private BigDecimal costUsd = BigDecimal.ZERO;
    private long events;

    void add(BigDecimal lineQuantity, BigDecimal lineCost) {
        quantity = quantity.add(lineQuantity);
        costUsd = costUsd.add(lineCost);
        events++;
    }

    /** Takes back a line added earlier (an event that turned out to be a duplicate). */
    void subtract(BigDecimal lineQuantity, BigDecimal lineCost) {
        quantity = quantity.subtract(lineQuantity);
        costUsd = costUsd.subtract(lineCost);
        events--;
    }

    public BigDecimal quantity() {
        return quantity;
    }

    public BigDecimal costUsd() {
        return costUsd;
    }

    /** How many events contributed a line to this row. */
    public long events() {
        return events;
    }
}
