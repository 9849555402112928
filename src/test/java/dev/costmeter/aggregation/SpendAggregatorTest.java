package dev.costmeter.aggregation;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpendAggregatorTest {

    /** A record as some source read it: the batch needs only where. */
    record Read(String topic, int partition, long offset) {
    }

    static final PendingBatch.Positions<Read> POSITIONS = new PendingBatch.Positions<>() {
        @Override
        public SourcePartition partitionOf(Read record) {
            return new SourcePartition(record.topic(), record.partition());
        }

        @Override
        public long offsetOf(Read record) {
            return record.offset();
        }
    };


    final SpendAggregator aggregator = new SpendAggregator(Duration.ofMinutes(1));
    final EventKey keys = new EventKey();
    final Map<Read, PricedEvent> byRecord = new HashMap<>(); // what "pricing again" returns for a record
    final java.util.List<java.util.List<PendingBatch.Charged<Read>>> readAgainAsked = new java.util.ArrayList<>();
    long offset;

    @Test
    void eventsInOneMinuteOfOneSourceAndModelAddUpExactly() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "0.0000001");
        add(batch, "a", "e2", "2026-02-10T12:00:59.999Z", "0.0000002");
        add(batch, "a", "e3", "2026-02-10T12:01:00Z", "0.5");
        BatchSummary<Read> summary = settle(batch, Set.of());

        assertThat(summary.aggregates()).hasSize(2);
        AggregateSums first = summary.aggregates().get(key("a", "2026-02-10T12:00:00Z"));
        assertThat(first.costUsd()).isEqualTo(new BigDecimal("0.0000003"));
        assertThat(first.quantity()).isEqualTo(new BigDecimal(200));
        assertThat(first.events()).isEqualTo(2);
        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(3);
    }

    @Test
    void aKeySeenBeforeOrTwiceInTheBatchIsChargedOnce() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1");
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1"); // producer retry within the batch
        add(batch, "a", "old", "2026-02-10T12:00:02Z", "1"); // charged in an earlier batch
        add(batch, "b", "e1", "2026-02-10T12:00:01Z", "1"); // same id, other source: a different event

        BatchSummary<Read> summary = settle(batch, Set.of(keys.of("a", "old")));

        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(2);
        assertThat(summary.count(EventOutcome.DUPLICATE)).isEqualTo(2);
        AggregateSums a = summary.aggregates().get(key("a", "2026-02-10T12:00:00Z"));
        assertThat(a.costUsd()).isEqualByComparingTo("1");
        assertThat(a.events()).isEqualTo(1);
        assertThat(summary.priced()).extracting(PendingBatch.Charged::key).containsExactly(keys.of("a", "e1"), keys.of("b", "e1"));
        // Only the event an earlier batch charged is read again (to take its lines out), once, from where it was read.
        assertThat(readAgainAsked).hasSize(1);
        assertThat(readAgainAsked.get(0)).containsExactly(new PendingBatch.Charged<>(keys.of("a", "old"), new SourcePartition("t", 0), 2L));
    }

    @Test
    void nothingIsReadAgainWhenNoKeyWasChargedBefore() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1");
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1"); // a repeat within the batch needs no earlier record
        assertThat(settle(batch, Set.of()).count(EventOutcome.DUPLICATE)).isEqualTo(1);
        assertThat(readAgainAsked).isEmpty();
    }

    @Test
    void aRowLeftWithOnlyDuplicatesIsNotWritten() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "lonely", "old", "2026-02-10T12:00:02Z", "1");
        BatchSummary<Read> summary = settle(batch, Set.of(keys.of("lonely", "old")));
        assertThat(summary.aggregates()).isEmpty();
        assertThat(summary.count(EventOutcome.DUPLICATE)).isEqualTo(1);
    }

    @Test
    void nextOffsetsArePerPartitionAndPastTheLastRecord() {
        Map<SourcePartition, Long> committed = new HashMap<>(Map.of(new SourcePartition("t", 0), 0L));
        PendingBatch<Read> batch = new PendingBatch<>(committed, POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1");
        add(batch, "a", "e2", "2026-02-10T12:00:01Z", "1");
        batch.reject(new Read("t", 1, 7), "bad");
        assertThat(batch.nextOffsets()).containsEntry(new SourcePartition("t", 0), 2L).containsEntry(new SourcePartition("t", 1), 8L);
        assertThat(batch.storedOffsetsBefore()).containsEntry(new SourcePartition("t", 0), 0L).containsEntry(new SourcePartition("t", 1), null);
        assertThat(settle(batch, Set.of()).count(EventOutcome.INVALID)).isEqualTo(1);
    }

    @Test
    void recordsOfInterleavedPartitionsKeepEachPartitionsOffsetsWhetherOrNotTheSourceReusesItsPartitionObjects() {
        Map<SourcePartition, SourcePartition> handedOut = new HashMap<>();
        PendingBatch.Positions<Read> reusing = new PendingBatch.Positions<>() { // like the Kafka source: one object per partition
            @Override
            public SourcePartition partitionOf(Read record) {
                SourcePartition partition = new SourcePartition(record.topic(), record.partition());
                return handedOut.computeIfAbsent(partition, p -> p);
            }

            @Override
            public long offsetOf(Read record) {
                return record.offset();
            }
        };
        for (PendingBatch.Positions<Read> positions : List.of(POSITIONS, reusing)) {
            Map<SourcePartition, Long> committed = new HashMap<>(Map.of(new SourcePartition("t", 2), 40L));
            PendingBatch<Read> batch = new PendingBatch<>(committed, positions);
            int[][] reads = {{2, 40}, {2, 41}, {0, 5}, {2, 42}, {1, 9}, {0, 6}, {0, 7}, {2, 43}};
            for (int i = 0; i < reads.length; i++) {
                add(batch, "a", "i" + i, "2026-02-10T12:00:01Z", "1", new Read("t", reads[i][0], reads[i][1]));
            }
            batch.reject(new Read("t", 1, 10), "bad");

            assertThat(batch.nextOffsets()).isEqualTo(Map.of(new SourcePartition("t", 0), 8L, new SourcePartition("t", 1), 11L,
                    new SourcePartition("t", 2), 44L));
            Map<SourcePartition, Long> storedBefore = new HashMap<>();
            storedBefore.put(new SourcePartition("t", 0), null);
            storedBefore.put(new SourcePartition("t", 1), null);
            storedBefore.put(new SourcePartition("t", 2), 40L);
            assertThat(batch.storedOffsetsBefore()).isEqualTo(storedBefore);
            List<String> charged = batch.charged().stream().map(c -> c.partition().partition() + "@" + c.offset()).toList();
            assertThat(charged).containsExactly("2@40", "2@41", "0@5", "2@42", "1@9", "0@6", "0@7", "2@43");
        }
    }

    @Test
    void bucketsMustDivideADay() {
        assertThatThrownBy(() -> new SpendAggregator(Duration.ofSeconds(7))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SpendAggregator(Duration.ofHours(1)).bucketStart(Instant.parse("2026-02-10T12:59:59Z")))
                .isEqualTo(Instant.parse("2026-02-10T12:00:00Z"));
    }

    /** Keys charged before with the same content as in this batch: duplicates. */
    BatchSummary<Read> settle(PendingBatch<Read> batch, Set<java.util.UUID> seenBefore) {
        Map<java.util.UUID, PendingBatch.Claim> earlier = new HashMap<>();
        seenBefore.forEach(k -> earlier.put(k, new PendingBatch.Claim(batch.claimOf(k).contentFingerprint(), BigDecimal.ONE)));
        return settle(batch, earlier);
    }

    BatchSummary<Read> settle(PendingBatch<Read> batch, Map<java.util.UUID, PendingBatch.Claim> seenBefore) {
        return aggregator.settle(batch, seenBefore, charged -> {
            readAgainAsked.add(charged);
            return charged.stream().map(c -> new Read(c.partition().topic(), c.partition().partition(), c.offset())).toList();
        }, byRecord::get);
    }

    @Test
    void aKeyChargedBeforeWithOtherContentIsAConflictWithBothCostsAndIsNotCharged() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "0.000084");
        add(batch, "a", "e2", "2026-02-10T12:00:01Z", "1");
        BatchSummary<Read> summary = settle(batch, Map.of(keys.of("a", "e1"), new PendingBatch.Claim(42L, new BigDecimal("1.12"))));

        assertThat(summary.count(EventOutcome.CONFLICT)).isEqualTo(1);
        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(1);
        assertThat(summary.count(EventOutcome.DUPLICATE)).isZero();
        assertThat(summary.conflicts()).singleElement().satisfies(c -> assertThat(c.reason())
                .contains("source \"a\" and id \"e1\"").contains("charged: $1.12").contains("this delivery: $0.000084"));
        assertThat(summary.aggregates().get(key("a", "2026-02-10T12:00:00Z")).costUsd()).isEqualByComparingTo("1");
    }

    @Test
    void aRepeatInTheBatchIsComparedWithWhatAnEarlierBatchCharged() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:09Z", "0.000084"); // an impostor first in this batch
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1.12");     // then the event charged before, again
        long chargedFingerprint = batch.repeats().get(0).contentFingerprint();
        BatchSummary<Read> summary = settle(batch, Map.of(keys.of("a", "e1"), new PendingBatch.Claim(chargedFingerprint, new BigDecimal("1.12"))));

        assertThat(summary.count(EventOutcome.DUPLICATE)).isEqualTo(1);
        assertThat(summary.count(EventOutcome.CONFLICT)).isEqualTo(1);
        assertThat(summary.count(EventOutcome.PRICED)).isZero();
        assertThat(summary.conflicts()).singleElement().satisfies(c -> assertThat(c.reason()).contains("this delivery: $0.000084"));
        assertThat(summary.aggregates()).isEmpty();
    }

    @Test
    void theSameKeyTwiceInABatchWithOtherContentIsAConflictNotADuplicate() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        add(batch, "a", "e1", "2026-02-10T12:00:01Z", "1.12");
        add(batch, "a", "e1", "2026-02-10T12:00:07Z", "0.000084"); // other time: other content
        BatchSummary<Read> summary = settle(batch, Map.of());

        assertThat(summary.count(EventOutcome.PRICED)).isEqualTo(1);
        assertThat(summary.count(EventOutcome.CONFLICT)).isEqualTo(1);
        assertThat(summary.conflicts()).singleElement().satisfies(c -> assertThat(c.reason()).contains("charged: $1.12"));
        assertThat(summary.aggregates().get(key("a", "2026-02-10T12:00:00Z")).costUsd()).isEqualByComparingTo("1.12");
    }

    /**
     * A batch finds the rows of an event's lines with one lookup by attribution, then by dimension;
     * the rows it ends with are exactly those of summing line by line into a plain map (the form the
     * quarantine's re-pricing uses): every source, subject, model, region, tier, card version, minute
     * and dimension kept apart, two lines of one dimension in one event both counted.
     */
    @Test
    void rowsFoundByAttributionAreThoseOfSummingLineByLine() {
        PendingBatch<Read> batch = new PendingBatch<>(new HashMap<>(), POSITIONS);
        Map<AggregateKey, AggregateSums> lineByLine = new HashMap<>();
        Map<InteractionSums.Key, InteractionSums> interactions = new HashMap<>();
        java.util.Random random = new java.util.Random(17);
        Dimension[] dimensions = {Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS, Dimension.CACHE_READ_INPUT_TOKENS,
                Dimension.CACHE_WRITE_5M_INPUT_TOKENS, Dimension.CACHE_WRITE_1H_INPUT_TOKENS};
        for (int i = 0; i < 5_000; i++) {
            List<CostLine> lines = new java.util.ArrayList<>();
            BigDecimal total = BigDecimal.ZERO;
            for (int l = random.nextInt(0, 4); l >= 0; l--) {
                BigDecimal cost = BigDecimal.valueOf(random.nextLong(1, 1_000_000), random.nextInt(0, 12));
                lines.add(new CostLine(dimensions[random.nextInt(dimensions.length)], BigDecimal.valueOf(random.nextInt(1, 5000)), BigDecimal.ONE, cost));
                total = total.add(cost);
            }
            UsageEvent event = new UsageEvent("src-" + random.nextInt(3), "e" + i, "bedrock.invocation",
                    Instant.parse("2026-02-10T12:00:00Z").plusSeconds(random.nextInt(0, 180)), "user-" + random.nextInt(4),
                    "m" + random.nextInt(2), "us-east-1", random.nextBoolean() ? "default" : "flex", random.nextBoolean() ? "i" + random.nextInt(9) : null,
                    List.of(new Quantity(Dimension.INPUT_TOKENS, BigDecimal.ONE)));
            PricedEvent priced = new PricedEvent(event, event.modelId(), random.nextBoolean() ? "us-east-1" : "eu-west-1",
                    random.nextBoolean() ? "v1" : "v2", lines, total);
            aggregator.add(batch, priced);
            aggregator.add(lineByLine, interactions, priced);
        }
        assertThat(batch.aggregates()).hasSameSizeAs(lineByLine).hasSizeGreaterThan(500);
        lineByLine.forEach((key, expected) -> {
            AggregateSums actual = batch.aggregates().get(key);
            assertThat(actual).as(key.toString()).isNotNull();
            assertThat(actual.quantity()).isEqualTo(expected.quantity());
            assertThat(actual.costUsd()).isEqualTo(expected.costUsd());
            assertThat(actual.events()).isEqualTo(expected.events());
        });
        assertThat(batch.interactions().keySet()).isEqualTo(interactions.keySet());
    }

    AggregateKey key(String source, String bucket) {
        return new AggregateKey(Instant.parse(bucket), source, "", "m", "us-east-1", "default", "input_tokens", "v1");
    }

    /** Reads one record into the batch, as the ingest loop does. */
    void add(PendingBatch<Read> batch, String source, String id, String time, String cost) {
        add(batch, source, id, time, cost, new Read("t", 0, offset++));
    }

    void add(PendingBatch<Read> batch, String source, String id, String time, String cost, Read record) {
        UsageEvent event = new UsageEvent(source, id, "bedrock.invocation", Instant.parse(time), "", "m", "us-east-1", "default", null,
                List.of(new Quantity(Dimension.INPUT_TOKENS, BigDecimal.valueOf(100))));
        PricedEvent priced = new PricedEvent(event, "m", "us-east-1", "v1",
                List.of(new CostLine(Dimension.INPUT_TOKENS, BigDecimal.valueOf(100), BigDecimal.ONE, new BigDecimal(cost))), new BigDecimal(cost));
        byRecord.put(record, priced);
        long fingerprint = EventContent.fingerprint(event);
        if (batch.claim(keys.of(source, id), fingerprint, record) == PendingBatch.ClaimOutcome.NEW) {
            aggregator.add(batch, priced);
            batch.charged(keys.of(source, id), priced.totalUsd(), record);
        } else {
            batch.repeat(new PendingBatch.Repeat<>(keys.of(source, id), source, id, fingerprint, "$" + priced.totalUsd().toPlainString(), record));
        }
    }
}
