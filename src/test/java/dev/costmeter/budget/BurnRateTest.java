package dev.costmeter.budget;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.NavigableMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** A burn window covers exactly [now − window, now), whatever the bucket edges. */
class BurnRateTest {

    static final Duration MINUTE = Duration.ofMinutes(1);

    /** $1 a minute, steadily, from 11:50; at 12:04:30 the current bucket holds half a minute's spend. */
    static NavigableMap<Instant, BigDecimal> steadyDollarAMinute() {
        NavigableMap<Instant, BigDecimal> buckets = new TreeMap<>();
        for (Instant b = Instant.parse("2026-03-02T11:50:00Z"); b.isBefore(Instant.parse("2026-03-02T12:04:00Z")); b = b.plus(MINUTE)) {
            buckets.put(b, BigDecimal.ONE);
        }
        buckets.put(Instant.parse("2026-03-02T12:04:00Z"), new BigDecimal("0.5"));
        return buckets;
    }

    @Test
    void aWindowStartingMidBucketCountsThatBucketsShareInsideIt() {
        // [11:59:30, 12:04:30): half of 11:59 + 12:00…12:03 + the half minute of 12:04 = $5, five minutes at $1
        BigDecimal spend = BurnRate.spendInWindow(steadyDollarAMinute(), Instant.parse("2026-03-02T11:59:30Z"), MINUTE);
        assertThat(spend).isEqualByComparingTo("5");
        // only the buckets that start inside the window would have said $4.50: 10% low
    }

    @Test
    void aWindowStartingOnABucketEdgeCountsWholeBucketsOnly() {
        assertThat(BurnRate.spendInWindow(steadyDollarAMinute(), Instant.parse("2026-03-02T12:00:00Z"), MINUTE)).isEqualByComparingTo("4.5");
    }

    @Test
    void aBurstJustBeforeTheWindowCountsForTheShareOfItsBucketInside() {
        // $6 spent in the 12:00 bucket; a 5-minute window at 12:05:20 starts at 12:00:20: 40 s of 60 inside
        NavigableMap<Instant, BigDecimal> burst = new TreeMap<>();
        burst.put(Instant.parse("2026-03-02T12:00:00Z"), new BigDecimal("6"));
        assertThat(BurnRate.spendInWindow(burst, Instant.parse("2026-03-02T12:00:20Z"), MINUTE)).isEqualByComparingTo("4");
        assertThat(BurnRate.spendInWindow(burst, Instant.parse("2026-03-02T12:01:00Z"), MINUTE)).isEqualByComparingTo("0");
        assertThat(BurnRate.spendInWindow(new TreeMap<>(), Instant.parse("2026-03-02T12:01:00Z"), MINUTE)).isEqualByComparingTo("0");
    }

    @Test
    void theBurnRateDividesTheWindowsSpendByTheWindow() {
        // $5 in 5 minutes against $300 over a 30-day month: (5/300) × (30 days / 5 min) = 144
        BigDecimal rate = BurnRate.of(new BigDecimal("5"), Duration.ofMinutes(5), new BigDecimal("300"),
                Instant.parse("2026-04-01T00:00:00Z"), Instant.parse("2026-05-01T00:00:00Z"));
        assertThat(rate).isEqualByComparingTo("144");
    }
}
