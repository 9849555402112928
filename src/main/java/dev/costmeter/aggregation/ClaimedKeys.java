package dev.costmeter.aggregation;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The event keys a batch claims, each once, in the order claimed, with what the ledger keeps of
 * each: the content's fingerprint, and the cost once the event is priced (null while it is not, and
 * for an event quarantined unpriced).
 *
 * <p>Held in arrays, not as a map of objects: a batch claims tens of thousands of keys and keeps
 * them until its commit; as map entries (a node, a {@code UUID}, two claims and a boxed fingerprint
 * per key, with the batch's list of charged events about 200 bytes per event besides the cost) they
 * were a large part of what every young collection copied. Here a key takes 41 bytes of arrays (its
 * cost included, as a number) and a charged event 16 more in {@link PendingBatch}, and claiming one
 * allocates nothing. The hash of a key is mixed with a seed of the table's own, so that
 * keys chosen to collide (an event key is an MD5 of what a producer sends) cannot be chosen for it.
 *
 * <p>Not thread-safe: filled by the ingest thread, then read by the commit.
 */
public final class ClaimedKeys {

    private long[] high;
    private long[] low;
    private long[] fingerprints;
    /**
     * Per key, its cost as an unscaled number and a code for its scale ({@link #NO_COST} until it is
     * priced): numbers in two arrays, not a {@code BigDecimal} per key. A pending batch of 200,000
     * events held as many objects, which every young collection copied until the batch committed.
     * A cost of more than 18 digits, or of a scale costs never have, stays as it is in {@link #largeCosts}.
     */
    private long[] costUnscaled;
    private byte[] costScaleCodes;
    private final Map<Integer, BigDecimal> largeCosts = new HashMap<>();
    /** Keys whose fingerprint is unknown: only ever from {@link #of}, for keys stored before fingerprints were. */
    private final BitSet withoutFingerprint = new BitSet();
    private int size;
    /** Open addressing: position + 1 of the key whose hash lands here, 0 for none; at most half full. */
    private int[] slots;
    private final long seed = ThreadLocalRandom.current().nextLong();

    public ClaimedKeys() {
        this(1024);
    }

    private ClaimedKeys(int expected) {
        int capacity = Math.max(16, Integer.highestOneBit(Math.max(1, expected - 1)) << 1);
        high = new long[capacity];
        low = new long[capacity];
        fingerprints = new long[capacity];
        costUnscaled = new long[capacity];
        costScaleCodes = new byte[capacity];
        slots = new int[capacity * 2];
    }

    /** A table of the given claims, in the map's order (for callers outside ingest: tests, tools). */
    public static ClaimedKeys of(Map<UUID, PendingBatch.Claim> claims) {
        ClaimedKeys table = new ClaimedKeys(claims.size());
        for (Map.Entry<UUID, PendingBatch.Claim> claim : claims.entrySet()) {
            Long fingerprint = claim.getValue().contentFingerprint();
            int position = table.claim(claim.getKey(), fingerprint == null ? 0 : fingerprint);
            if (position < 0) {
                throw new IllegalArgumentException("a key claimed twice: " + claim.getKey());
            }
            if (fingerprint == null) {
                table.withoutFingerprint.set(position);
            }
            if (claim.getValue().costUsd() != null) {
                table.priced(position, claim.getValue().costUsd());
            }
        }
        return table;
    }

    /**
     * Claims a key not claimed before.
     *
     * @return its position, or, if the key was claimed already, {@code -1 - } the position it has
     */
    public int claim(UUID key, long fingerprint) {
        long keyHigh = key.getMostSignificantBits();
        long keyLow = key.getLeastSignificantBits();
        int mask = slots.length - 1;
        int slot = hash(keyHigh, keyLow) & mask;
        for (int entry; (entry = slots[slot]) != 0; slot = (slot + 1) & mask) {
            if (high[entry - 1] == keyHigh && low[entry - 1] == keyLow) {
                return -entry; // = -1 - position
            }
        }
        if (size == high.length) {
            grow();
            return claim(key, fingerprint);
        }
        int position = size++;
        high[position] = keyHigh;
        low[position] = keyLow;
        fingerprints[position] = fingerprint;
        slots[slot] = position + 1;
        return position;
    }

    /** The position of a claimed key, or -1. */
    public int positionOf(UUID key) {
        long keyHigh = key.getMostSignificantBits();
        long keyLow = key.getLeastSignificantBits();
        int mask = slots.length - 1;
        for (int slot = hash(keyHigh, keyLow) & mask, entry; (entry = slots[slot]) != 0; slot = (slot + 1) & mask) {
            if (high[entry - 1] == keyHigh && low[entry - 1] == keyLow) {
                return entry - 1;
            }
        }
        return -1;
    }

    /** The event under the key at {@code position} is priced at {@code costUsd} (not null: an unpriced key has no cost). */
    public void priced(int position, BigDecimal costUsd) {
        checked(position);
        int scale = costUsd.scale();
        if (scale >= MIN_COMPACT_SCALE && scale <= MAX_COMPACT_SCALE && costUsd.precision() <= MAX_COMPACT_DIGITS) {
            // exact in a long; unscaledValue() would build a BigInteger (this object dies young instead)
            if (costScaleCodes[position] == LARGE_COST) {
                largeCosts.remove(position); // priced again (tests, tools): not on every event, where it would box the position
            }
            costUnscaled[position] = costUsd.scaleByPowerOfTen(scale).longValueExact();
            costScaleCodes[position] = (byte) (scale + SCALE_CODE_OFFSET);
        } else {
            largeCosts.put(position, costUsd);
            costScaleCodes[position] = LARGE_COST;
        }
    }

    /** The cost's scale code before the key is priced (and for a key quarantined unpriced). */
    private static final byte NO_COST = 0;
    private static final byte LARGE_COST = 1;
    /** scale = code − this, for the codes 2 … 127. */
    private static final int SCALE_CODE_OFFSET = 64;
    private static final int MIN_COMPACT_SCALE = 2 - SCALE_CODE_OFFSET;
    private static final int MAX_COMPACT_SCALE = Byte.MAX_VALUE - SCALE_CODE_OFFSET;
    private static final int MAX_COMPACT_DIGITS = 18;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** The key's first 8 bytes, as PostgreSQL stores them first. */
    public long high(int position) {
        return high[checked(position)];
    }

    /** The key's last 8 bytes. */
    public long low(int position) {
        return low[checked(position)];
    }

    public UUID key(int position) {
        return new UUID(high(position), low(position));
    }

    /** The content's fingerprint ({@link EventContent}), or null when unknown (see {@link #of}). */
    public Long fingerprint(int position) {
        return withoutFingerprint.get(checked(position)) ? null : fingerprints[position];
    }

    /** The cost charged under the key, or null (not priced, or quarantined unpriced). */
    public BigDecimal cost(int position) {
        byte code = costScaleCodes[checked(position)];
        return switch (code) {
            case NO_COST -> null;
            case LARGE_COST -> largeCosts.get(position);
            default -> BigDecimal.valueOf(costUnscaled[position], code - SCALE_CODE_OFFSET); // the same scale: equal
        };
    }

    /**
     * Whether the cost at {@code position} is kept as a number ({@link #costUnscaled}, {@link #costScale}):
     * what the ledger's {@code COPY} encodes without making a {@code BigDecimal} of it first.
     */
    public boolean hasCompactCost(int position) {
        byte code = costScaleCodes[checked(position)];
        return code != NO_COST && code != LARGE_COST;
    }

    /** A compact cost's unscaled value (see {@link #hasCompactCost}). */
    public long costUnscaled(int position) {
        return costUnscaled[checked(position)];
    }

    /** A compact cost's scale (see {@link #hasCompactCost}). */
    public int costScale(int position) {
        return costScaleCodes[checked(position)] - SCALE_CODE_OFFSET;
    }

    public PendingBatch.Claim claimAt(int position) {
        return new PendingBatch.Claim(fingerprint(position), cost(position));
    }

    private int checked(int position) {
        if (position < 0 || position >= size) {
            throw new IndexOutOfBoundsException("position " + position + " of " + size + " claimed keys");
        }
        return position;
    }

    private int hash(long keyHigh, long keyLow) {
        long z = (keyHigh ^ seed) * 0x9E3779B97F4A7C15L + keyLow;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (z ^ (z >>> 33));
    }

    private void grow() {
        int capacity = high.length * 2;
        high = Arrays.copyOf(high, capacity);
        low = Arrays.copyOf(low, capacity);
        fingerprints = Arrays.copyOf(fingerprints, capacity);
        costUnscaled = Arrays.copyOf(costUnscaled, capacity);
        costScaleCodes = Arrays.copyOf(costScaleCodes, capacity);
        slots = new int[capacity * 2];
        int mask = slots.length - 1;
        for (int position = 0; position < size; position++) {
            int slot = hash(high[position], low[position]) & mask;
            while (slots[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            slots[slot] = position + 1;
        }
    }
}
