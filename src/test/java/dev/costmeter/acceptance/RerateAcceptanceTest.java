package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.TestKafka;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dry run of a re-rate: the diff per source, model and dimension, exact, and nothing changed. The
 * corrected card is a local file of this test's own profile (a card published over the API would stay
 * in the shared test database and take effect after every card the other tests publish).
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(RerateAcceptanceTest.CorrectedCard.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class RerateAcceptanceTest extends KafkaAcceptanceTest {

    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String VERSION = "haiku-corrected";

    /** The bundled card with Claude Haiku 4.5's input at $0.80, from a directory of local cards. */
    public static class CorrectedCard implements io.quarkus.test.junit.QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            try {
                String bundled = new String(CorrectedCard.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(),
                        StandardCharsets.UTF_8);
                java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target/rerate-cards"));
                java.nio.file.Files.writeString(dir.resolve("haiku-corrected.yaml"), bundled
                        .replace("version: \"2026-02\"", "version: \"" + VERSION + "\"")
                        .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"2027-06-01T00:00:00Z\"")
                        .replace("name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\""));
                return java.util.Map.of("costmeter.rate-cards.directory", dir.toAbsolutePath().toString());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void aDryRunShowsWhatACorrectedCardWouldChargeAndChangesNothing() throws Exception {
        String source = "rerate-app-" + System.nanoTime();
        // 1,000,000 input ($1.00) and 100,000 output ($0.50) of Claude Haiku 4.5
        kafka.send(USAGE, null, invocation(source, "r-1", "2026-02-18T09:00:00Z", HAIKU_45, "default", 1_000_000, 100_000));
        kafka.flush();
        String spend = "/api/v1/spend?source=" + source + "&from=2026-02-18T00:00:00Z&to=2026-02-19T00:00:00Z";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get(spend).then().statusCode(200)
                .extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("1.50"));

        String version = VERSION; // Haiku 4.5 input at $0.80 (see CorrectedCard): history is not touched by a new card
        String request = "{\"from\":\"2026-02-18T00:00:00Z\",\"to\":\"2026-02-19T00:00:00Z\",\"targetVersion\":\"" + version + "\","
                + "\"source\":\"" + source + "\",\"reason\":\"the February card had Haiku 4.5 input at $1.00 instead of $0.80\"}";
        JsonPath diff = admin().contentType("application/json").body(request).post("/api/v1/rerates").then().statusCode(200)
                .extract().jsonPath();
        assertThat(diff.getBoolean("dryRun")).isTrue();
        assertThat(diff.getString("oldTotalUsd")).isEqualTo("1.5");
        assertThat(diff.getString("newTotalUsd")).isEqualTo("1.3");
        assertThat(diff.getString("deltaUsd")).isEqualTo("-0.2");
        assertThat(diff.getString("lines.find { it.dimension == 'input_tokens' }.deltaUsd")).isEqualTo("-0.2");
        assertThat(diff.getString("lines.find { it.dimension == 'output_tokens' }.deltaUsd")).isEqualTo("0");
        String csv = admin().contentType("application/json").accept("text/csv").body(request).post("/api/v1/rerates").then()
                .statusCode(200).extract().asString();
        assertThat(csv).startsWith("source,model,dimension,quantity,old_cost_usd,new_cost_usd,delta_usd\r\n")
                .contains(source + "," + HAIKU_45 + ",input_tokens,1000000,1,0.8,-0.2\r\n").endsWith("total,,,,1.5,1.3,-0.2\r\n");
        // nothing changed
        assertThat(new BigDecimal(given().get(spend).then().extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("1.50");

        // what cannot be done says so
        admin().contentType("application/json").body(request.replace("\"reason\"", "\"dryRun\":false,\"reason\"")).post("/api/v1/rerates")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("id: required to apply a re-rate"));
        admin().contentType("application/json").body(request.replace(",\"reason\":\"the February card had Haiku 4.5 input at $1.00 instead of $0.80\"", ""))
                .post("/api/v1/rerates").then().statusCode(422).body("error", org.hamcrest.Matchers.equalTo("reason: required: why the history is re-rated"));
        admin().contentType("application/json").body(request.replace("2026-02-19T00:00:00Z", "2026-06-19T00:00:00Z")).post("/api/v1/rerates")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.containsString("longer than 93 days"));
        admin().contentType("application/json").body(request.replace(version, "no-such-card")).post("/api/v1/rerates")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("targetVersion: no rate card version 'no-such-card'"));
        given().contentType("application/json").body(request).post("/api/v1/rerates").then().statusCode(403); // the viewer
    }

    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String CORRECTION = "2026-02-corrected-march";

    /**
     * A mixed stream on 5 March 2026 — long context, both cache TTLs, four tiers, Guardrails, the
     * OpenSearch floor, images — for one source.
     */
    static List<String> mixedStream(String source) {
        String t = "2026-03-05T10:%02d:%02dZ";
        List<String> events = new java.util.ArrayList<>();
        events.add(invocation(source, source + "-1", t.formatted(1, 5), SONNET_45, "default", 250_000, 2_000)); // 50,000 beyond 200K
        events.add(invocation(source, source + "-2", t.formatted(1, 40), SONNET_45, "default", 120_000, 1_000, 90_000, 0, 0)); // 210K prompt
        events.add(invocation(source, source + "-3", t.formatted(2, 10), HAIKU_45, "batch", 30_000, 4_000, 50_000, 20_000, 10_000));
        events.add(invocation(source, source + "-4", t.formatted(2, 30), HAIKU_45, "priority", 12_345, 678));
        events.add(invocation(source, source + "-5", t.formatted(3, 0), "amazon.nova-pro-v1:0", "flex", 77_777, 3_333));
        events.add(invocation(source, source + "-6", t.formatted(3, 0), "amazon.nova-lite-v1:0", "default", 1_000_001, 99_999));
        events.add("{\"specversion\":\"1.0\",\"id\":\"" + source + "-7\",\"source\":\"" + source + "\",\"type\":\"bedrock.guardrail\","
                + "\"time\":\"" + t.formatted(4, 0) + "\",\"data\":{\"textCharacters\":2500,\"policies\":[\"content\",\"topic\"]}}");
        events.add("{\"specversion\":\"1.0\",\"id\":\"" + source + "-8\",\"source\":\"" + source + "\",\"type\":\"bedrock.kb.opensearch_serverless\","
                + "\"time\":\"" + t.formatted(5, 0) + "\",\"data\":{\"ocus\":1,\"hours\":3}}");
        return events;
    }

    /** The bundled card corrected from 1 March: new prices for Sonnet 4.5, Haiku 4.5, Flex, long context, Guardrails, OpenSearch. */
    static String correctionCard() throws Exception {
        String bundled = new String(CorrectedCard.class.getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(),
                StandardCharsets.UTF_8);
        String card = bundled.replace("version: \"2026-02\"", "version: \"" + CORRECTION + "\"\ncorrects: \"2026-02\"")
                .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"2026-03-01T00:00:00Z\"")
                .replace("name: \"Claude Sonnet 4.5\", input: \"3.00\",  output: \"15.00\"", "name: \"Claude Sonnet 4.5\", input: \"2.70\",  output: \"13.50\"")
                .replace("name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\"")
                .replace("flex: \"0.5\"", "flex: \"0.45\"")
                .replace("claude-1m: { inputTokensAbove: 200000, multiplier: \"2\"", "claude-1m: { inputTokensAbove: 200000, multiplier: \"1.9\"")
                .replace("guardrail_content_policy_units: \"0.15 per 1000\"", "guardrail_content_policy_units: \"0.12 per 1000\"")
                .replace("opensearch_serverless_ocu_hours: \"0.24\"", "opensearch_serverless_ocu_hours: \"0.20\"");
        assertThat(card).contains("input: \"2.70\"", "input: \"0.80\"", "flex: \"0.45\"", "multiplier: \"1.9\"", "\"0.12 per 1000\"", "\"0.20\"");
        return card;
    }

    /** Every aggregate of a source on 5 March: minute × model × region × tier × dimension → quantity, cost, events, card. */
    static Map<String, String> aggregates(String source) throws Exception {
        Map<String, String> rows = new java.util.TreeMap<>();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(RealPostgres.url(), RealPostgres.user(), "");
             java.sql.PreparedStatement select = c.prepareStatement("select bucket_start, model_id, region, service_tier, dimension, subject, "
                     + "quantity, cost_usd, events, rate_card_version from spend_aggregate where source = ? and bucket_start >= '2026-03-05' "
                     + "and bucket_start < '2026-03-06'")) {
            select.setString(1, source);
            try (java.sql.ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getTimestamp(1).toInstant() + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
                                    + rs.getString(5) + " " + rs.getString(6),
                            rs.getBigDecimal(7).stripTrailingZeros().toPlainString() + " " + rs.getBigDecimal(8).stripTrailingZeros().toPlainString()
                                    + " " + rs.getLong(9) + " " + rs.getString(10));
                }
            }
        }
        return rows;
    }

    /** quantity cost events, without the card version. */
    static Map<String, String> withoutVersion(Map<String, String> rows) {
        Map<String, String> out = new java.util.TreeMap<>();
        rows.forEach((k, v) -> out.put(k, v.substring(0, v.lastIndexOf(' '))));
        return out;
    }

    /** A source's aggregates once at least {@code rows} exist and two reads a second apart agree. */
    static Map<String, String> settled(String source, int rows) throws Exception {
        Map<String, String>[] last = new Map[] {Map.of()};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Map<String, String> now = aggregates(source);
            boolean stable = now.size() >= rows && now.equals(last[0]);
            last[0] = now;
            return stable;
        });
        return last[0];
    }

    @Test
    void aCorrectionReRatedEqualsTheStreamPricedFreshUnderIt() throws Exception {
        String before = "rerate-before-" + System.nanoTime();
        String fresh = "rerate-fresh-" + System.nanoTime();
        String day = "from=2026-03-05T00:00:00Z&to=2026-03-06T00:00:00Z";
        // 1. the stream priced under the February card
        mixedStream(before).forEach(e -> kafka.send(USAGE, null, e));
        kafka.flush();
        Map<String, String> underFebruary = settled(before, 15);
        assertThat(underFebruary.values()).allMatch(v -> v.endsWith(" 2026-02"));
        String oldTotal = given().get("/api/v1/spend?source=" + before + "&" + day).then().statusCode(200).extract().jsonPath().getString("totalCostUsd");

        // 2. the correction: published with a reason, in effect for new events from 1 March; history untouched
        admin().contentType("application/yaml").body(correctionCard()).post("/api/v1/rate-cards").then().statusCode(422)
                .body("error", org.hamcrest.Matchers.startsWith("a correction needs a reason"));
        admin().contentType("application/yaml").body(correctionCard()).post("/api/v1/rate-cards?reason=March prices were renegotiated")
                .then().statusCode(201).body("corrects", org.hamcrest.Matchers.equalTo("2026-02"));
        await().atMost(Duration.ofSeconds(10)).until(() -> CORRECTION.equals(given().get("/api/v1/rate-cards/active?at=2026-03-05T10:00:00Z")
                .then().extract().jsonPath().getString("version")));
        assertThat(aggregates(before)).isEqualTo(underFebruary);
        assertThat(given().get("/api/v1/rate-cards/active?at=2026-02-18T00:00:00Z").then().extract().jsonPath().getString("version"))
                .isEqualTo("2026-02");

        // 3. the same stream under another source, priced fresh under the correction
        mixedStream(fresh).forEach(e -> kafka.send(USAGE, null, e));
        kafka.flush();
        Map<String, String> pricedFresh = settled(fresh, underFebruary.size());
        assertThat(pricedFresh.values()).allMatch(v -> v.endsWith(" " + CORRECTION));

        // 4. the dry run, then the re-rate applied: every aggregate equals the fresh one, to the last decimal
        String id = java.util.UUID.randomUUID().toString();
        String request = "{\"id\":\"" + id + "\",\"from\":\"2026-03-05T00:00:00Z\",\"to\":\"2026-03-06T00:00:00Z\",\"targetVersion\":\""
                + CORRECTION + "\",\"source\":\"" + before + "\",\"reason\":\"March prices were renegotiated\"";
        JsonPath dryRun = admin().contentType("application/json").body(request + "}").post("/api/v1/rerates").then().statusCode(200)
                .extract().jsonPath();
        JsonPath applied = admin().contentType("application/json").body(request + ",\"dryRun\":false}").post("/api/v1/rerates").then()
                .statusCode(201).extract().jsonPath();
        assertThat(applied.getBoolean("alreadyApplied")).isFalse();
        assertThat(applied.getString("appliedBy")).isEqualTo("admin");
        assertThat(applied.getString("oldTotalUsd")).isEqualTo(oldTotal);
        assertThat(applied.getString("newTotalUsd")).isEqualTo(dryRun.getString("newTotalUsd"));
        assertThat(new BigDecimal(applied.getString("deltaUsd"))).isNegative();
        Map<String, String> reRated = aggregates(before);
        // quantity, cost and events of every minute × model × region × tier × dimension × subject equal the fresh pricing
        Map<String, String> expected = withoutVersion(pricedFresh);
        assertThat(withoutVersion(reRated)).isEqualTo(expected);
        // the rows whose price the correction changes now name it; the others (Nova Lite, topic units …) cost what they did
        reRated.forEach((key, value) -> assertThat(value.endsWith(" " + CORRECTION)).as(key)
                .isEqualTo(!value.substring(0, value.lastIndexOf(' ')).equals(underFebruary.get(key).substring(0, underFebruary.get(key).lastIndexOf(' ')))));
        assertThat(reRated.values()).anyMatch(v -> v.endsWith(" 2026-02")).anyMatch(v -> v.endsWith(" " + CORRECTION));
        String newTotal = given().get("/api/v1/spend?source=" + before + "&" + day).then().extract().jsonPath().getString("totalCostUsd");
        assertThat(newTotal).isEqualTo(given().get("/api/v1/spend?source=" + fresh + "&" + day).then().extract().jsonPath().getString("totalCostUsd"))
                .isEqualTo(applied.getString("newTotalUsd"));

        // the card in effect at each time: February's part of a range to 2026-02, March's to the correction (nothing left to change here)
        JsonPath inEffect = admin().contentType("application/json").body("{\"from\":\"2026-02-25T00:00:00Z\",\"to\":\"2026-03-06T00:00:00Z\","
                + "\"targetVersion\":\"inEffect\",\"source\":\"" + before + "\",\"reason\":\"check\"}").post("/api/v1/rerates").then()
                .statusCode(200).extract().jsonPath();
        assertThat(inEffect.getString("targetVersion")).isEqualTo("inEffect");
        assertThat(inEffect.getString("deltaUsd")).isEqualTo("0");
        assertThat(inEffect.getString("newTotalUsd")).isEqualTo(applied.getString("newTotalUsd"));

        // 5. applied twice: the second time changes nothing
        JsonPath again = admin().contentType("application/json").body(request + ",\"dryRun\":false}").post("/api/v1/rerates").then()
                .statusCode(200).extract().jsonPath();
        assertThat(again.getBoolean("alreadyApplied")).isTrue();
        assertThat(again.getString("deltaUsd")).isEqualTo(applied.getString("deltaUsd"));
        assertThat(aggregates(before)).isEqualTo(reRated);

        // 6. what it left: the adjustment on the spend API, its record, one costmeter.adjusted event per key delta, the counter
        JsonPath spend = given().get("/api/v1/spend?source=" + before + "&" + day + "&adjustments=true").then().statusCode(200).extract().jsonPath();
        assertThat(spend.getString("adjustments[0].id")).isEqualTo(id);
        assertThat(spend.getString("adjustments[0].deltaUsd")).isEqualTo(applied.getString("deltaUsd"));
        assertThat(spend.getString("adjustments[0].reason")).isEqualTo("March prices were renegotiated");
        assertThat(given().get("/api/v1/spend?source=" + before + "&" + day).then().extract().jsonPath().getList("adjustments")).isNull();
        JsonPath record = given().get("/api/v1/rerates/" + id).then().statusCode(200).extract().jsonPath();
        int lines = record.getList("lines").size();
        assertThat(lines).isEqualTo(applied.getList("lines").size()).isGreaterThanOrEqualTo(8);
        assertThat(given().get("/api/v1/rerates?" + day).then().statusCode(200).extract().jsonPath().getList("id", String.class)).contains(id);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(kafka.readAll("bedrock.usage.priced",
                r -> TestKafka.value(r).contains("\"type\":\"costmeter.adjusted\"") && TestKafka.value(r).contains(id))).hasSize(lines));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("costmeter_cost_adjustment_usd_total{direction=\"decrease\"");
        // the record is append-only, in the database itself
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(RealPostgres.url(), RealPostgres.user(), "");
             java.sql.Statement st = c.createStatement()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> st.executeUpdate("update rerate set reason = 'x'"))
                    .hasMessageContaining("append-only");
        }
    }

    @Test
    void aReRateThatCannotBeAppliedNowChangesNothing() throws Exception {
        String source = "rerate-refused-" + System.nanoTime();
        kafka.send(USAGE, null, invocation(source, source + "-1", "2026-03-07T09:00:00Z", HAIKU_45, "default", 1000, 100));
        kafka.flush();
        String day = "from=2026-03-07T00:00:00Z&to=2026-03-08T00:00:00Z";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source + "&"
                + day).then().extract().jsonPath().getString("totalCostUsd"))).isPositive());
        String total = given().get("/api/v1/spend?source=" + source + "&" + day).then().extract().jsonPath().getString("totalCostUsd");
        String request = "{\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"targetVersion\":\"%s\",\"source\":\"" + source
                + "\",\"reason\":\"test\",\"dryRun\":false}";
        // another re-rate holds the lock
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(RealPostgres.url(), RealPostgres.user(), "");
             java.sql.Statement st = c.createStatement()) {
            st.execute("select pg_advisory_lock(" + 0x636f73746d657465L + ")");
            admin().contentType("application/json").body(request.formatted(java.util.UUID.randomUUID(), "2026-03-07T00:00:00Z",
                    "2026-03-08T00:00:00Z", VERSION)).post("/api/v1/rerates").then().statusCode(409)
                    .body("error", org.hamcrest.Matchers.startsWith("another re-rate is being applied"));
            st.execute("select pg_advisory_unlock_all()");
        }
        // a range still open: its events may still arrive
        String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        admin().contentType("application/json").body(request.formatted(java.util.UUID.randomUUID(), "2026-11-01T00:00:00Z", now, VERSION))
                .post("/api/v1/rerates").then().statusCode(409).body("error", org.hamcrest.Matchers.containsString("may still arrive"));
        // an id that is no UUID, an unknown card
        admin().contentType("application/json").body(request.formatted("not-a-uuid", "2026-03-07T00:00:00Z", "2026-03-08T00:00:00Z", VERSION))
                .post("/api/v1/rerates").then().statusCode(422).body("error", org.hamcrest.Matchers.containsString("id: must be a UUID"));
        admin().contentType("application/json").body(request.formatted(java.util.UUID.randomUUID(), "2026-03-07T00:00:00Z",
                "2026-03-08T00:00:00Z", "no-such-card")).post("/api/v1/rerates").then().statusCode(422);
        assertThat(given().get("/api/v1/spend?source=" + source + "&" + day).then().extract().jsonPath().getString("totalCostUsd")).isEqualTo(total);
        assertThat(given().get("/api/v1/rerates?" + day + "&source=" + source).then().statusCode(200).extract().jsonPath().getList("id")).isEmpty();
    }

    @Test
    void aCorrectionCardIsCheckedBeforeItIsPublished() throws Exception {
        String card = correctionCard().replace(CORRECTION, "refused-" + System.nanoTime());
        admin().contentType("application/yaml").body(card.replace("corrects: \"2026-02\"", "corrects: \"no-such-card\""))
                .post("/api/v1/rate-cards?reason=x").then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("corrects: there is no rate card version"));
        admin().contentType("application/yaml").body(card.replace("effectiveFrom: \"2026-03-01T00:00:00Z\"", "effectiveFrom: \"2026-01-31T00:00:00Z\""))
                .post("/api/v1/rate-cards?reason=x").then().statusCode(422).body("error", org.hamcrest.Matchers.containsString("before that of 2026-02"));
        admin().contentType("application/yaml").body(card.replace("corrects: \"2026-02\"\n", "")).post("/api/v1/rate-cards?reason=x")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("reason is for corrections"));
        // the card in effect in 2027 is the local haiku-corrected one, not 2026-02: correct that one instead
        admin().contentType("application/yaml").body(card.replace("effectiveFrom: \"2026-03-01T00:00:00Z\"", "effectiveFrom: \"2027-07-01T00:00:00Z\""))
                .post("/api/v1/rate-cards?reason=x").then().statusCode(409)
                .body("error", org.hamcrest.Matchers.startsWith("2026-02 is not the card in effect at 2027-07-01T00:00:00Z (" + VERSION + " is)"));
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD);
    }
}
