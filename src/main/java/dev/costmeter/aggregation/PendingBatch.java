package dev.costmeter.aggregation;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCardTimeline;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The records read since the last hand-over, already decoded, priced and summed into aggregates,
 * and the offsets to commit with them. A commit writes all of it in one transaction, or none of it.
 *
 * <p>Priced events are summed as they are read and kept only as their key, cost and position, in
 * arrays ({@link ClaimedKeys}): a batch holds tens of thousands of events, and keeping each as a
 * graph of objects made the garbage collector the service's largest consumer of CPU.
 *
 * <p>The records are of whatever type the source reads ({@code R}: a Kafka consumer record for the
 * ingest loop); the batch only needs each one's partition and offset, from a {@link Positions}.
 *
 * @param <R> the records read
 */
public final class PendingBatch<R> {

    /** Where a record of the source was read. */
    public interface Positions<R> {
        SourcePartition partitionOf(R record);

        long offsetOf(R record);
    }

    /**
     * A priced event, already in {@link #aggregates()}; charged unless the ledger has seen its key.
     * Only where it was read is kept, not the record: should an earlier batch have charged the key
     * (rare), the commit reads it again from there, to price it again and take its lines back out,
     * or to copy it to the DLQ as a conflict. Holding every record of a batch until its commit made
     * garbage collection a quarter of the service's CPU (bench/README.md, 2026-12-01).
     */
    public record Charged<R>(UUID key, SourcePartition partition, long offset) {
    }

    /**
     * What the ledger keeps of each event key it charges: the content's fingerprint
     * ({@link EventContent}) and the cost (null for an event quarantined unpriced), so that a later
     * delivery of the same key can be told apart as a duplicate or a conflict.
     */
    public record Claim(Long contentFingerprint, java.math.BigDecimal costUsd) {
        /** Same content, or content unknown (a key stored before fingerprints were). */
        public boolean sameContentAs(long fingerprint) {
            return contentFingerprint == null || contentFingerprint == fingerprint;
        }

        public String costText() {
            return costUsd == null ? "unpriced (quarantined)" : "$" + costUsd.toPlainString();
        }
    }

    /** Whether a record's event key is new to the batch, or was claimed in it already. */
    public enum ClaimOutcome { NEW, REPEAT }

    /**
     * A later delivery, in this batch, of a key claimed in it: a duplicate or a conflict, decided when
     * the batch settles against the event charged under the key (an earlier batch's, else this batch's first).
     *
     * @param costText what this delivery would cost, for the reason should it conflict
     */
    public record Repeat<R>(UUID key, String source, String id, long contentFingerprint, String costText,
                         R record) {
    }

    /**
     * A valid event no rate card prices: quarantined unless the ledger has seen its key.
     *
     * @param payload the record in a form that decodes again without its headers (kept for re-pricing)
     */
    public record Unpriced<R>(UUID key, PricingResult.Unpriced result, R record, byte[] payload) {
    }

    /** A record that is not a valid event, with the reason it goes to the DLQ. */
    public record Rejected<R>(R record, String reason) {
    }

    private final Map<AggregateKey, AggregateSums> aggregates = new HashMap<>();
    /** The same rows as {@link #aggregates}, by attribution, then by dimension's ordinal. */
    private final Map<AggregateKey.Attribution, AggregateSums[]> rowsByAttribution = new HashMap<>();
    private final Map<InteractionSums.Key, InteractionSums> interactions = new HashMap<>();
    /** Per charged event, in the order charged: its key's position in {@link #claims}, and where it was read. */
    private int[] chargedKey = new int[1024];
    private int[] chargedPartition = new int[1024];
    private long[] chargedOffset = new long[1024];
    private int chargedCount;
    /**
     * The partitions the batch read from, each once, in the order first read; {@link #chargedPartition}
     * and {@link #nextOffsetOf} are by position here. A record of the partition read last (most are)
     * finds it without a lookup: the source hands out one {@link SourcePartition} per partition.
     */
    private final List<SourcePartition> partitions = new ArrayList<>();
    private final Map<SourcePartition, Integer> partitionIndex = new HashMap<>();
    private SourcePartition lastPartition;
    private int lastPartitionIndex;
    /** Per partition (as in {@link #partitions}), the offset after the last record read. */
    private long[] nextOffsetOf = new long[4];
    private final List<Unpriced<R>> unpriced = new ArrayList<>();
    private final List<Rejected<R>> rejected = new ArrayList<>();
    private final ClaimedKeys claims = new ClaimedKeys();
    private final List<Repeat<R>> repeats = new ArrayList<>();
    private final Map<SourcePartition, Long> storedOffsetsBefore = new HashMap<>();
    private final Map<SourcePartition, Long> committedPositions;
    private final Positions<R> positions;
    private int size;
    private long firstRecordAtNanos;
    private RateCardTimeline timeline;
    private long pricedWithoutUsage;

    /**
     * @param committedPositions per partition, the offset stored in PostgreSQL once every earlier
     *                           batch has committed (absent: none stored yet). Read when this batch
     *                           first sees a partition: the commit checks the store still says so.
     */
    public PendingBatch(Map<SourcePartition, Long> committedPositions, Positions<R> positions) {
        this.committedPositions = committedPositions;
        this.positions = positions;
    }

    /**
     * The rate card versions every event of this batch is priced with: fixed when the batch reads
     * its first record, so a version published meanwhile cannot price a duplicate differently
     * from when it was read.
     */
    public RateCardTimeline timeline(Supplier<RateCardTimeline> current) {
        if (timeline == null) {
            timeline = current.get();
        }
        return timeline;
    }

    /** @return the timeline this batch priced with (null if it priced nothing) */
    public RateCardTimeline timeline() {
        return timeline;
    }

    /**
     * Counts the record in and claims its event key.
     *
     * @return {@link ClaimOutcome#NEW} for a key first seen in this batch; {@link ClaimOutcome#REPEAT}
     *         for a key claimed in it already: {@link #repeat} it, nothing is charged
     */
    public ClaimOutcome claim(UUID key, long contentFingerprint, R record) {
        advance(record);
        int position = claims.claim(key, contentFingerprint);
        lastClaimedKey = key;
        lastClaimedPosition = position;
        return position >= 0 ? ClaimOutcome.NEW : ClaimOutcome.REPEAT;
    }

    /** The key claimed last and its position (or −1 − the position it had): what {@link #charged} is usually told next. */
    private UUID lastClaimedKey;
    private int lastClaimedPosition;

    private int positionOf(UUID key) {
        if (key == lastClaimedKey) { // the same object: no second lookup in the table
            return lastClaimedPosition >= 0 ? lastClaimedPosition : -1 - lastClaimedPosition;
        }
        return claims.positionOf(key);
    }

    /** A later delivery of a key claimed in this batch (see {@link Repeat}). */
    public void repeat(Repeat<R> repeat) {
        repeats.add(repeat);
    }

    /** The claim on a key of this batch (its cost is known once the event is priced). */
    public Claim claimOf(UUID key) {
        int position = claims.positionOf(key);
        return position < 0 ? null : claims.claimAt(position);
    }

    /** A claimed event, priced; its lines must already be in {@link #aggregates()}. */
    public void charged(UUID key, java.math.BigDecimal costUsd, R record) {
        int position = positionOf(key);
        claims.priced(position, costUsd);
        if (chargedCount == chargedKey.length) {
            chargedKey = Arrays.copyOf(chargedKey, chargedCount * 2);
            chargedPartition = Arrays.copyOf(chargedPartition, chargedCount * 2);
            chargedOffset = Arrays.copyOf(chargedOffset, chargedCount * 2);
        }
        chargedKey[chargedCount] = position;
        chargedPartition[chargedCount] = indexOf(positions.partitionOf(record));
        chargedOffset[chargedCount++] = positions.offsetOf(record);
    }

    /** A claimed event that could not be priced. */
    public void unpriced(UUID key, PricingResult.Unpriced result, R record, byte[] payload) {
        unpriced.add(new Unpriced<>(key, result, record, payload));
    }



    public void reject(R record, String reason) {
        advance(record);
        rejected.add(new Rejected<>(record, reason));
    }

    private void advance(R record) {
        if (size++ == 0) {
            firstRecordAtNanos = System.nanoTime();
        }
        nextOffsetOf[indexOf(positions.partitionOf(record))] = positions.offsetOf(record) + 1;
    }

    /** The partition's position in {@link #partitions}; a partition first read here is added. */
    private int indexOf(SourcePartition partition) {
        if (partition == lastPartition) {
            return lastPartitionIndex;
        }
        Integer index = partitionIndex.get(partition);
        if (index == null) {
            index = partitions.size();
            partitions.add(partition);
            partitionIndex.put(partition, index);
            storedOffsetsBefore.put(partition, committedPositions.get(partition));
            if (index == nextOffsetOf.length) {
                nextOffsetOf = Arrays.copyOf(nextOffsetOf, index * 2);
            }
        }
        lastPartition = partition;
        lastPartitionIndex = index;
        return index;
    }

    /**
     * The rows of one attribution, by {@link Dimension#ordinal()}: null where the batch has none yet
     * ({@link #row} makes it). Every row here is also in {@link #aggregates()}.
     */
    AggregateSums[] rowsOf(AggregateKey.Attribution attribution) {
        return rowsByAttribution.computeIfAbsent(attribution, a -> new AggregateSums[DIMENSIONS]);
    }

    /** The row of an attribution and a dimension, made (and put in {@link #aggregates()}) if the batch has none. */
    AggregateSums row(AggregateSums[] rows, AggregateKey.Attribution attribution, Dimension dimension) {
        AggregateSums row = rows[dimension.ordinal()];
        if (row == null) {
            row = aggregates.computeIfAbsent(attribution.with(dimension.id()), k -> new AggregateSums());
            rows[dimension.ordinal()] = row;
        }
        return row;
    }

    private static final int DIMENSIONS = Dimension.values().length;

    /** The running sums of every priced event in the batch (duplicates of earlier batches included until settled). */
    public Map<AggregateKey, AggregateSums> aggregates() {
        return aggregates;
    }

    /**
     * Priced events that carried no billable usage (a failed call, an agent trace part without a
     * model call): priced at $0 with no cost lines, and counted as such.
     */
    public long pricedWithoutUsage() {
        return pricedWithoutUsage;
    }

    void countWithoutUsage(int delta) {
        pricedWithoutUsage += delta;
    }

    /** Per agent interaction, what this batch's priced events add to it. */
    public Map<InteractionSums.Key, InteractionSums> interactions() {
        return interactions;
    }

    /** The charged events in the order charged, each made when asked (the batch keeps only arrays). */
    public List<Charged<R>> charged() {
        return new AbstractList<>() {
            @Override
            public Charged<R> get(int i) {
                Objects.checkIndex(i, chargedCount);
                return new Charged<>(claims.key(chargedKey[i]), partitions.get(chargedPartition[i]), chargedOffset[i]);
            }

            @Override
            public int size() {
                return chargedCount;
            }
        };
    }

    public List<Unpriced<R>> unpriced() {
        return unpriced;
    }

    public List<Rejected<R>> rejected() {
        return rejected;
    }

    /** Every event key claimed in this batch, each once, with what the ledger is to keep of it. */
    public ClaimedKeys claims() {
        return claims;
    }

    /** Later deliveries of keys claimed in this batch. */
    public List<Repeat<R>> repeats() {
        return repeats;
    }

    /** Per partition, the offset of the next record to read once this batch is committed (a new map). */
    public Map<SourcePartition, Long> nextOffsets() {
        Map<SourcePartition, Long> next = new HashMap<>();
        for (int i = 0; i < partitions.size(); i++) {
            next.put(partitions.get(i), nextOffsetOf[i]);
        }
        return next;
    }

    /**
     * Per partition, the offset the store must still hold when this batch commits (null: no
     * offset stored yet). Anything else means another consumer committed the partition meanwhile.
     */
    public Map<SourcePartition, Long> storedOffsetsBefore() {
        return storedOffsetsBefore;
    }

    /** Records read into this batch, whatever their outcome. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Time since the first record was added; 0 while empty. */
    public long ageNanos() {
        return isEmpty() ? 0 : System.nanoTime() - firstRecordAtNanos;
    }
}
