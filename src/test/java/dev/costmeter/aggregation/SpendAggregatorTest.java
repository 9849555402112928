package dev.costmeter.aggregation;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpendAggregatorTest {

    final SpendAggregator aggregator = new SpendAggregator(Duration.ofMinutes(1));
    final EventKey keys = new EventKey();
    long offset;

    @Test
    void eventsInOneMinuteOfOneSourceAndModelAddUpExactly() {
        PendingBatch batch = new PendingBatch(new java.util.HashMap<>());
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "0.0000001");
        add(batch, "a", "e2", "2026-02-10T12:00:59.999Z", "0.0000002");
        add(batch, "a", "e3", "2026-02-10T12:01:00Z", "0.5");
        BatchSummary summary = aggregator.summarize(batch, batch.distinctKeys());

        assertThat(summary.aggregates()).hasSize(2);
        AggregateSums first = summary.aggregates().get(key("a", "2026-02-10T12:00:00Z"));
        assertThat(first.costUsd()).isEqualTo(new BigDecimal("0.0000003"));
        assertThat(first.quantity()).isEqualTo(new BigDecimal(200));
        assertThat(first.events()).isEqualTo(2);
        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(3);
    }

    @Test
    void aKeySeenBeforeOrTwiceInTheBatchIsChargedOnce() {
        PendingBatch batch = new PendingBatch(new java.util.HashMap<>());
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1");
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1"); // producer retry within the batch
        add(batch, "a", "old", "2026-02-10T12:00:01Z", "1"); // charged in an earlier batch
        add(batch, "b", "e1", "2026-02-10T12:00:01Z", "1"); // same id, other source: a different event
        Set<UUID> firstSeen = new HashSet<>(batch.distinctKeys());
        firstSeen.remove(keys.of("a", "old"));

        BatchSummary summary = aggregator.summarize(batch, firstSeen);

        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(2);
        assertThat(summary.count(EventOutcome.DUPLICATE)).isEqualTo(2);
        assertThat(summary.aggregates().get(key("a", "2026-02-10T12:00:00Z")).costUsd()).isEqualByComparingTo("1");
    }

    @Test
    void nextOffsetsArePerPartitionAndPastTheLastRecord() {
        PendingBatch batch = new PendingBatch(new java.util.HashMap<>());
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1");
        add(batch, "a", "e2", "2026-02-10T12:00:01Z", "1");
        batch.reject(new ConsumerRecord<>("t", 1, 7, null, new byte[0]), "bad");
        assertThat(batch.nextOffsets()).containsEntry(new TopicPartition("t", 0), 2L).containsEntry(new TopicPartition("t", 1), 8L);
        assertThat(aggregator.summarize(batch, batch.distinctKeys()).count(EventOutcome.INVALID)).isEqualTo(1);
    }

    @Test
    void bucketsMustDivideADay() {
        assertThatThrownBy(() -> new SpendAggregator(Duration.ofSeconds(7))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SpendAggregator(Duration.ofHours(1)).bucketStart(Instant.parse("2026-02-10T12:59:59Z")))
                .isEqualTo(Instant.parse("2026-02-10T12:00:00Z"));
    }

    AggregateKey key(String source, String bucket) {
        return new AggregateKey(Instant.parse(bucket), source, "", "m", "us-east-1", "default", "input_tokens", "v1");
    }

    void add(PendingBatch batch, String source, String id, String time, String cost) {
        UsageEvent event = new UsageEvent(source, id, "bedrock.invocation", Instant.parse(time), "", "m", "us-east-1", "default", null,
                List.of(new Quantity(Dimension.INPUT_TOKENS, BigDecimal.valueOf(100))));
        PricedEvent priced = new PricedEvent(event, "m", "us-east-1", "v1",
                List.of(new CostLine(Dimension.INPUT_TOKENS, BigDecimal.valueOf(100), BigDecimal.ONE, new BigDecimal(cost))), new BigDecimal(cost));
        batch.accept(keys.of(source, id), new PricingResult.Priced(priced), new ConsumerRecord<>("t", 0, offset++, null, new byte[0]));
    }
}
