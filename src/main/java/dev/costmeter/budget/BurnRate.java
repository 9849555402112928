package dev.costmeter.budget;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;

/**
 * How fast a budget is being spent: the spend rate over a window divided by the rate that would use
 * exactly the budget over its period. 1 spends the budget on time; 14.4 over an hour would spend a
 * 30-day budget in about two days (the Google SRE workbook's fast-burn threshold, applied to money).
 */
public final class BurnRate {

    /** The windows reported, as in multi-window burn-rate alerting. */
    public static final Duration[] WINDOWS = {Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(6)};

    private BurnRate() {
    }

    public static BigDecimal of(BigDecimal spentInWindow, Duration window, BigDecimal amountUsd, Instant periodStart, Instant periodEnd) {
        BigDecimal periodSeconds = BigDecimal.valueOf(Duration.between(periodStart, periodEnd).toSeconds());
        BigDecimal windowSeconds = BigDecimal.valueOf(window.toSeconds());
        // (spent / window) / (amount / period) = spent × period / (window × amount)
        return spentInWindow.multiply(periodSeconds).divide(windowSeconds.multiply(amountUsd), MathContext.DECIMAL64);
    }

    /**
     * Spend over exactly {@code [windowStart, now)} from bucketed spend: every bucket that starts in
     * the window counts whole (the current one holds only what happened so far), and the bucket the
     * window starts in counts for the share of it inside the window — spend within a bucket taken as
     * even. Counting only the buckets that start inside the window, but dividing by the whole window,
     * read a 5-minute burn up to 20% low (44% four and a half minutes after a burst).
     *
     * @param bucketSpend spend by bucket start, for buckets starting after {@code windowStart − bucket}
     */
    public static BigDecimal spendInWindow(java.util.NavigableMap<Instant, BigDecimal> bucketSpend, Instant windowStart, Duration bucket) {
        BigDecimal spend = BigDecimal.ZERO;
        for (java.util.Map.Entry<Instant, BigDecimal> b : bucketSpend.tailMap(windowStart.minus(bucket), false).entrySet()) {
            if (!b.getKey().isBefore(windowStart)) {
                spend = spend.add(b.getValue());
            } else { // the bucket the window starts in: the part after windowStart
                long inside = Duration.between(windowStart, b.getKey().plus(bucket)).toMillis();
                spend = spend.add(b.getValue().multiply(BigDecimal.valueOf(inside)).divide(BigDecimal.valueOf(bucket.toMillis()), MathContext.DECIMAL64));
            }
        }
        return spend;
    }

    /** The label of a window: 5m, 30m, 1h, 6h. */
    public static String label(Duration window) {
        return window.toMinutes() < 60 ? window.toMinutes() + "m" : window.toHours() + "h";
    }
}
