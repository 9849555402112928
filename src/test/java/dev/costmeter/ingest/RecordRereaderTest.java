package dev.costmeter.ingest;

import dev.costmeter.aggregation.PendingBatch;
import dev.costmeter.aggregation.SourcePartition;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A commit that meets an event an earlier batch had charged reads its record again from where it was
 * read: against a real broker, the records come back in the order asked, across partitions, headers
 * and all; a record no longer in the topic fails the commit as retriable (the batch is then read
 * again from the stored offsets), never as a failure that would split the batch looking for a bad record.
 */
class RecordRereaderTest {

    static final String TOPIC = "reread-test";

    @Test
    void recordsComeBackInTheOrderAskedAndARecordNoLongerInTheTopicFailsRetriably() throws Exception {
        try (RealKafkaBroker.Broker broker = RealKafkaBroker.startBroker()) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
                try (TestKafka kafka = new TestKafka(bootstrap)) {
                    for (int i = 0; i < 300; i++) {
                        kafka.send(TOPIC, i % 2, "k" + i, "v" + i);
                    }
                    kafka.send(TOPIC, "headered", "with headers".getBytes(), Map.of("ce_id", "e-1"));
                    kafka.flush();
                }
                List<ConsumerRecord<byte[], byte[]>> all;
                try (TestKafka kafka = new TestKafka(bootstrap)) {
                    all = kafka.readAll(TOPIC, r -> true);
                }
                ConsumerRecord<byte[], byte[]> headered = all.stream().filter(r -> "headered".equals(new String(r.key()))).findFirst().orElseThrow();
                ConsumerRecord<byte[], byte[]> k7 = all.stream().filter(r -> "k7".equals(new String(r.key()))).findFirst().orElseThrow();
                ConsumerRecord<byte[], byte[]> k298 = all.stream().filter(r -> "k298".equals(new String(r.key()))).findFirst().orElseThrow();
                ConsumerRecord<byte[], byte[]> k0 = all.stream().filter(r -> "k0".equals(new String(r.key()))).findFirst().orElseThrow();

                try (RecordRereader rereader = new RecordRereader(() -> consumer(bootstrap))) {
                    List<ConsumerRecord<byte[], byte[]>> again = rereader.read(List.of(at(k298), at(headered), at(k7), at(k0)));
                    assertThat(again).extracting(r -> new String(r.key())).containsExactly("k298", "headered", "k7", "k0");
                    assertThat(again).extracting(r -> new String(r.value())).containsExactly("v298", "with headers", "v7", "v0");
                    assertThat(TestKafka.header(again.get(1), "ce_id")).isEqualTo("e-1");
                    assertThat(rereader.read(List.of())).isEmpty();

                    // Records deleted from the partition's start (as retention would) cannot be read again.
                    TopicPartition p0 = new TopicPartition(TOPIC, k0.partition());
                    admin.deleteRecords(Map.of(p0, RecordsToDelete.beforeOffset(k298.offset()))).all().get();
                    assertThatThrownBy(() -> rereader.read(List.of(at(k0))))
                            .isInstanceOf(RetriableException.class)
                            .hasMessageContaining("cannot read again the records an earlier batch had charged");
                    // and the same reader goes on serving what is still there
                    assertThat(rereader.read(List.of(at(k298), at(k7)))).extracting(r -> new String(r.key())).containsExactly("k298", "k7");
                }
            }
        }
    }

    static PendingBatch.Charged<ConsumerRecord<byte[], byte[]>> at(ConsumerRecord<byte[], byte[]> r) {
        return new PendingBatch.Charged<>(UUID.randomUUID(), new SourcePartition(r.topic(), r.partition()), r.offset());
    }

    /** The settings {@code KafkaClients.rereadConsumer} gives, without the service's configuration. */
    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
