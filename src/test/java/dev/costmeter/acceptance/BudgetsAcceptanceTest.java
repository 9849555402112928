package dev.costmeter.acceptance;

import dev.costmeter.budget.BudgetEvaluator;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A budget managed over the API, its status computed from PostgreSQL, its gauges, and its alerts:
 * one event on costmeter.budget-alerts per threshold per period, however often it is evaluated.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class BudgetsAcceptanceTest extends KafkaAcceptanceTest {

    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    @Inject
    BudgetEvaluator evaluator;

    @Test
    void aBudgetAlertsOncePerThresholdAndPeriod() throws Exception {
        String source = "budget-app-" + System.nanoTime();
        String budget = "{\"name\":\"" + source + " monthly\",\"scope\":{\"source\":\"" + source + "\"},\"period\":\"month\","
                + "\"amountUsd\":\"1.00\",\"thresholds\":[50,80,100],\"alertOnForecast\":false}";
        given().auth().none().contentType("application/json").body(budget).post("/api/v1/budgets").then().statusCode(401);
        given().contentType("application/json").body(budget).post("/api/v1/budgets").then().statusCode(403);
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                .body("{\"name\":\"x\",\"period\":\"year\",\"amountUsd\":-5,\"thresholds\":[50,50]}").post("/api/v1/budgets")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.allOf(
                        org.hamcrest.Matchers.containsString("period: must be day, week or month (UTC), was 'year'"),
                        org.hamcrest.Matchers.containsString("amountUsd: must be more than 0"),
                        org.hamcrest.Matchers.containsString("thresholds: listed twice")));
        String id = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                .body(budget).post("/api/v1/budgets").then().statusCode(201).extract().jsonPath().getString("id");
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                .body(budget).post("/api/v1/budgets").then().statusCode(409);

        // $0.45 + $0.30 of Sonnet 4.5 input (150,000 and 100,000 tokens at $3/1M): 75% of the budget
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        kafka.send(USAGE, null, invocation(source, "b-1", now, SONNET_45, "default", 150_000, 0));
        kafka.send(USAGE, null, invocation(source, "b-2", now, SONNET_45, "default", 100_000, 0));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(status(id).getString("spentUsd")))
                .isEqualByComparingTo("0.75"));

        JsonPath status = status(id);
        assertThat(status.getString("remainingUsd")).isEqualTo("0.25");
        assertThat(status.getString("percentUsed")).isEqualTo("75");
        // burn rate over 5 minutes: ($0.75 / 300 s) / ($1.00 / the month's seconds)
        long monthSeconds = Duration.between(Instant.parse(status.getString("periodStart")), Instant.parse(status.getString("periodEnd"))).toSeconds();
        assertThat(new BigDecimal(status.getString("burnRate.5m")))
                .isEqualByComparingTo(new BigDecimal("0.75").multiply(BigDecimal.valueOf(monthSeconds)).divide(BigDecimal.valueOf(300), MathContext.DECIMAL64));

        // The 50% alert fires once, however often and wherever budgets are evaluated
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts(id).size() == 1);
        evaluator.evaluateAll(Instant.now());
        evaluator.evaluateAll(Instant.now());
        List<ConsumerRecord<byte[], byte[]>> alerts = alerts(id);
        assertThat(alerts).hasSize(1);
        assertThat(TestKafka.value(alerts.get(0))).contains("\"type\":\"costmeter.budget.alert\"").contains("\"threshold\":\"50\"")
                .contains("\"spentUsd\":\"0.75\"");
        assertThat(status(id).getList("alerts.threshold", String.class)).containsExactly("50");

        String metrics = given().auth().none().get("/q/metrics").asString();
        assertThat(metrics).contains("costmeter_budget_spent_usd{budget=\"" + source + " monthly\",period=\"month\"} 0.75")
                .contains("costmeter_budget_amount_usd{budget=\"" + source + " monthly\",period=\"month\"} 1.0")
                .containsPattern("costmeter_budget_burn_rate\\{budget=\"" + source + " monthly\",period=\"month\",window=\"6h\"}")
                .contains("costmeter_budget_forecast_usd{budget=\"" + source + " monthly\"");

        // Lowering the amount to $0.70 crosses 80% and 100%: two more alerts, each once
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                .body(budget.replace("\"1.00\"", "\"0.70\"")).put("/api/v1/budgets/" + id).then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts(id).size() == 3);
        evaluator.evaluateAll(Instant.now());
        assertThat(alerts(id).stream().map(TestKafka::value).map(v -> v.replaceAll(".*\"threshold\":\"([^\"]+)\".*", "$1")))
                .containsExactlyInAnyOrder("50", "80", "100");

        // Raising the amount to $2.00 re-arms the thresholds against it: at $1.65 spent, 50% and 80% of $2 alert again
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                .body(budget.replace("\"1.00\"", "\"2.00\"")).put("/api/v1/budgets/" + id).then().statusCode(200);
        evaluator.evaluateAll(Instant.now());
        assertThat(alerts(id)).hasSize(3);
        for (int i = 3; i <= 5; i++) { // 3 × 100,000 × $3/1M = $0.90
            kafka.send(USAGE, null, invocation(source, "b-" + i, now, SONNET_45, "default", 100_000, 0));
        }
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> alerts(id).size() == 5);
        JsonPath raised = status(id);
        assertThat(raised.getString("spentUsd")).isEqualTo("1.65");
        assertThat(raised.getList("alerts.amountUsd", String.class)).containsExactlyInAnyOrder("1", "0.7", "0.7", "2", "2");
        assertThat(raised.getString("forecast.method")).isNotBlank();

        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).delete("/api/v1/budgets/" + id).then().statusCode(204);
        given().get("/api/v1/budgets/" + id).then().statusCode(404);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(given().auth().none().get("/q/metrics").asString())
                .doesNotContain("budget=\"" + source + " monthly\""));
    }

    JsonPath status(String id) {
        return given().get("/api/v1/budgets/" + id + "/status").then().statusCode(200).extract().jsonPath();
    }

    List<ConsumerRecord<byte[], byte[]>> alerts(String id) {
        return kafka.readAll("costmeter.budget-alerts", r -> r.key() != null && id.equals(new String(r.key())));
    }
}
