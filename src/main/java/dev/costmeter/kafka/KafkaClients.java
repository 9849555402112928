package dev.costmeter.kafka;

import dev.costmeter.config.CostmeterConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Where Kafka is ({@code costmeter.kafka.bootstrap-servers}, env {@code KAFKA_BOOTSTRAP_SERVERS}),
 * and the clients costmeter uses. The service never runs a broker itself: on a machine without
 * Kafka, {@code ./costmeter serve} starts one beside it ({@code kafka/EmbeddedKafka}),
 * so the broker's jars stay out of the service's artifact and image.
 */
@ApplicationScoped
public class KafkaClients {

    private static final Logger LOG = Logger.getLogger(KafkaClients.class);

    private final CostmeterConfig config;
    private final String bootstrapServers;

    @Inject
    public KafkaClients(CostmeterConfig config) {
        this.config = config;
        this.bootstrapServers = config.kafka().bootstrapServers().filter(s -> !s.isBlank()).orElseThrow(() -> new IllegalStateException(
                "no Kafka configured: set KAFKA_BOOTSTRAP_SERVERS (costmeter.kafka.bootstrap-servers), or start the service with "
                        + "./costmeter serve, which runs an embedded broker beside it when none is set"));
        createTopicsIfMissing();
        LOG.infof("lz4 (outputs' compression %s): %s", config.outputs().compression(), Lz4Codec.useNative());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public KafkaConsumer<byte[], byte[]> usageConsumer() {
        Map<String, Object> props = common();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, config.ingest().consumerGroup());
        // Offsets live in PostgreSQL with the aggregates; Kafka's copy is only for lag tooling.
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 65536);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        // A crashed instance's partitions move to the others after 10 s, not the default 45 s.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        props.putAll(config.kafka().client());
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads given offsets of the usage topic again, outside any consumer group: for a commit that
     * needs a record its batch did not keep (ingest's {@code RecordRereader}).
     */
    public KafkaConsumer<byte[], byte[]> rereadConsumer() {
        Map<String, Object> props = common();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "costmeter-reread-" + ProcessHandle.current().pid());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"); // it only ever seeks to offsets it was given
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what ingest read
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        props.putAll(config.kafka().client());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    public KafkaProducer<byte[], byte[]> outputProducer() {
        Map<String, Object> props = common();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // Each commit flushes the producer before it commits (UsageOutputs.awaitAcknowledged), so the
        // linger never delays a commit: it only lets a priced record wait up to 50 ms for others to
        // share its produce request. Against 5 ms, the broker's CPU per priced record fell from
        // 2.7–3.0 to 2.6 µs; events/s within the spread (bench/README.md, 2026-12-02).
        props.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, config.outputs().compression());
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000);
        props.putAll(config.kafka().client());
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** For admin clients: topic creation, the broker reachability check. */
    public Map<String, Object> adminProperties() {
        Map<String, Object> props = new HashMap<>(common());
        props.remove(ConsumerConfig.CLIENT_ID_CONFIG);
        props.putAll(config.kafka().client());
        return props;
    }

    /**
     * The same connection settings for the SmallRye Reactive Messaging channels (budget alerts):
     * {@code mp.messaging.outgoing.<channel>.kafka-configuration=costmeter-kafka}.
     */
    @Produces
    @Identifier("costmeter-kafka")
    Map<String, Object> channelProperties() {
        return adminProperties();
    }

    private Map<String, Object> common() {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "costmeter-" + ProcessHandle.current().pid());
        return props;
    }

    private void createTopicsIfMissing() {
        int partitions = config.topics().partitions();
        CostmeterConfig.Topics topics = config.topics();
        try (Admin admin = Admin.create(adminProperties())) {
            for (String topic : List.of(topics.usage(), topics.priced(), topics.unpriced(), topics.dlq(), topics.budgetAlerts())) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty()))).all().get(15, TimeUnit.SECONDS);
                    LOG.infof("created topic %s with %d partitions", topic, partitions);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warnf("could not create topic %s (%s); it must exist before events arrive", topic, e.getCause().getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("could not check topics at %s: %s", bootstrapServers, e.getMessage());
        }
    }
}
