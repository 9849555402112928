package dev.costmeter.support;

import java.time.Duration;

/** Exponential backoff: the first wait, doubled after each failure up to a ceiling, reset by a success. */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;
    private long nextNanos;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff must be positive and its ceiling at least its first wait: " + initial + ", " + max);
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.nextNanos = initialNanos;
    }

    /** The wait before the next try; each call doubles the one after it. */
    public long nextNanos() {
        long wait = nextNanos;
        nextNanos = Math.min(maxNanos, nextNanos * 2);
        return wait;
    }

    public void reset() {
        nextNanos = initialNanos;
    }
}
