package dev.costmeter.aggregation;

import java.math.BigDecimal;

/**
 * Exact running sums for one aggregate row. Mutable; owned by one batch.
 *
 * <p>Quantities are mostly whole counts (tokens, images, requests): those are summed in a
 * {@code long}, without a new {@code BigDecimal} for every line, and the rest (fractions, or a sum
 * beyond a {@code long}) as decimals; {@link #quantity()} is their exact total.
 *
 * <p>Costs likewise. Every line of a row has the same unit price (a row is one model, tier, dimension
 * and card), and a line's cost is its quantity × that price, exactly. So for a whole quantity the
 * row sums quantity × the price's unscaled digits in a {@code long}, at the price's scale, and keeps
 * as decimals only what does not fit: a line of another price, a fraction, a sum beyond a
 * {@code long}. {@link #costUsd()} is the exact total, equal in value and scale to the sum of the
 * lines' costs. Summing each cost as a {@code BigDecimal} made a new one per line, a twelfth of the
 * ingest thread (bench/README.md, 2026-12-02, night).
 */
public final class AggregateSums {
    private long wholeQuantity;
    private BigDecimal otherQuantity = BigDecimal.ZERO;
    /** The unit price whose lines are summed in {@link #pricedUnits}; null until a line has one that fits a long. */
    private BigDecimal price;
    private long priceUnscaled;
    /** Σ quantity × {@link #priceUnscaled} of those lines: their cost at the price's scale. */
    private long pricedUnits;
    private BigDecimal otherCost = BigDecimal.ZERO;
    private long events;

    /** The sums of one cost line: a row as a batch of a single event would hold it. */
    public static AggregateSums ofLine(BigDecimal lineQuantity, BigDecimal lineCost) {
        AggregateSums sums = new AggregateSums();
        sums.add(lineQuantity, lineCost);
        return sums;
    }

    /** A line whose unit price is not known here: its cost is summed as a decimal. */
    void add(BigDecimal lineQuantity, BigDecimal lineCost) {
        addQuantity(lineQuantity, false);
        otherCost = otherCost.add(lineCost);
        events++;
    }

    /**
     * A priced line: {@code lineCost} must be exactly {@code lineQuantity × unitPrice}, as the pricer
     * makes every {@link dev.costmeter.pricing.CostLine}.
     */
    void add(BigDecimal lineQuantity, BigDecimal unitPrice, BigDecimal lineCost) {
        assert lineCost.compareTo(lineQuantity.multiply(unitPrice)) == 0 : "a cost line whose cost is not quantity × unit price: "
                + lineQuantity + " × " + unitPrice + " ≠ " + lineCost; // checked in every test run (-ea), free in production
        long whole = addQuantity(lineQuantity, false);
        if (whole == NOT_WHOLE || !addPricedUnits(whole, unitPrice)) {
            otherCost = otherCost.add(lineCost);
        }
        events++;
    }

    /**
     * Takes back a priced line added earlier (an event that turned out to be a duplicate);
     * {@code lineCost} is {@code lineQuantity × unitPrice}.
     */
    void subtract(BigDecimal lineQuantity, BigDecimal unitPrice, BigDecimal lineCost) {
        long whole = addQuantity(lineQuantity, true);
        if (whole == NOT_WHOLE || !addPricedUnits(-whole, unitPrice)) {
            otherCost = otherCost.subtract(lineCost);
        }
        events--;
    }

    /**
     * Adds {@code units} × the price's unscaled digits to {@link #pricedUnits}, if the price is the
     * row's (the first price that fits a long becomes the row's) and nothing overflows; false if the
     * caller must sum the line's cost as a decimal instead.
     */
    private boolean addPricedUnits(long units, BigDecimal unitPrice) {
        if (unitPrice != price) { // nearly always the same object for every line of a row: the card's
            if (price == null) {
                if (unitPrice.scale() < 0 || unitPrice.precision() > MAX_LONG_DIGITS) {
                    return false;
                }
                price = unitPrice;
                priceUnscaled = unitPrice.unscaledValue().longValueExact(); // once per row and batch
            } else if (!unitPrice.equals(price)) { // equal in value and scale: the same card read again
                return false;
            }
        }
        try {
            pricedUnits = Math.addExact(pricedUnits, Math.multiplyExact(units, priceUnscaled));
            return true;
        } catch (ArithmeticException beyondALong) {
            return false;
        }
    }

    /** Adds the quantity; returns it if it was whole and summed in the long, else {@link #NOT_WHOLE}. */
    private long addQuantity(BigDecimal quantity, boolean negated) {
        if (quantity.scale() == 0 && quantity.precision() <= MAX_LONG_DIGITS) {
            long whole = quantity.longValue(); // exact: a whole number of at most 18 digits
            try {
                wholeQuantity = negated ? Math.subtractExact(wholeQuantity, whole) : Math.addExact(wholeQuantity, whole);
                return whole;
            } catch (ArithmeticException beyondALong) {
                // summed as a decimal below, like a fraction
            }
        }
        otherQuantity = negated ? otherQuantity.subtract(quantity) : otherQuantity.add(quantity);
        return NOT_WHOLE;
    }

    /** Not a quantity: whole quantities of at most 18 digits never reach it. */
    private static final long NOT_WHOLE = Long.MIN_VALUE + 1;
    private static final int MAX_LONG_DIGITS = 18;

    public BigDecimal quantity() {
        return BigDecimal.valueOf(wholeQuantity).add(otherQuantity);
    }

    public BigDecimal costUsd() {
        return price == null ? otherCost : BigDecimal.valueOf(pricedUnits, price.scale()).add(otherCost);
    }

    /** How many events contributed a line to this row. */
    public long events() {
        return events;
    }
}
