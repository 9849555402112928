package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The savings advisor on a small known history, through Kafka and PostgreSQL, hand-computed. */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class SavingsAcceptanceTest extends KafkaAcceptanceTest {

    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String DAY = "from=2026-02-12T00:00:00Z&to=2026-02-13T00:00:00Z";

    @Test
    void eachStrategyIsPricedOnWhatTheSourceRan() {
        String source = "savings-app-" + System.nanoTime();
        // two calls under the 200K long-context threshold: 150,000 input ($0.45) + 100,000 output ($1.50), and 150,000
        // cache reads ($0.045): $1.995 in the day
        kafka.send(USAGE, null, invocation(source, "s-1", "2026-02-12T09:00:00Z", SONNET_45, "default", 150_000, 100_000));
        kafka.send(USAGE, null, invocation(source, "s-2", "2026-02-12T10:00:00Z", SONNET_45, "default", 0, 0, 150_000, 0, 0));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + DAY).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("1.995"));

        JsonPath savings = given().get("/api/v1/savings?source=" + source + "&" + DAY).then().statusCode(200).extract().jsonPath();
        assertThat(savings.getString("rateCardVersion")).isEqualTo("2026-02");
        List<Map<String, String>> recommendations = savings.getList("recommendations");
        assertThat(recommendations).extracting(r -> r.get("strategy")).containsExactly("smaller-model", "batch", "flex", "prompt-caching");
        // Claude Haiku 4.5: $0.15 + $0.50 + $0.015 = $0.665, saving $1.33 a day, $39.90 a 30-day month; batch and Flex: half
        assertThat(recommendations.get(0)).containsEntry("costNowUsd", "1.995").containsEntry("costAlternativeUsd", "0.665")
                .containsEntry("savingUsd", "1.33").containsEntry("savingPerMonthUsd", "39.9")
                .containsEntry("costNowPerMonthUsd", "59.85").containsEntry("costAlternativePerMonthUsd", "19.95");
        assertThat(recommendations.get(1)).containsEntry("costAlternativeUsd", "0.9975").containsEntry("savingUsd", "0.9975")
                .containsEntry("savingPerMonthUsd", "29.93");
        // prompt caching at an 80% hit rate: of the 300,000 prompt tokens 240,000 read ($0.072) and 60,000 uncached ($0.18)
        // instead of $0.495 now (150,000 of each)
        assertThat(recommendations.get(3)).containsEntry("costNowUsd", "0.495").containsEntry("costAlternativeUsd", "0.252")
                .containsEntry("savingUsd", "0.243");
        // not additive: the best strategy per source and model
        assertThat(savings.getString("totalSavingUsd")).isEqualTo("1.33");
        assertThat(savings.getList("skipped", Map.class)).isEmpty();

        // a source with no usage: nothing to recommend, and no $0 saving
        JsonPath none = given().get("/api/v1/savings?source=nobody-" + System.nanoTime() + "&" + DAY).then().statusCode(200)
                .extract().jsonPath();
        assertThat(none.getList("recommendations")).isEmpty();
        assertThat(none.getString("totalSavingUsd")).isEqualTo("0");
        assertThat(none.getString("skipped[0].reason")).isEqualTo("no spend in the range: nothing to re-price");
        given().get("/api/v1/savings?from=2026-02-13T00:00:00Z&to=2026-02-13T00:00:00Z").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("must be before"));
        given().get("/api/v1/savings?sources=x").then().statusCode(400);
    }

    @Test
    void theSavingsGaugeShowsWhatThisMonthsUsageWouldSave() {
        String source = "savings-gauge-" + System.nanoTime();
        kafka.send(USAGE, null, invocation(source, "g-1", java.time.Instant.now().minusSeconds(60).toString(), SONNET_45, "default",
                100_000, 10_000));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics.lines().filter(l -> l.startsWith("costmeter_savings_available_usd{") && l.contains("strategy=\"smaller-model\""))
                    .map(l -> new BigDecimal(l.substring(l.lastIndexOf(' ') + 1))).filter(v -> v.signum() > 0)).isNotEmpty();
        });
    }

    @Test
    void agentInteractionsAboveTheP90AreCappedThere() {
        String source = "savings-agents-" + System.nanoTime();
        // ten interactions on 13 February: nine of 2 calls, one of 12; each call 1,000 input + 100 output of Sonnet 4.5 = $0.0045
        for (int i = 0; i < 10; i++) {
            int calls = i == 9 ? 12 : 2;
            for (int call = 0; call < calls; call++) {
                kafka.send(USAGE, null, "{\"specversion\":\"1.0\",\"id\":\"" + source + "-" + i + "-" + call + "\",\"source\":\""
                        + source + "\",\"type\":\"bedrock.invocation\",\"time\":\"2026-02-13T10:" + (10 + i) + ":" + (10 + call)
                        + "Z\",\"data\":{\"modelId\":\"" + SONNET_45 + "\",\"interactionId\":\"" + source + "-" + i + "\","
                        + "\"usage\":{\"inputTokens\":1000,\"outputTokens\":100}}}");
            }
        }
        kafka.flush();
        String range = "from=2026-02-13T00:00:00Z&to=2026-02-14T00:00:00Z";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + range).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("0.135"));
        // the p90 of calls is 2; the 12-call interaction ($0.054) capped at 2 calls saves 10/12 of it: $0.045
        Map<String, String> capped = given().get("/api/v1/savings?source=" + source + "&" + range).then().statusCode(200).extract()
                .jsonPath().<Map<String, String>>getList("recommendations").stream().filter(r -> r.get("strategy").equals("agent-calls"))
                .findFirst().orElseThrow();
        assertThat(capped).containsEntry("model", "(no model)").containsEntry("costNowUsd", "0.135").containsEntry("costAlternativeUsd", "0.09")
                .containsEntry("savingUsd", "0.045").containsEntry("savingPerMonthUsd", "1.35");
        assertThat(capped.get("assumption")).startsWith("1 of 10 interactions made more than 2 model calls (the p90)");
    }

    @Test
    void provisionedThroughputGuardrailsAndTheVectorStoreFloor() {
        String source = "savings-features-" + System.nanoTime();
        String range = "from=2026-02-16T00:00:00Z&to=2026-02-17T00:00:00Z";
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"%s\",\"source\":\"" + source + "\",\"type\":\"%s\","
                + "\"time\":\"2026-02-16T%s:00:00Z\",\"data\":%s}";
        // a day of Llama 2 13B on demand: 700M input at $0.75/1M = $525
        kafka.send(USAGE, null, envelope.formatted("f-llama", "bedrock.invocation", "01",
                "{\"modelId\":\"meta.llama2-13b-chat-v1\",\"usage\":{\"inputTokens\":700000000}}"));
        // the OpenSearch floor all day (2 OCUs × 24 h × $0.24 = $11.52) for 100 GenerateQuery calls ($0.20)
        kafka.send(USAGE, null, envelope.formatted("f-ocu", "bedrock.kb.opensearch_serverless", "00", "{\"ocus\":2,\"hours\":24}"));
        kafka.send(USAGE, null, envelope.formatted("f-kb", "bedrock.kb.generate_query", "02", "{\"calls\":100}"));
        // Guardrails: 2,000 content-filter units ($0.30) and 1,000 denied-topic units ($0.15)
        kafka.send(USAGE, null, envelope.formatted("f-guard", "bedrock.guardrail", "03",
                "{\"usage\":{\"contentPolicyUnits\":2000,\"topicPolicyUnits\":1000}}"));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + range).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("537.17"));

        JsonPath savings = given().get("/api/v1/savings?source=" + source + "&" + range).then().statusCode(200).extract().jsonPath();
        List<Map<String, String>> recommendations = savings.getList("recommendations");
        // one model unit a day: 24 × $21.18 = $508.32
        assertThat(recommendations).filteredOn(r -> r.get("strategy").equals("provisioned-throughput")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("costNowUsd", "525").containsEntry("costAlternativeUsd", "508.32")
                        .containsEntry("savingUsd", "16.68"));
        assertThat(recommendations).filteredOn(r -> r.get("strategy").equals("guardrails")).singleElement()
                .satisfies(r -> assertThat(r).containsEntry("costNowUsd", "0.45").containsEntry("savingUsd", "0.3"));
        assertThat(savings.getList("skipped", Map.class)).anyMatch(x -> x.get("strategy").equals("vector-store")
                && x.get("reason").toString().startsWith("the OpenSearch Serverless floor cost 11.52 USD for 100 queries, 0.115200 USD each"));
    }

    @Test
    void fiveMinuteWritesThatRecurWithinAnHourArePricedAtTheOneHourTtl() {
        String source = "savings-ttl-" + System.nanoTime();
        for (String time : List.of("10:00", "10:10", "10:20", "11:30")) { // 10,000 tokens written with the 5-minute TTL each time
            kafka.send(USAGE, null, invocation(source, "t-" + time, "2026-02-17T" + time + ":00Z", SONNET_45, "default", 0, 0, 0, 10_000, 0));
        }
        kafka.flush();
        String range = "from=2026-02-17T00:00:00Z&to=2026-02-18T00:00:00Z";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + range).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("0.15"));
        Map<String, String> ttl = given().get("/api/v1/savings?source=" + source + "&" + range).then().statusCode(200).extract().jsonPath()
                .<Map<String, String>>getList("recommendations").stream().filter(r -> r.get("strategy").equals("cache-1h-ttl"))
                .findFirst().orElseThrow();
        // 1-hour TTL: $0.06 + $0.003 + $0.003 + $0.06
        assertThat(ttl).containsEntry("costNowUsd", "0.15").containsEntry("costAlternativeUsd", "0.126").containsEntry("savingUsd", "0.024");
    }
}
