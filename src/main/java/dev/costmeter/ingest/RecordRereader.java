package dev.costmeter.ingest;

import dev.costmeter.aggregation.PendingBatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Reads records of the usage topic again by where they were read, for the rare commit that needs
 * one its batch did not keep: an event an earlier batch had charged, whose lines are taken back out
 * (a duplicate) or whose original goes to the DLQ (a conflict). Batches keep only positions
 * ({@link PendingBatch.Charged}); keeping every record until its commit cost more than this does.
 *
 * <p>Reads outside any consumer group (assign and seek), read-committed as ingest reads. Anything
 * that stops it — the broker away, a record no longer in the topic — fails the commit as a
 * transient failure: the batch is read again from the stored offsets, as after any failed commit.
 * Not thread-safe: used on the commit thread only.
 */
final class RecordRereader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RecordRereader.class);
    /**
     * The longest a commit waits for the records it asked for: below PostgreSQL's idle-in-transaction
     * timeout (30 s by default), which would end the commit's transaction with a vaguer reason.
     */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Supplier<KafkaConsumer<byte[], byte[]>> consumers;
    private KafkaConsumer<byte[], byte[]> consumer;

    RecordRereader(Supplier<KafkaConsumer<byte[], byte[]>> consumers) {
        this.consumers = consumers;
    }

    /** The records at these positions, in the order asked. */
    List<ConsumerRecord<byte[], byte[]>> read(List<PendingBatch.Charged<ConsumerRecord<byte[], byte[]>>> wanted) {
        if (wanted.isEmpty()) {
            return List.of();
        }
        Map<TopicPartition, TreeSet<Long>> offsets = new HashMap<>();
        for (PendingBatch.Charged<?> c : wanted) {
            offsets.computeIfAbsent(new TopicPartition(c.partition().topic(), c.partition().partition()), tp -> new TreeSet<>()).add(c.offset());
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Map<TopicPartition, Map<Long, ConsumerRecord<byte[], byte[]>>> found = new HashMap<>();
        try {
            if (consumer == null) {
                consumer = consumers.get();
            }
            for (Map.Entry<TopicPartition, TreeSet<Long>> partition : offsets.entrySet()) {
                found.put(partition.getKey(), readPartition(partition.getKey(), partition.getValue(), deadline));
            }
        } catch (RetriableException e) {
            throw e;
        } catch (KafkaException e) { // e.g. the offset is no longer in the topic
            throw new RereadFailedException("cannot read again the records an earlier batch had charged: " + e, e);
        } finally {
            if (consumer != null) {
                try {
                    consumer.unsubscribe();
                } catch (KafkaException e) {
                    LOG.debugf("releasing the re-read partitions: %s", e);
                }
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(wanted.size());
        for (PendingBatch.Charged<?> c : wanted) {
            records.add(found.get(new TopicPartition(c.partition().topic(), c.partition().partition())).get(c.offset()));
        }
        return records;
    }

    private Map<Long, ConsumerRecord<byte[], byte[]>> readPartition(TopicPartition tp, TreeSet<Long> offsets, long deadline) {
        Map<Long, ConsumerRecord<byte[], byte[]>> records = new HashMap<>();
        consumer.assign(List.of(tp));
        consumer.seek(tp, offsets.first());
        long last = offsets.last();
        while (records.size() < offsets.size()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new RereadFailedException("cannot read again " + (offsets.size() - records.size()) + " records of " + tp
                        + " that an earlier batch had charged: not read within " + TIMEOUT.toSeconds() + " s", null);
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofNanos(Math.min(remaining, 200_000_000L))).records(tp)) {
                if (offsets.contains(record.offset())) {
                    records.put(record.offset(), record);
                }
            }
            if (records.size() < offsets.size() && consumer.position(tp, Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))) > last) {
                throw new RereadFailedException("cannot read again " + (offsets.size() - records.size()) + " records of " + tp
                        + " that an earlier batch had charged: they are no longer in the topic", null);
            }
        }
        return records;
    }

    @Override
    public void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
    }

    /** Retriable: the commit rolls back and the batch is read again from the stored offsets. */
    static final class RereadFailedException extends RetriableException {
        RereadFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
