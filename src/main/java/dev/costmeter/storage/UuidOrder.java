package dev.costmeter.storage;

import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;

/**
 * PostgreSQL's order of uuids (their 16 bytes compared unsigned, first to last), for the event keys
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

    /** PostgreSQL's comparison of two uuids. Java's {@link UUID#compareTo} reads the halves as signed and differs. */
    static int compare(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    /** The positions of {@code keys}, in the order PostgreSQL sorts the keys. */
    static int[] ascending(UUID[] keys) {
        int n = keys.length;
        int bits = Math.max(1, Math.min(MAX_BUCKET_BITS, 32 - Integer.numberOfLeadingZeros(n)));
        int buckets = 1 << bits;
        int[] bucketStart = new int[buckets + 1];
        for (UUID key : keys) {
            bucketStart[bucketOf(key, bits) + 1]++;
        }
        for (int b = 0; b < buckets; b++) {
            bucketStart[b + 1] += bucketStart[b];
        }
        int[] next = Arrays.copyOf(bucketStart, buckets);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[next[bucketOf(keys[i], bits)]++] = i;
        }
        for (int b = 0; b < buckets; b++) {
            sortBucket(order, bucketStart[b], bucketStart[b + 1], keys);
        }
        return order;
    }

    /** The key's first {@code bits} bits, unsigned: buckets in ascending order hold ascending keys. */
    private static int bucketOf(UUID key, int bits) {
        return (int) (key.getMostSignificantBits() >>> (64 - bits));
    }

    private static void sortBucket(int[] order, int from, int to, UUID[] keys) {
        if (to - from <= INSERTION_SORT_AT_MOST) {
            for (int i = from + 1; i < to; i++) {
                int position = order[i];
                int j = i - 1;
                while (j >= from && compare(keys[order[j]], keys[position]) > 0) {
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
        Arrays.sort(crowded, Comparator.comparing((Integer i) -> keys[i], UuidOrder::compare));
        for (int i = from; i < to; i++) {
            order[i] = crowded[i - from];
        }
    }
}
