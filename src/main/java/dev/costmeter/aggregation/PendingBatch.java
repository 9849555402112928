package dev.costmeter.aggregation;

import dev.costmeter.pricing.PricingResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The records read since the last flush, each already decoded and priced, and the offsets to
 * commit with them. A flush writes all of it in one transaction, or none of it.
 */
public final class PendingBatch {

    /** A valid event: priced, or unpriced with a reason. Whether it is a duplicate is decided at flush. */
    public record Accepted(UUID key, PricingResult result, ConsumerRecord<byte[], byte[]> record) {
    }

    /** A record that is not a valid event, with the reason it goes to the DLQ. */
    public record Rejected(ConsumerRecord<byte[], byte[]> record, String reason) {
    }

    private final List<Accepted> accepted = new ArrayList<>();
    private final List<Rejected> rejected = new ArrayList<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> storedOffsetsBefore = new HashMap<>();
    private final Map<TopicPartition, Long> committedPositions;
    private long firstRecordAtNanos;

    /**
     * @param committedPositions per partition, the offset stored in PostgreSQL once every earlier
     *                           batch has committed (absent: none stored yet). Read when this batch
     *                           first sees a partition: the commit checks the store still says so.
     */
    public PendingBatch(Map<TopicPartition, Long> committedPositions) {
        this.committedPositions = committedPositions;
    }

    public void accept(UUID key, PricingResult result, ConsumerRecord<byte[], byte[]> record) {
        advance(record);
        accepted.add(new Accepted(key, result, record));
    }

    public void reject(ConsumerRecord<byte[], byte[]> record, String reason) {
        advance(record);
        rejected.add(new Rejected(record, reason));
    }

    private void advance(ConsumerRecord<byte[], byte[]> record) {
        if (isEmpty()) {
            firstRecordAtNanos = System.nanoTime();
        }
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (nextOffsets.put(tp, record.offset() + 1) == null) {
            storedOffsetsBefore.put(tp, committedPositions.get(tp));
        }
    }

    public List<Accepted> accepted() {
        return accepted;
    }

    public List<Rejected> rejected() {
        return rejected;
    }

    /** Per partition, the offset of the next record to read once this batch is committed. */
    public Map<TopicPartition, Long> nextOffsets() {
        return nextOffsets;
    }

    /**
     * Per partition, the offset the store must still hold when this batch commits (null: no
     * offset stored yet). Anything else means another consumer committed the partition meanwhile.
     */
    public Map<TopicPartition, Long> storedOffsetsBefore() {
        return storedOffsetsBefore;
    }

    /** The idempotency keys of the accepted events, each once, in order of arrival. */
    public Set<UUID> distinctKeys() {
        Set<UUID> keys = new LinkedHashSet<>(accepted.size() * 2);
        for (Accepted a : accepted) {
            keys.add(a.key());
        }
        return keys;
    }

    public int size() {
        return accepted.size() + rejected.size();
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** Time since the first record was added; 0 while empty. */
    public long ageNanos() {
        return isEmpty() ? 0 : System.nanoTime() - firstRecordAtNanos;
    }
}
