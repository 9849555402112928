package dev.costmeter.acceptance;

import dev.costmeter.decoding.FeatureEventsTestFixture;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every billing dimension through the real Kafka broker and PostgreSQL; rate cards published over
 * the API; quarantined events re-priced once a card covers them; agent interactions.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateCardsAndFeaturesAcceptanceTest extends KafkaAcceptanceTest {


    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;

    @Test
    void aMixedStreamOfEveryEventTypeIsPricedExactly() {
        Map<String, Long> before = MeteringAcceptanceTest.outcomes();
        List<String> events = FeatureEventsTestFixture.everyType();
        for (String event : events) {
            // sources and ids of this test only
            kafka.send(USAGE, null, event.replace("\"source\":\"", "\"source\":\"mix-").replace("\"id\":\"", "\"id\":\"mix-"));
        }
        kafka.flush();
        Map<String, Long> after = MeteringAcceptanceTest.awaitRead(before, events.size());
        assertThat(after.get("priced") - before.get("priced")).isEqualTo(events.size());

        JsonPath bySource = MeteringAcceptanceTest.spend("groupBy=source");
        BigDecimal mixTotal = bySource.getList("groups", Map.class).stream()
                .filter(g -> ((String) g.get("source")).startsWith("mix-"))
                .map(g -> new BigDecimal((String) g.get("costUsd"))).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal expected = FeatureEventsTestFixture.EXPECTED_COST.values().stream().map(BigDecimal::new).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(mixTotal).isEqualByComparingTo(expected);

        JsonPath supportBot = MeteringAcceptanceTest.spend("source=mix-support-bot&groupBy=dimension");
        // Sonnet 4.5 long context: 50,000 tokens beyond 200K at $6/1M
        assertThat(MeteringAcceptanceTest.costOf(supportBot, "dimension", "long_context_input_tokens")).isEqualByComparingTo("0.3");
        // OpenSearch: 1 OCU reported, 2 billed (the floor)
        assertThat(MeteringAcceptanceTest.costOf(supportBot, "dimension", "opensearch_serverless_ocu_hours")).isEqualByComparingTo("0.48");
        // word filters and regex PII: free, but their units are counted
        Map<?, ?> words = supportBot.getList("groups", Map.class).stream()
                .filter(g -> "guardrail_word_policy_units".equals(g.get("dimension"))).findFirst().orElseThrow();
        assertThat(words.get("costUsd")).isEqualTo("0");
        assertThat(words.get("quantity")).isEqualTo("3");

        List<ConsumerRecord<byte[], byte[]>> pricedFlow = kafka.readAll("bedrock.usage.priced",
                r -> TestKafka.value(r).contains("\"id\":\"mix-flow-1\""));
        assertThat(pricedFlow).hasSize(1);
        assertThat(TestKafka.value(pricedFlow.get(0))).contains("0.000875");
    }

    @Test
    void anAgentInteractionShowsItsModelCallsAndCost() {
        Map<String, Long> before = MeteringAcceptanceTest.outcomes();
        String conv = "conv-" + System.nanoTime();
        for (int call = 1; call <= 6; call++) { // the guide's agent: 6 internal model calls
            kafka.send(USAGE, null, "{\"specversion\":\"1.0\",\"id\":\"" + conv + "-" + call + "\",\"source\":\"agent-app\","
                    + "\"type\":\"bedrock.invocation\",\"time\":\"2026-02-10T12:00:0" + call + "Z\",\"data\":{\"modelId\":"
                    + "\"anthropic.claude-sonnet-4-5-20250929-v1:0\",\"interactionId\":\"" + conv + "\","
                    + "\"usage\":{\"inputTokens\":3000,\"outputTokens\":800}}}");
        }
        kafka.send(USAGE, null, "{\"specversion\":\"1.0\",\"id\":\"" + conv + "-guardrail\",\"source\":\"agent-app\","
                + "\"type\":\"bedrock.guardrail\",\"time\":\"2026-02-10T12:00:07Z\",\"data\":{\"interactionId\":\"" + conv + "\","
                + "\"usage\":{\"contentPolicyUnits\":3,\"topicPolicyUnits\":3}}}");
        kafka.flush();
        MeteringAcceptanceTest.awaitRead(before, 7);

        JsonPath interactions = given().get("/api/v1/interactions?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z&source=agent-app")
                .then().statusCode(200).extract().jsonPath();
        Map<?, ?> top = interactions.getList("mostExpensive", Map.class).stream()
                .filter(i -> conv.equals(i.get("interactionId"))).findFirst().orElseThrow();
        assertThat(top.get("modelCalls")).isEqualTo(6);
        assertThat(top.get("events")).isEqualTo(7);
        // 6 × (3,000 × $3/1M + 800 × $15/1M) = 6 × $0.021 = $0.126, + guardrails 6 × $0.15/1K = $0.0009
        assertThat(new BigDecimal((String) top.get("costUsd"))).isEqualByComparingTo("0.1269");

        // once idle, the interaction is observed by the histograms
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(given().auth().none().get("/q/metrics").asString())
                .containsPattern("costmeter_interaction_model_calls_bucket\\{source=\"agent-app\",le=\"6\\.0\"} [1-9]")
                .containsPattern("costmeter_interaction_model_calls_count\\{source=\"agent-app\"} [1-9]"));
    }

    @jakarta.inject.Inject
    dev.costmeter.interaction.InteractionReports interactionReports;

    @Test
    void interactionsAreForgottenAfterTheRetentionTheirSpendIsNot() throws Exception {
        try (var c = dataSource.getConnection(); var insert = c.prepareStatement("""
                insert into interaction_spend (source, interaction_id, first_event_time, last_event_time, model_calls, events, cost_usd, observed)
                values ('retention-app', 'old', now() - interval '100 days', now() - interval '100 days', 6, 6, 0.126, true),
                       ('retention-app', 'recent', now() - interval '10 days', now() - interval '10 days', 6, 6, 0.126, true)""")) {
            insert.executeUpdate();
        }
        interactionReports.forgetOlderThan(Duration.ofDays(90));
        try (var c = dataSource.getConnection(); var select = c.prepareStatement(
                "select string_agg(interaction_id, ',' order by interaction_id) from interaction_spend where source = 'retention-app'");
             var rs = select.executeQuery()) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("recent");
        }
    }

    /**
     * An event an earlier, laxer version quarantined (here: an invocation log that gives its input
     * tokens twice, which this version refuses) neither stops a re-pricing run nor gets priced: it
     * stays in quarantine and the reason says why.
     */
    @Test
    void aQuarantinedEventThatNoLongerDecodesStaysQuarantinedAndDoesNotStopTheRun() throws Exception {
        String payload;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("aws/invocation-log-converse.json")) {
            payload = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\"inputTokenCount\": 2000", "\"inputTokenCount\": 2000, \"inputTokenCount\": 9");
        }
        java.util.UUID key = java.util.UUID.randomUUID();
        try (var c = dataSource.getConnection(); var insert = c.prepareStatement("""
                insert into unpriced_event (event_key, source, event_id, event_time, model_id, reason, payload, quarantined_at)
                values (?, 'laxer-version-app', 'dup-1', now(), 'anthropic.claude-sonnet-4-5-20250929-v1:0', 'no rate card prices it', ?,
                        timestamptz '2000-01-01T00:00:00Z')""")) { // the oldest: the first a run examines
            insert.setObject(1, key);
            insert.setString(2, payload);
            insert.executeUpdate();
        }
        try {
            JsonPath run = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD)
                    .post("/api/v1/unpriced/reprice").then().statusCode(200).extract().jsonPath();
            String reason = dev.costmeter.quarantine.QuarantineRepricer.NO_LONGER_DECODES
                    + "malformed JSON: Duplicate field 'inputTokenCount'";
            assertThat(run.getMap("stillUnpricedByReason", String.class, Long.class).keySet()).anyMatch(r -> r.startsWith(reason));
            try (var c = dataSource.getConnection(); var select = c.prepareStatement("select reason from unpriced_event where event_key = ?")) {
                select.setObject(1, key);
                try (var rs = select.executeQuery()) {
                    assertThat(rs.next()).as("still quarantined").isTrue();
                    assertThat(rs.getString(1)).startsWith(reason);
                }
            }
        } finally {
            try (var c = dataSource.getConnection(); var delete = c.prepareStatement("delete from unpriced_event where event_key = ?")) {
                delete.setObject(1, key);
                delete.executeUpdate();
            }
        }
    }

    @Test
    void rateCardsArePublishedOverTheApiQuarantinedEventsArePricedOnceTheyAreCovered() throws Exception {
        // Reading needs a viewer; publishing an admin
        given().auth().none().get("/api/v1/rate-cards").then().statusCode(401);
        given().contentType("application/yaml").body("version: x").post("/api/v1/rate-cards").then().statusCode(403);
        JsonPath list = given().get("/api/v1/rate-cards").then().statusCode(200).extract().jsonPath();
        assertThat(list.getList("versions.version", String.class)).contains("2026-02");
        assertThat(given().get("/api/v1/rate-cards/2026-02").then().statusCode(200).extract().jsonPath().getString("definition"))
                .contains("claude-1m");
        given().get("/api/v1/rate-cards/1999-01").then().statusCode(404);

        // An event for a model no card prices yet is quarantined
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String id = "frontier-" + System.nanoTime();
        Map<String, Long> before = MeteringAcceptanceTest.outcomes();
        kafka.send(USAGE, null, "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"frontier-app\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"" + now.minus(10, ChronoUnit.MINUTES) + "\",\"data\":{\"modelId\":\"acme.frontier-v1\","
                + "\"usage\":{\"inputTokens\":1000000,\"outputTokens\":100000}}}");
        kafka.flush();
        // …and so is cache usage of a model whose card has no cache price (Nova: the guide prices no Nova caching)
        String novaId = "nova-cache-" + System.nanoTime();
        kafka.send(USAGE, null, "{\"specversion\":\"1.0\",\"id\":\"" + novaId + "\",\"source\":\"nova-cache-app\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"" + now.minus(10, ChronoUnit.MINUTES) + "\",\"data\":{\"modelId\":\"amazon.nova-lite-v1:0\","
                + "\"usage\":{\"inputTokens\":1000,\"outputTokens\":0,\"cacheReadInputTokens\":1000000}}}");
        kafka.flush();
        Map<String, Long> quarantined = MeteringAcceptanceTest.awaitRead(before, 2);
        assertThat(quarantined.get("unpriced") - before.get("unpriced")).isEqualTo(2);
        try (var c = dataSource.getConnection(); var select = c.prepareStatement("select reason from unpriced_event where event_id = ?")) {
            select.setString(1, novaId);
            try (var rs = select.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("rate card 2026-02 has no price for cache_read_input_tokens of model 'amazon.nova-lite-v1:0'");
            }
        }
        assertThat(given().get("/api/v1/unpriced").then().statusCode(200).extract().jsonPath().getList("events.id")).contains(id);

        String bundled = bundledCard();
        // Invalid cards are refused with the line at fault
        JsonPath invalid = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/yaml")
                .body(bundled.replace("version: \"2026-02\"", "version: \"bad\"").replace("input: \"0.035\"", "input: \"-0.035\""))
                .post("/api/v1/rate-cards").then().statusCode(422).extract().jsonPath();
        assertThat(invalid.getList("problems", String.class)).singleElement().asString()
                .matches("line \\d+: models\\[0] \\(amazon.nova-micro-v1:0\\)\\.input: price must not be negative");

        // A card that only adds a price may take effect in the past…
        Instant anHourAgo = now.minus(1, ChronoUnit.HOURS);
        String additive = bundled.replace("version: \"2026-02\"", "version: \"acme-" + now.getEpochSecond() + "\"")
                .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"" + anHourAgo + "\"")
                .replace("models:\n", "models:\n  - { id: \"acme.frontier-v1\", name: \"Acme Frontier\", input: \"2.00\", output: \"10.00\" }\n")
                // a later card may price Nova caching (a hypothetical 0.25× input for reads) without a code change
                .replace("cachingRules:\n", "cachingRules:\n  nova-read:\n    cache_read_input_tokens: { basedOn: input, multiplier: \"0.25\" }\n")
                .replace("name: \"Nova Lite\",    input: \"0.06\",  output: \"0.24\" }", "name: \"Nova Lite\",    input: \"0.06\",  output: \"0.24\", caching: nova-read }");
        assertThat(additive).contains("caching: nova-read");
        String version = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/yaml")
                .body(additive).post("/api/v1/rate-cards").then().statusCode(201).extract().jsonPath().getString("version");
        // …one that changes a price may not, and versions are immutable
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/yaml")
                .body(additive.replace(version, version + "-b").replace(anHourAgo.toString(), now.minus(30, ChronoUnit.MINUTES).toString())
                        .replace("input: \"0.035\"", "input: \"0.04\""))
                .post("/api/v1/rate-cards").then().statusCode(409)
                .body("error", org.hamcrest.Matchers.containsString("may only add prices"));
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/yaml")
                .body(additive).post("/api/v1/rate-cards").then().statusCode(409);
        // A price change in the future is fine, and takes effect at its time
        Instant tomorrow = now.plus(1, ChronoUnit.DAYS);
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/yaml")
                .body(additive.replace(version, version + "-next").replace(anHourAgo.toString(), tomorrow.toString())
                        .replace("input: \"2.00\", output: \"10.00\"", "input: \"1.00\", output: \"5.00\""))
                .post("/api/v1/rate-cards").then().statusCode(201);
        assertThat(given().get("/api/v1/rate-cards/active").then().statusCode(200).extract().jsonPath().getString("version")).isEqualTo(version);
        assertThat(given().get("/api/v1/rate-cards/active?at=" + tomorrow).then().statusCode(200).extract().jsonPath().getString("version"))
                .isEqualTo(version + "-next");

        // Re-pricing: the event leaves quarantine, is charged once, and the counts still add up
        given().post("/api/v1/unpriced/reprice").then().statusCode(403);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath run = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD)
                    .post("/api/v1/unpriced/reprice").then().statusCode(200).extract().jsonPath();
            assertThat(run.getLong("priced")).isEqualTo(2);
            // 1M × $2/1M + 100K × $10/1M = $3; Nova Lite: 1,000 × $0.06/1M + 1M reads × $0.015/1M = $0.01506
            assertThat(new BigDecimal(run.getString("costUsd"))).isEqualByComparingTo("3.01506");
        });
        JsonPath again = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD)
                .post("/api/v1/unpriced/reprice").then().statusCode(200).extract().jsonPath();
        assertThat(again.getLong("priced")).isZero();

        Map<String, Long> after = MeteringAcceptanceTest.outcomes();
        assertThat(after.get("read")).isEqualTo(quarantined.get("read"));
        assertThat(after.get("unpriced")).isEqualTo(quarantined.get("unpriced") - 2);
        assertThat(after.get("priced")).isEqualTo(quarantined.get("priced") + 2);
        JsonPath spend = given().get("/api/v1/spend?from=" + now.minus(1, ChronoUnit.DAYS) + "&to=" + now.plus(1, ChronoUnit.HOURS)
                + "&source=frontier-app&groupBy=rateCardVersion").then().statusCode(200).extract().jsonPath();
        assertThat(new BigDecimal(spend.getString("totalCostUsd"))).isEqualByComparingTo("3");
        assertThat(spend.getList("groups.rateCardVersion", String.class)).containsExactly(version);
        assertThat(given().get("/api/v1/unpriced").then().extract().jsonPath().getList("events.id")).doesNotContain(id, novaId);
        assertThat(new BigDecimal(given().get("/api/v1/spend?from=" + now.minus(1, ChronoUnit.DAYS) + "&to=" + now.plus(1, ChronoUnit.HOURS)
                + "&source=nova-cache-app").then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("0.01506");
        assertThat(kafka.readAll("bedrock.usage.priced", r -> TestKafka.value(r).contains("\"id\":\"" + id + "\""))).hasSize(1);
    }

    /**
     * Another instance publishing is a row in rate_card: this one picks it up without a restart.
     * Runs last and removes its card: versions take effect in order, and this one is far in the future.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void aVersionPublishedByAnotherInstanceTakesEffectHereWithoutARestart() throws Exception {
        String version = "elsewhere-" + System.nanoTime();
        Instant farFuture = Instant.parse("2099-01-01T00:00:00Z").plusSeconds(System.nanoTime() % 1_000_000);
        String card = bundledCard().replace("version: \"2026-02\"", "version: \"" + version + "\"")
                .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"" + farFuture + "\"");
        try (var c = dataSource.getConnection(); var insert = c.prepareStatement(
                "insert into rate_card (version, effective_from, definition, published_by) values (?, ?, ?, 'other-instance')")) {
            insert.setString(1, version);
            insert.setTimestamp(2, java.sql.Timestamp.from(farFuture));
            insert.setString(3, card);
            insert.executeUpdate();
        }
        try {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    given().get("/api/v1/rate-cards/active?at=" + farFuture).then().statusCode(200).extract().jsonPath().getString("version"))
                    .isEqualTo(version));
            assertThat(given().get("/api/v1/rate-cards/" + version).then().statusCode(200).extract().jsonPath().getString("publishedBy"))
                    .isEqualTo("other-instance");
        } finally {
            // a card in 2099 would refuse every later card of every test class after this one
            try (var c = dataSource.getConnection(); var delete = c.prepareStatement("delete from rate_card where version = ?")) {
                delete.setString(1, version);
                delete.executeUpdate();
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/api/v1/rate-cards/" + version).then().statusCode(404));
    }

    static String bundledCard() throws Exception {
        try (InputStream in = RateCardsAndFeaturesAcceptanceTest.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
