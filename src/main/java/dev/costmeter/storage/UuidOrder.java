package dev.costmeter.storage;

import dev.costmeter.aggregation.ClaimedKeys;

import java.util.Arrays;
import java.util.UUID;

/**
 * PostgreSQL's order of uuids (their 16 bytes compared unsigned, first to last; Java's
 * {@link UUID#compareTo} reads the halves as signed numbers and differs), for the event keys
 * of a batch: the order every instance writes them in, so that two instances inserting the same keys
 * lock them alike and never deadlock, and the index is walked from left to right.
 *
 * <p>Event keys are MD5 hashes, spread evenly, so a batch is sorted by distributing the keys into
 * about as many buckets as there are keys by their first bits, then sorting each bucket (of one or
 * two keys, mostly) on its own: linear time, where a comparison sort of a 50,000-key batch took a
 * quarter of the commit thread. Keys made to share their first bits only fill one bucket, which is
 * then sorted by comparison: slower, never wrong.
 */
final class UuidOrder {

    /** Buckets at most: 2^20 (a batch of a million keys). */
    private static final int MAX_BUCKET_BITS = 20;
    private static final int INSERTION_SORT_AT_MOST = 16;

    private UuidOrder() {
    }

    /** The positions of the claimed keys, in the order PostgreSQL sorts them. */
    static int[] ascending(ClaimedKeys keys) {
        int n = keys.size();
        int bits = Math.max(1, Math.min(MAX_BUCKET_BITS, 32 - Integer.numberOfLeadingZeros(n)));
        int buckets = 1 << bits;
        int[] bucketStart = new int[buckets + 1];
        for (int i = 0; i < n; i++) {
            bucketStart[bucketOf(keys.high(i), bits) + 1]++;
        }
        for (int b = 0; b < buckets; b++) {
            bucketStart[b + 1] += bucketStart[b];
        }
        int[] next = Arrays.copyOf(bucketStart, buckets);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[next[bucketOf(keys.high(i), bits)]++] = i;
        }
        for (int b = 0; b < buckets; b++) {
            sortBucket(order, bucketStart[b], bucketStart[b + 1], keys);
        }
        return order;
    }

    /** The key's first {@code bits} bits, unsigned: buckets in ascending order hold ascending keys. */
    private static int bucketOf(long high, int bits) {
        return (int) (high >>> (64 - bits));
    }

    private static int compare(int a, int b, ClaimedKeys keys) {
        int first = Long.compareUnsigned(keys.high(a), keys.high(b));
        return first != 0 ? first : Long.compareUnsigned(keys.low(a), keys.low(b));
    }

    private static void sortBucket(int[] order, int from, int to, ClaimedKeys keys) {
        if (to - from <= INSERTION_SORT_AT_MOST) {
            for (int i = from + 1; i < to; i++) {
                int position = order[i];
                int j = i - 1;
                while (j >= from && compare(order[j], position, keys) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = position;
            }
            return;
        }
        Integer[] crowded = new Integer[to - from];
        for (int i = from; i < to; i++) {
            crowded[i - from] = order[i];
        }
        Arrays.sort(crowded, (a, b) -> compare(a, b, keys));
        for (int i = from; i < to; i++) {
            order[i] = crowded[i - from];
        }
    }
}
