package dev.costmeter.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds how many label sets a metric may have in all: the first {@code maxSeries} keep their own
 * series, every later one is reported as the overflow key. The per-label limits ({@link LabelLimiter})
 * bound each label; their product can still be large, this bounds the whole.
 */
public final class SeriesCap<K> {

    private final int maxSeries;
    private final K overflow;
    private final Set<K> admitted = ConcurrentHashMap.newKeySet();

    public SeriesCap(int maxSeries, K overflow) {
        if (maxSeries < 0) {
            throw new IllegalArgumentException("a series limit cannot be negative, was " + maxSeries);
        }
        this.maxSeries = maxSeries;
        this.overflow = overflow;
    }

    /** The key itself if it has (or can still get) a series of its own, else the overflow key. */
    public K limit(K key) {
        if (admitted.contains(key)) {
            return key;
        }
        synchronized (admitted) {
            if (admitted.size() < maxSeries) {
                admitted.add(key);
                return key;
            }
        }
        return overflow;
    }
}
