package dev.costmeter.acceptance;

import dev.costmeter.kafka.Lz4Codec;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The token pipeline end to end, against a real Kafka broker and the real PostgreSQL: events in on
 * bedrock.usage, exact aggregates in PostgreSQL and the spend API, priced events, DLQ and quarantine
 * out, Prometheus metrics, and every record accounted for.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class MeteringAcceptanceTest extends KafkaAcceptanceTest {

    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String T = "2026-02-10T12:00:";

    @Inject
    AgroalDataSource dataSource;

    @Inject
    dev.costmeter.storage.SpendLedger ledger;

    /** Eight calls across models, tiers and cache use, each worked out by hand from the pricing guide. */
    static List<String> eightCalls(String source, String idPrefix) {
        return List.of(
                // Haiku 4.5 Standard: 2,000 × $1/M + 500 × $5/M = $0.0045
                invocation(source, idPrefix + "-1", T + "01Z", HAIKU_45, "default", 2000, 500),
                // Sonnet 4.5 Priority ($5.25/$26.25): 1,000 in $0.00525 + 200 out $0.00525 = $0.0105
                invocation(source, idPrefix + "-2", T + "02Z", SONNET_45, "priority", 1000, 200),
                // Nova Lite Batch ($0.03/$0.12): 10,000 in $0.0003 + 2,000 out $0.00024 = $0.00054
                invocation(source, idPrefix + "-3", T + "03Z", "amazon.nova-lite-v1:0", "batch", 10000, 2000),
                // Sonnet 4.5 via a US inference profile with caching: 100 in $0.0003, 50 out $0.00075,
                // 10,000 cache reads $0.003, 2,000 5m writes $0.0075, 1,000 1h writes $0.006 = $0.01755
                invocation(source, idPrefix + "-4", T + "04Z", "us." + SONNET_45, "default", 100, 50, 10000, 2000, 1000),
                // Nova Micro Flex ($0.0175/$0.07): 1M in $0.0175 + 100,000 out $0.007 = $0.0245
                invocation(source, idPrefix + "-5", T + "05Z", "amazon.nova-micro-v1:0", "flex", 1_000_000, 100_000),
                // Titan Embeddings V2: 5,000 in × $0.02/M = $0.0001
                invocation(source, idPrefix + "-6", T + "06Z", "amazon.titan-embed-text-v2:0", "default", 5000, 0),
                // Opus 4.6 on Provisioned Throughput: nothing per token
                invocation(source, idPrefix + "-7", T + "07Z", "anthropic.claude-opus-4-6-v1", "reserved", 3000, 100),
                // Sonnet 4.5 Batch, a 1,000,001-token prompt (long context counts the whole prompt): the last
                // 800,001 tokens at 2×: 1 input × $3.00/M = $0.000003 + 800,000 cache reads × $0.30/M = $0.24;
                // the first 200,000 cache reads × $0.15/M = $0.03. Total $0.270003
                invocation(source, idPrefix + "-8", T + "08Z", SONNET_45, "batch", 1, 0, 1_000_000, 0, 0));
    }

    @Test
    void aMixedStreamAddsUpToTheHandComputedDecimals() {
        Map<String, Long> before = outcomes();
        int repeats = 250;
        for (int r = 0; r < repeats; r++) {
            for (String event : eightCalls("acc-mixed", "mixed-" + r)) {
                kafka.send(USAGE, "k" + r, event);
            }
        }
        kafka.flush();
        awaitRead(before, 8L * repeats);

        // 250 × $0.327693
        JsonPath total = spend("source=acc-mixed");
        assertThat(new BigDecimal(total.getString("totalCostUsd"))).isEqualTo(new BigDecimal("81.92325"));

        JsonPath byModel = spend("source=acc-mixed&groupBy=model");
        // Sonnet 4.5 (calls 2, 4, 8; the "us." profile counts as the base model): 250 × $0.298053
        assertThat(costOf(byModel, "model", SONNET_45)).isEqualTo(new BigDecimal("74.51325"));
        assertThat(costOf(byModel, "model", "anthropic.claude-opus-4-6-v1")).isEqualTo(BigDecimal.ZERO);
        assertThat(byModel.getList("groups")).hasSize(6);

        JsonPath byDimension = spend("source=acc-mixed&groupBy=dimension");
        // cache reads: 250 × ($0.003 + $0.03); beyond 200K: 250 × $0.24
        assertThat(costOf(byDimension, "dimension", "cache_read_input_tokens")).isEqualTo(new BigDecimal("8.25"));
        assertThat(costOf(byDimension, "dimension", "long_context_cache_read_input_tokens")).isEqualTo(new BigDecimal("60"));
        assertThat(costOf(byDimension, "dimension", "cache_write_1h_input_tokens")).isEqualTo(new BigDecimal("1.5"));

        JsonPath byTier = spend("source=acc-mixed&groupBy=tier,model,dimension&tier=flex&dimension=input_tokens");
        assertThat(byTier.getList("groups")).hasSize(1);
        assertThat(byTier.getString("groups[0].quantity")).isEqualTo("250000000"); // 250 × 1M tokens
        assertThat(byTier.getString("groups[0].costUsd")).isEqualTo("4.375");      // 250 × $0.0175
        assertThat(byTier.getInt("groups[0].events")).isEqualTo(250);

        // Postgres holds the same exact decimal
        assertThat(sql("select sum(cost_usd) from spend_aggregate where source = 'acc-mixed'")).isEqualTo(new BigDecimal("81.92325"));
        assertThat(sql("select count(distinct rate_card_version) from spend_aggregate where source = 'acc-mixed'")).isEqualTo(BigDecimal.ONE);

        // Each priced event is published with its cost lines and rate card version
        List<ConsumerRecord<byte[], byte[]>> priced = kafka.readAll("bedrock.usage.priced",
                r -> "mixed-0-4".equals(new String(r.key())));
        assertThat(priced).isNotEmpty();
        JsonPath pricedEvent = new JsonPath(TestKafka.value(priced.get(0)));
        assertThat(pricedEvent.getString("type")).isEqualTo("costmeter.priced");
        assertThat(pricedEvent.getString("data.costUsd")).isEqualTo("0.01755");
        assertThat(pricedEvent.getString("data.rateCardVersion")).isEqualTo("2026-02");
        assertThat(pricedEvent.getString("data.pricedAsModelId")).isEqualTo(SONNET_45);
        assertThat(pricedEvent.getList("data.lines")).hasSize(5);
        // The default payload (lines) points at the usage record instead of carrying it
        ConsumerRecord<byte[], byte[]> usage = kafka.readAll(USAGE, r -> TestKafka.value(r).contains("\"mixed-0-4\"")).get(0);
        assertThat(pricedEvent.getString("data.origin")).isEqualTo("bedrock.usage/" + usage.partition() + "@" + usage.offset());
        assertThat(pricedEvent.getMap("data")).doesNotContainKey("event");

        // Prometheus: spend and usage by source, model, dimension, tier
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("costmeter_cost_usd_total{dimension=\"output_tokens\",model=\"" + HAIKU_45
                + "\",source=\"acc-mixed\",tier=\"default\"} 0.625"); // 250 × 500 × $5/M
        assertThat(metrics).containsPattern("costmeter_usage_units_total\\{dimension=\"input_tokens\",model=\"amazon.nova-micro-v1:0\",source=\"acc-mixed\",tier=\"flex\"} 2\\.5E8");
        assertThat(metrics).contains("costmeter_events_total{outcome=\"priced\"}");
        assertThat(metrics).contains("costmeter_flush_duration_seconds_count");
        for (String step : List.of("offsets", "dedup", "settle", "ledger", "acknowledgements")) { // every step of a committed flush is timed
            assertThat(metrics).containsPattern("costmeter_flush_step_duration_seconds_count\\{step=\"" + step + "\"} [1-9]");
        }
        assertThat(metrics).contains("costmeter_consumer_lag_records");
    }

    @Test
    void anEventDeliveredThreeTimesIsChargedOnce() {
        Map<String, Long> before = outcomes();
        String event = invocation("acc-dup", "d-1", T + "10Z", HAIKU_45, "default", 2000, 500);
        kafka.send(USAGE, "a", event); // three deliveries, on different partitions
        kafka.send(USAGE, "b", event);
        kafka.send(USAGE, "c", event);
        kafka.send(USAGE, "a", invocation("acc-dup", "d-2", T + "11Z", HAIKU_45, "default", 2000, 500));
        kafka.flush();
        Map<String, Long> after = awaitRead(before, 4);

        assertThat(after.get("priced") - before.get("priced")).isEqualTo(2);
        assertThat(after.get("duplicate") - before.get("duplicate")).isEqualTo(2);
        assertThat(spend("source=acc-dup").getString("totalCostUsd")).isEqualTo("0.009");

        // Later redelivery (another flush, long after) is still a duplicate
        kafka.send(USAGE, "z", event);
        kafka.flush();
        Map<String, Long> later = awaitRead(after, 1);
        assertThat(later.get("duplicate") - after.get("duplicate")).isEqualTo(1);
        assertThat(spend("source=acc-dup").getString("totalCostUsd")).isEqualTo("0.009");
    }

    @Test
    void poisonRecordsGoToTheDlqWithReasonsAndGoodOnesArePriced() {
        Map<String, Long> before = outcomes();
        String good = invocation("acc-poison", "p-%d", T + "20Z", HAIKU_45, "default", 2000, 500);
        Map<String, String> poison = Map.of(
                "malformed", "{\"specversion\":\"1.0\",",
                "missing-id", invocation("acc-poison", "", T + "21Z", HAIKU_45, "default", 1, 1),
                "negative", invocation("acc-poison", "neg", T + "21Z", HAIKU_45, "default", -1, 1),
                "absurd", invocation("acc-poison", "big", T + "21Z", HAIKU_45, "default", 5_000_000_000L, 1),
                "unknown-type", invocation("acc-poison", "tel", T + "21Z", HAIKU_45, "default", 1, 1)
                        .replace("bedrock.invocation", "bedrock.telepathy"),
                "oversized", "{\"specversion\":\"1.0\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
        int n = 0;
        for (Map.Entry<String, String> p : poison.entrySet()) {
            kafka.send(USAGE, "poison-" + p.getKey(), good.formatted(n++));
            kafka.send(USAGE, "poison-" + p.getKey(), p.getValue());
        }
        kafka.send(USAGE, "poison-tombstone", (byte[]) null);
        kafka.flush();
        Map<String, Long> after = awaitRead(before, 13);

        assertThat(after.get("priced") - before.get("priced")).isEqualTo(6);
        assertThat(after.get("invalid") - before.get("invalid")).isEqualTo(7);
        assertThat(spend("source=acc-poison").getString("totalCostUsd")).isEqualTo("0.027");

        List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll("bedrock.usage.dlq",
                r -> r.key() != null && new String(r.key()).startsWith("poison-"));
        Map<String, String> reasons = new java.util.HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dlq) {
            reasons.put(new String(r.key()), TestKafka.header(r, "costmeter.reason"));
            assertThat(TestKafka.header(r, "costmeter.origin")).startsWith("bedrock.usage/");
        }
        assertThat(reasons).containsOnlyKeys("poison-malformed", "poison-missing-id", "poison-negative", "poison-absurd",
                "poison-unknown-type", "poison-oversized", "poison-tombstone");
        assertThat(reasons.get("poison-malformed")).startsWith("malformed JSON");
        assertThat(reasons.get("poison-missing-id")).isEqualTo("id: required non-empty string");
        assertThat(reasons.get("poison-negative")).isEqualTo("data.usage.inputTokens: must not be negative, was -1");
        assertThat(reasons.get("poison-absurd")).contains("5000000000 is more than the 1000000000");
        assertThat(reasons.get("poison-unknown-type")).startsWith("unknown type \"bedrock.telepathy\"");
        assertThat(reasons.get("poison-oversized")).contains("exceeds the limit of 65536 bytes");
        assertThat(reasons.get("poison-tombstone")).startsWith("empty record value");
        // the original bytes are kept
        assertThat(dlq.stream().filter(r -> new String(r.key()).equals("poison-malformed")).findFirst().orElseThrow().value())
                .isEqualTo(poison.get("malformed").getBytes());
    }

    @Test
    void anUnknownModelIsQuarantinedNotPricedAtZero() throws Exception {
        Map<String, Long> before = outcomes();
        kafka.send(USAGE, "unknown", invocation("acc-unknown", "u-1", T + "30Z", "acme.mystery-model-v9", "default", 100, 100));
        kafka.flush();
        Map<String, Long> after = awaitRead(before, 1);

        assertThat(after.get("unpriced") - before.get("unpriced")).isEqualTo(1);
        assertThat(spend("source=acc-unknown").getList("groups")).isEmpty();
        assertThat(sql("select count(*) from spend_aggregate where source = 'acc-unknown'")).isEqualTo(BigDecimal.ZERO);
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("select reason, payload from unpriced_event where source = 'acc-unknown'");
             ResultSet rs = s.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("model 'acme.mystery-model-v9' has no price in rate card 2026-02");
            assertThat(rs.getString(2)).contains("\"id\":\"u-1\"");
        }
        List<ConsumerRecord<byte[], byte[]>> quarantined = kafka.readAll("bedrock.usage.unpriced", r -> r.key() != null && "unknown".equals(new String(r.key())));
        assertThat(quarantined).hasSize(1);
        assertThat(TestKafka.header(quarantined.get(0), "costmeter.reason")).contains("acme.mystery-model-v9");
        assertThat(TestKafka.header(quarantined.get(0), "costmeter.rate-card-version")).isEqualTo("2026-02");
    }

    @Test
    void eventKeysAreForgottenOnlyAfterTheDedupWindow() throws Exception {
        java.util.UUID old = java.util.UUID.randomUUID();
        java.util.UUID recent = java.util.UUID.randomUUID();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "insert into seen_event (event_key, seen_at) values (?, now() - interval '8 days'), (?, now() - interval '6 days')")) {
            s.setObject(1, old);
            s.setObject(2, recent);
            s.executeUpdate();
        }
        int forgotten = 0;
        int deleted;
        do {
            deleted = ledger.forgetEventKeysSeenBefore(java.time.Instant.now().minus(Duration.ofDays(7)), 1);
            forgotten += deleted;
        } while (deleted > 0);
        assertThat(forgotten).isEqualTo(1);
        assertThat(sql("select count(*) from seen_event where event_key = '" + old + "'")).isEqualTo(BigDecimal.ZERO);
        assertThat(sql("select count(*) from seen_event where event_key = '" + recent + "'")).isEqualTo(BigDecimal.ONE);
    }

    @Test
    void aBatchReadFromOffsetsAnotherConsumerHasCommittedIsRefused() {
        dev.costmeter.aggregation.SourcePartition tp = new dev.costmeter.aggregation.SourcePartition("fencing-test", 0);
        // first commit of the partition: nothing stored yet
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.advanceOffsets("fencing-group", java.util.Collections.singletonMap(tp, null), Map.of(tp, 10L));
            return null;
        });
        // a zombie that read from offset 0 (before the commit above) must not commit 0 → 5
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.advanceOffsets("fencing-group", Map.of(tp, 0L), Map.of(tp, 5L));
            return null;
        })).hasRootCauseInstanceOf(dev.costmeter.storage.StaleBatchException.class);
        // nor one that believes nothing was stored yet
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.advanceOffsets("fencing-group", java.util.Collections.singletonMap(tp, null), Map.of(tp, 7L));
            return null;
        })).hasRootCauseInstanceOf(dev.costmeter.storage.StaleBatchException.class);
        // the rightful owner moves on from 10
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.advanceOffsets("fencing-group", Map.of(tp, 10L), Map.of(tp, 20L));
            return null;
        });
        assertThat(sql("select next_offset from consumer_offset where consumer_group = 'fencing-group'")).isEqualByComparingTo("20");
    }

    @Test
    void aSeriesAddedByAFlushThatRolledBackIsAddedAgainByTheNextOne() {
        dev.costmeter.aggregation.AggregateKey key = new dev.costmeter.aggregation.AggregateKey(java.time.Instant.parse("2026-02-11T00:00:00Z"),
                "series-rollback-test", "tenant-1", HAIKU_45, "us-east-1", "default", "input_tokens", "2026-02");
        dev.costmeter.aggregation.AggregateSums sums = dev.costmeter.aggregation.AggregateSums.ofLine(new BigDecimal("1000"), new BigDecimal("0.001"));
        // the series is added inside the flush's transaction, which then fails after it
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.addAggregates(Map.of(key, sums));
            throw new IllegalStateException("a later step of the flush failed");
        })).isInstanceOf(IllegalStateException.class).hasMessage("a later step of the flush failed");
        assertThat(sql("select count(*) from spend_series where source = 'series-rollback-test'")).isEqualTo(BigDecimal.ZERO);
        // the retry must add it again, not reuse the number of a row that was never committed
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.addAggregates(Map.of(key, sums));
            return null;
        });
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> {
            ledger.addAggregates(Map.of(key, sums)); // the committed number, remembered now
            return null;
        });
        assertThat(sql("select count(*) from spend_series where source = 'series-rollback-test'")).isEqualTo(BigDecimal.ONE);
        assertThat(sql("select quantity from spend_aggregate where source = 'series-rollback-test'")).isEqualByComparingTo("2000");
        assertThat(sql("select cost_usd from spend_aggregate where source = 'series-rollback-test'")).isEqualByComparingTo("0.002");
        assertThat(sql("select events from spend_aggregate where source = 'series-rollback-test'")).isEqualByComparingTo("2");
    }

    @Test
    void theOutputsCompressWithLz4sNativeCodecUnderQuarkussClassLoader() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        org.junit.jupiter.api.Assumptions.assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "lz4-java ships a native build for this platform");
        // this test runs in the service's class loader, where lz4-java on its own takes its pure-Java codec
        assertThat(Lz4Codec.implementation()).isEqualTo("JNI");
    }

    @Test
    void theSpendApiNeedsAViewer() {
        given().auth().none().get("/api/v1/spend").then().statusCode(401);
        given().auth().preemptive().basic("viewer", "wrong").get("/api/v1/spend").then().statusCode(401);
        given().auth().none().get("/q/health/ready").then().statusCode(200); // probes and metrics stay open
    }

    @Test
    void theSpendApiRefusesBadQueriesWithReasons() {
        given().get("/api/v1/spend?groupBy=colour").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("groupBy: unknown field 'colour'"));
        given().get("/api/v1/spend?from=last-tuesday").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("not an ISO-8601 instant"));
        given().get("/api/v1/spend?from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z").then().statusCode(400);
    }

    // ---------------------------------------------------------------- helpers

    static JsonPath spend(String query) {
        return given().get("/api/v1/spend?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z&" + query)
                .then().statusCode(200).extract().jsonPath();
    }

    static BigDecimal costOf(JsonPath response, String field, String value) {
        List<Map<String, Object>> groups = response.getList("groups");
        return groups.stream().filter(g -> value.equals(g.get(field))).map(g -> new BigDecimal((String) g.get("costUsd")))
                .findFirst().orElseThrow(() -> new AssertionError("no group " + field + "=" + value + " in " + groups));
    }

    static Map<String, Long> outcomes() {
        JsonPath json = given().get("/api/v1/pipeline/outcomes").then().statusCode(200).extract().jsonPath();
        return Map.of("priced", json.getLong("priced"), "duplicate", json.getLong("duplicate"),
                "invalid", json.getLong("invalid"), "unpriced", json.getLong("unpriced"), "conflict", json.getLong("conflict"),
                "read", json.getLong("read"));
    }

    /** Waits until {@code n} more records have been read, then checks conservation. */
    static Map<String, Long> awaitRead(Map<String, Long> before, long n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> outcomes().get("read") >= before.get("read") + n);
        Map<String, Long> after = outcomes();
        assertThat(after.get("read")).isEqualTo(before.get("read") + n);
        assertThat(after.get("priced") + after.get("duplicate") + after.get("invalid") + after.get("unpriced") + after.get("conflict"))
                .isEqualTo(after.get("read"));
        return after;
    }

    BigDecimal sql(String query) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(query); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getBigDecimal(1).stripTrailingZeros();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
