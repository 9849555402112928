package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.TestKafka;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static dev.costmeter.acceptance.MeteringAcceptanceTest.awaitRead;
import static dev.costmeter.acceptance.MeteringAcceptanceTest.outcomes;
import static dev.costmeter.acceptance.MeteringAcceptanceTest.spend;
import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * No single record stops the pipeline, and no record is charged to someone it does not name: each
 * case of issue #9 reproduced through the real broker and PostgreSQL. Every record gets exactly one
 * outcome, and the good records around the bad ones are charged to the last decimal.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class BadRecordsAcceptanceTest extends KafkaAcceptanceTest {

    static final String HAIKU_45 = MeteringAcceptanceTest.HAIKU_45;
    static final String T = MeteringAcceptanceTest.T;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    dev.costmeter.storage.SpendLedger ledger;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;
    @ConfigProperty(name = "costmeter.database.idle-in-transaction-timeout")
    String idleInTransactionTimeout;

    @Test
    void aNulCharacterInAnyStringIsInvalidAtDecodeTimeAndTheOthersGoOn() {
        Map<String, Long> before = outcomes();
        // Haiku 4.5: 2,000 × $1/M + 500 × $5/M = $0.0045 each
        String good = invocation("acc-nul", "n-%d", T + "40Z", HAIKU_45, "default", 2000, 500);
        Map<String, String> poison = Map.of(
                "nul-source", invocation("acc-nul\\u0000x", "s", T + "41Z", HAIKU_45, "default", 1, 1),
                "nul-subject", invocation("acc-nul", "subj", T + "41Z", HAIKU_45, "default", 1, 1).replace("tenant-1", "ten\\u0000ant"),
                "nul-model", invocation("acc-nul", "mod", T + "41Z", HAIKU_45 + "\\u0000", "default", 1, 1),
                "nul-id", invocation("acc-nul", "i\\u0000d", T + "41Z", HAIKU_45, "default", 1, 1),
                "lone-surrogate", invocation("acc-nul", "sur", T + "41Z", HAIKU_45, "default", 1, 1).replace("tenant-1", "\\ud800"),
                "year-one", invocation("acc-nul", "y1", "0001-01-01T00:00:00Z", HAIKU_45, "default", 1, 1));
        int n = 0;
        for (Map.Entry<String, String> p : poison.entrySet()) {
            kafka.send(USAGE, "bad-" + p.getKey(), good.formatted(n++));
            kafka.send(USAGE, "bad-" + p.getKey(), p.getValue());
        }
        kafka.flush();
        Map<String, Long> after = awaitRead(before, 12);

        assertThat(after.get("priced") - before.get("priced")).isEqualTo(6);
        assertThat(after.get("invalid") - before.get("invalid")).isEqualTo(6);
        assertThat(spend("source=acc-nul").getString("totalCostUsd")).isEqualTo("0.027");
        Map<String, String> reasons = dlqReasons("bad-");
        assertThat(reasons.get("bad-nul-source")).isEqualTo("source: contains a NUL character (\\u0000) at position 7, which PostgreSQL cannot store");
        assertThat(reasons.get("bad-nul-subject")).startsWith("subject: contains a NUL character");
        assertThat(reasons.get("bad-nul-model")).startsWith("modelId: contains a NUL character");
        assertThat(reasons.get("bad-nul-id")).startsWith("id: contains a NUL character");
        assertThat(reasons.get("bad-lone-surrogate")).startsWith("subject: contains an unpaired UTF-16 surrogate");
        assertThat(reasons.get("bad-year-one")).startsWith("time: 0001-01-01T00:00:00Z is before 2000-01-01T00:00:00Z");
    }

    @Test
    void aRecordTooLargeForTheDlqGoesThereTruncatedWithItsSizeAndChecksum() throws Exception {
        Map<String, Long> before = outcomes();
        byte[] huge = ("{\"specversion\":\"1.0\",\"pad\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] nearLimit = ("{\"specversion\":\"1.0\",\"pad\":\"" + "y".repeat(1_040_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"); // 5 MB of x compresses far below the broker's limit
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(USAGE, "big-5mb".getBytes(), huge)).get();
        }
        kafka.send(USAGE, "big-near-limit", nearLimit);
        kafka.send(USAGE, "big-after", invocation("acc-big", "b-1", T + "42Z", HAIKU_45, "default", 2000, 500));
        kafka.flush();
        awaitRead(before, 3);

        assertThat(spend("source=acc-big").getString("totalCostUsd")).isEqualTo("0.0045"); // the pipeline went on
        List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll("bedrock.usage.dlq", r -> r.key() != null && new String(r.key()).startsWith("big-"));
        ConsumerRecord<byte[], byte[]> copy = dlq.stream().filter(r -> new String(r.key()).equals("big-5mb")).findFirst().orElseThrow();
        assertThat(TestKafka.header(copy, "costmeter.original-size")).isEqualTo(String.valueOf(huge.length));
        assertThat(TestKafka.header(copy, "costmeter.original-sha256")).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(huge)));
        assertThat(TestKafka.header(copy, "costmeter.origin")).startsWith("bedrock.usage/");
        assertThat(TestKafka.header(copy, "costmeter.reason")).startsWith("record value of " + huge.length + " bytes exceeds the limit")
                .contains("[truncated copy: the original record").contains("keeps the first 500000 bytes of the value");
        assertThat(copy.value()).hasSize(500_000).startsWith(java.util.Arrays.copyOf(huge, 100));
        ConsumerRecord<byte[], byte[]> near = dlq.stream().filter(r -> new String(r.key()).equals("big-near-limit")).findFirst().orElseThrow();
        assertThat(TestKafka.header(near, "costmeter.original-size")).isEqualTo(String.valueOf(nearLimit.length));
    }

    @Test
    void aRecordThatMakesEveryCommitFailIsIsolatedAndSetAsideAndTheOthersAreCharged() throws Exception {
        // A record the decoder accepts but PostgreSQL refuses: a trigger on the ledger's series (the
        // first of its rows a new source's event writes) stands for any such cause.
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    create or replace function refuse_poison() returns trigger language plpgsql as $$
                    begin
                      if new.source = 'acc-commit-poison' then raise exception 'this row cannot be stored'; end if;
                      return new;
                    end $$""");
            s.execute("create trigger refuse_poison before insert on spend_series for each row execute function refuse_poison()");
        }
        try {
            Map<String, Long> before = outcomes();
            long startedAt = System.nanoTime();
            for (int i = 0; i < 200; i++) {
                kafka.send(USAGE, "k" + (i % 4), invocation("acc-commit-good", "g-" + i, T + "43Z", HAIKU_45, "default", 2000, 500));
                if (i == 100) {
                    kafka.send(USAGE, "commit-poison", invocation("acc-commit-poison", "p-1", T + "43Z", HAIKU_45, "default", 2000, 500));
                }
            }
            kafka.flush();
            Map<String, Long> after = awaitRead(before, 201);
            System.out.printf("BadRecordsAcceptanceTest: a record failing every commit was isolated and set aside, and its 200 "
                    + "neighbours committed, %.1f s after they were published%n", (System.nanoTime() - startedAt) / 1e9);

            assertThat(after.get("priced") - before.get("priced")).isEqualTo(200);
            assertThat(after.get("invalid") - before.get("invalid")).isEqualTo(1);
            assertThat(spend("source=acc-commit-good").getString("totalCostUsd")).isEqualTo("0.9"); // 200 × $0.0045
            assertThat(spend("source=acc-commit-poison").getList("groups")).isEmpty();
            assertThat(dlqReasons("commit-poison").get("commit-poison"))
                    .startsWith("the commit failed 3 times on this record alone, so it is set aside:")
                    .contains("this row cannot be stored");
            given().auth().none().get("/q/health/ready").then().statusCode(200);
        } finally {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
                s.execute("drop trigger refuse_poison on spend_series");
            }
        }
    }

    @Test
    void aBinaryModeValueCannotSmuggleAttributesIntoTheEnvelope() {
        Map<String, Long> before = outcomes();
        String smuggling = "{\"modelId\":\"" + HAIKU_45 + "\",\"usage\":{\"inputTokens\":1000000,\"outputTokens\":0}}"
                + ",\"source\":\"smuggled-source\",\"subject\":\"smuggled-tenant\"";
        kafka.send(USAGE, "smuggler", smuggling.getBytes(StandardCharsets.UTF_8), Map.of(
                "ce_specversion", "1.0", "ce_id", "smuggle-1", "ce_type", "bedrock.invocation", "ce_time", T + "44Z",
                "content-type", "application/json"));
        kafka.flush();
        Map<String, Long> after = awaitRead(before, 1);

        assertThat(after.get("invalid") - before.get("invalid")).isEqualTo(1);
        assertThat(spend("source=smuggled-source").getList("groups")).isEmpty();
        assertThat(dlqReasons("smuggler").get("smuggler"))
                .startsWith("binary-mode CloudEvent: the record value must be exactly one JSON object (the data)");
    }

    @Test
    void theSameIdWithOtherContentIsAConflictNotADuplicate() {
        Map<String, Long> before = outcomes();
        // Sonnet 4.5: 100,000 × $3/M + 54,666 × $15/M = $1.11999; the impostor: 84 × $1/M = $0.000084
        String charged = invocation("acc-conflict", "c-1", T + "45Z", MeteringAcceptanceTest.SONNET_45, "default", 100_000, 54_666);
        kafka.send(USAGE, "conflict-first", charged);
        kafka.flush();
        Map<String, Long> first = awaitRead(before, 1);

        kafka.send(USAGE, "conflict-later", invocation("acc-conflict", "c-1", T + "45Z", HAIKU_45, "default", 84, 0));
        kafka.send(USAGE, "conflict-again", charged); // the same content again is still a plain duplicate
        // two different events under one id in one batch
        kafka.send(USAGE, "conflict-batch", invocation("acc-conflict", "c-2", T + "46Z", HAIKU_45, "default", 2000, 500));
        kafka.send(USAGE, "conflict-batch", invocation("acc-conflict", "c-2", T + "46Z", HAIKU_45, "default", 9000, 500));
        kafka.flush();
        Map<String, Long> after = awaitRead(first, 4);

        assertThat(after.get("conflict") - before.get("conflict")).as("%s then %s then %s", before, first, after).isEqualTo(2);
        assertThat(after.get("duplicate") - before.get("duplicate")).isEqualTo(1);
        assertThat(after.get("priced") - before.get("priced")).as("%s then %s then %s", before, first, after).isEqualTo(2);
        assertThat(new BigDecimal(spend("source=acc-conflict").getString("totalCostUsd"))).isEqualByComparingTo("1.12449"); // 1.11999 + 0.0045
        Map<String, String> reasons = dlqReasons("conflict-");
        assertThat(reasons.get("conflict-later")).startsWith("conflict: an event with source \"acc-conflict\" and id \"c-1\"")
                .contains("charged: $1.11999").contains("this delivery: $0.000084");
        assertThat(reasons.get("conflict-batch")).contains("charged: $0.0045").contains("this delivery: $0.0115");
        assertThat(reasons).doesNotContainKey("conflict-again");
    }

    @Test
    void aFrozenPeerHoldingRowLocksIsCutOffAndTheHealthyInstanceGoesOn() throws Exception {
        Map<String, Long> before = outcomes();
        kafka.send(USAGE, "frozen-0", invocation("acc-frozen", "f-0", T + "47Z", HAIKU_45, "default", 2000, 500));
        kafka.flush();
        Map<String, Long> warm = awaitRead(before, 1);

        // A peer configured like this service (same session settings) takes the offset rows and freezes.
        Properties peer = new Properties();
        peer.put("user", RealPostgres.user());
        peer.put("password", System.getenv().getOrDefault("COSTMETER_DB_PASSWORD", ""));
        peer.put("options", "-c idle_in_transaction_session_timeout=" + idleInTransactionTimeout);
        try (Connection frozen = DriverManager.getConnection(jdbcUrl, peer)) {
            frozen.setAutoCommit(false);
            try (Statement s = frozen.createStatement()) {
                s.execute("select * from consumer_offset for update");
            }
            long frozenAt = System.nanoTime();
            for (int i = 1; i <= 10; i++) {
                kafka.send(USAGE, "frozen-" + (i % 4), invocation("acc-frozen", "f-" + i, T + "47Z", HAIKU_45, "default", 2000, 500));
            }
            kafka.flush();
            awaitRead(warm, 10);
            Duration stalled = Duration.ofNanos(System.nanoTime() - frozenAt);
            System.out.printf("BadRecordsAcceptanceTest: a frozen peer held the offset rows; the healthy instance committed after %.1f s "
                    + "(idle-in-transaction timeout %s)%n", stalled.toMillis() / 1000.0, idleInTransactionTimeout);
            assertThat(spend("source=acc-frozen").getString("totalCostUsd")).isEqualTo("0.0495"); // 11 × $0.0045
            assertThat(stalled).as("the healthy instance waited only about the idle-in-transaction timeout").isLessThan(Duration.ofSeconds(20));
            assertThatThrownBy(() -> {
                try (Statement s = frozen.createStatement()) {
                    s.execute("select 1");
                }
            }).as("PostgreSQL ended the frozen peer's transaction").isInstanceOf(SQLException.class);
        }
    }

    @Test
    void keysChargedBeforeComeBackWithWhatWasKeptAndTheNewOnesAreStoredInTheSameCall() throws Exception {
        java.util.UUID first = java.util.UUID.randomUUID(), second = java.util.UUID.randomUUID(), fresh = java.util.UUID.randomUUID();
        Map<java.util.UUID, dev.costmeter.aggregation.PendingBatch.Claim> earlier = new java.util.LinkedHashMap<>();
        earlier.put(first, new dev.costmeter.aggregation.PendingBatch.Claim(11L, new BigDecimal("0.0045")));
        earlier.put(second, new dev.costmeter.aggregation.PendingBatch.Claim(null, null)); // unpriced: no cost kept
        assertThat(QuarkusTransaction.requiringNew().call(() -> ledger.registerEventKeys(dev.costmeter.aggregation.ClaimedKeys.of(earlier)))).isEmpty();

        // The plain insert meets a unique violation here, and the named form answers instead.
        Map<java.util.UUID, dev.costmeter.aggregation.PendingBatch.Claim> later = new java.util.LinkedHashMap<>();
        later.put(fresh, new dev.costmeter.aggregation.PendingBatch.Claim(7L, new BigDecimal("1.5")));
        later.put(first, new dev.costmeter.aggregation.PendingBatch.Claim(12L, new BigDecimal("9")));
        later.put(second, new dev.costmeter.aggregation.PendingBatch.Claim(13L, BigDecimal.ONE));
        Map<java.util.UUID, dev.costmeter.aggregation.PendingBatch.Claim> seen = QuarkusTransaction.requiringNew().call(() -> ledger.registerEventKeys(dev.costmeter.aggregation.ClaimedKeys.of(later)));
        assertThat(seen).containsOnlyKeys(first, second);
        assertThat(seen.get(first).contentFingerprint()).isEqualTo(11L);
        assertThat(seen.get(first).costUsd()).isEqualByComparingTo("0.0045");
        assertThat(seen.get(second).contentFingerprint()).isNull();
        assertThat(seen.get(second).costUsd()).isNull();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select content_hash, cost_usd from seen_event where event_key = '" + fresh + "'")) {
            assertThat(rs.next()).as("the new key of the same call is stored").isTrue();
            assertThat(rs.getLong(1)).isEqualTo(7L);
            assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("1.5");
        }
    }

    @Test
    void instancesRegisteringOverlappingKeysInAnyOrderNeverDeadlock() throws Exception {
        // Keys already charged force the slower form of the insert (the one that names duplicates).
        List<java.util.UUID> pool = java.util.stream.IntStream.range(0, 3000).mapToObj(i -> java.util.UUID.randomUUID()).toList();
        QuarkusTransaction.requiringNew().run(() -> register(pool.subList(0, 300)));
        java.util.concurrent.ExecutorService instances = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                runs.add(instances.submit(() -> {
                    java.util.Random random = new java.util.Random(seed);
                    for (int round = 0; round < 25; round++) {
                        List<java.util.UUID> keys = new java.util.ArrayList<>(pool.subList(0, 1500 + random.nextInt(1500)));
                        java.util.Collections.shuffle(keys, random);
                        QuarkusTransaction.requiringNew().run(() -> register(keys));
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> run : runs) {
                run.get(120, java.util.concurrent.TimeUnit.SECONDS); // a deadlock (40P01) would surface here
            }
        } finally {
            instances.shutdownNow();
        }
    }

    void register(List<java.util.UUID> keys) {
        Map<java.util.UUID, dev.costmeter.aggregation.PendingBatch.Claim> claims = new java.util.LinkedHashMap<>();
        keys.forEach(k -> claims.put(k, new dev.costmeter.aggregation.PendingBatch.Claim(1L, BigDecimal.ONE)));
        try {
            ledger.registerEventKeys(dev.costmeter.aggregation.ClaimedKeys.of(claims));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The reason header of each DLQ record whose key starts with the prefix. */
    Map<String, String> dlqReasons(String keyPrefix) {
        Map<String, String> reasons = new java.util.HashMap<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> !kafka.readAll("bedrock.usage.dlq",
                r -> r.key() != null && new String(r.key()).startsWith(keyPrefix)).isEmpty());
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll("bedrock.usage.dlq", r -> r.key() != null && new String(r.key()).startsWith(keyPrefix))) {
            reasons.put(new String(r.key()), TestKafka.header(r, "costmeter.reason"));
        }
        return reasons;
    }
}
