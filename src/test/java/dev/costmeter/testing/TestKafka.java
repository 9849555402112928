package dev.costmeter.testing;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A test's own Kafka clients against the real broker. */
public final class TestKafka implements AutoCloseable {

    private final String bootstrapServers;
    private final KafkaProducer<byte[], byte[]> producer;
    /** The first send the broker refused: {@link #flush} fails with it, so a test never waits for a record it lost. */
    private final java.util.concurrent.atomic.AtomicReference<Exception> refused = new java.util.concurrent.atomic.AtomicReference<>();
    private final org.apache.kafka.clients.producer.Callback acknowledged = (metadata, e) -> {
        if (e != null) {
            refused.compareAndSet(null, e);
        }
    };

    public TestKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.producer = new KafkaProducer<>(producerSettings(bootstrapServers, 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A test producer's settings: idempotent (Kafka's default) with one request in flight. With
     * several, a partition created a moment before can refuse a first batch (NOT_LEADER) and take the
     * next ones; the first is then refused as out of sequence until it expires — records lost to the
     * test (seen in OutageRecoveryIT, Kafka 4.1).
     */
    public static Map<String, Object> producerSettings(String bootstrapServers, int lingerMs) {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.LINGER_MS_CONFIG, lingerMs,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    }

    public void send(String topic, String key, String value) {
        send(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    public void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value), acknowledged);
    }

    /** A record to one partition of its choosing. */
    public void send(String topic, int partition, String key, String value) {
        producer.send(new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)), acknowledged);
    }

    /** A record with headers (e.g. a binary-mode CloudEvent's ce_* attributes). */
    public void send(String topic, String key, byte[] value, Map<String, String> headers) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
        headers.forEach((name, header) -> record.headers().add(name, header.getBytes(StandardCharsets.UTF_8)));
        producer.send(record, acknowledged);
    }

    /** Waits until every record sent so far is acknowledged; fails if the broker refused one. */
    public void flush() {
        producer.flush();
        Exception e = refused.getAndSet(null);
        if (e != null) {
            throw new AssertionError("the broker refused a record this test sent: " + e, e);
        }
    }

    /** Every record now in the topic that matches, read from the beginning of every partition. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Predicate<ConsumerRecord<byte[], byte[]>> matching) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (matching.test(r)) {
                        found.add(r);
                    }
                }
            }
            return found;
        }
    }

    public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static String value(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
