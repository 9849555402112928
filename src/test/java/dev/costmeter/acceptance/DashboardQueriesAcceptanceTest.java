package dev.costmeter.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.RealPrometheus;
import dev.costmeter.tools.SyntheticUsage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every query of every Grafana dashboard, run by a real Prometheus (Debian's package) that scrapes
 * the running service under generated traffic and evaluates deploy/prometheus's rules: each query
 * must return data, and a budget burnt fast must make BudgetFastBurn fire. {@link DashboardValuesIT}
 * checks the money and count panels' values against the ledger (it needs a restart, so a process).
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class DashboardQueriesAcceptanceTest extends KafkaAcceptanceTest {

    @TestHTTPResource("/")
    URL service;

    @Test
    void everyDashboardQueryReturnsDataAndAFastBurnFires(@TempDir Path dir) throws Exception {
        String budgetId = null;
        try (RealPrometheus prometheus = RealPrometheus.scraping(dir, service.getHost(), service.getPort())) {
            // A budget that the traffic burns fast: $0.05 a month for one application
            budgetId = given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                    .body("{\"name\":\"dashboards test\",\"scope\":{\"source\":\"support-bot\"},\"period\":\"month\",\"amountUsd\":\"0.05\"}")
                    .post("/api/v1/budgets").then().statusCode(201).extract().jsonPath().getString("id");

            // Two waves of realistic traffic (agents with 6-call interactions, caching, tiers), so that rates and
            // the interaction histograms have samples before and after
            for (int wave = 0; wave < 2; wave++) {
                SyntheticUsage usage = new SyntheticUsage(wave + 11, "dash-" + System.nanoTime(), Instant.now().minusSeconds(30), 1_000_000);
                for (int i = 0; i < 3000; i++) {
                    kafka.send(USAGE, null, usage.event(i));
                }
                kafka.flush();
                Thread.sleep(4000); // scraped, and the interactions go idle (2 s in tests) and are observed
            }

            // A reconciliation, for the panels that show the last one: today's bill so far, one line
            String bill = "line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_usage_amount,"
                    + "line_item_unblended_cost,line_item_currency_code,product_region_code,line_item_line_item_type\n"
                    + java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "T00:00:00Z,AmazonBedrock,USE1-NovaLite-input-tokens,1000,0.00006,USD,"
                    + "us-east-1,Usage\n";
            given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/octet-stream")
                    .body(bill.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/api/v1/reconciliations?file=today.csv")
                    .then().statusCode(201);

            List<String> empty = new ArrayList<>();
            for (String[] query : DashboardJsonTest.queries()) {
                String expr = query[1].replace("$source", ".*").replace("$budget", ".*");
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> hasFiniteValue(prometheus, expr));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    empty.add(query[0] + ": " + expr);
                }
            }
            assertThat(empty).as("dashboard queries that returned no data").isEmpty();

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (JsonNode alert : prometheus.alerts()) {
                    if (alert.path("labels").path("alertname").asText().equals("BudgetFastBurn")
                            && alert.path("labels").path("budget").asText().equals("dashboards test")
                            && alert.path("state").asText().equals("firing")) {
                        return true;
                    }
                }
                return false;
            });
        } finally {
            if (budgetId != null) {
                given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).delete("/api/v1/budgets/" + budgetId);
            }
        }
    }

    boolean hasFiniteValue(RealPrometheus prometheus, String expr) throws Exception {
        JsonNode response = prometheus.query(expr);
        assertThat(response.path("status").asText()).as(expr + " → " + response).isEqualTo("success");
        JsonNode result = response.path("data").path("result");
        if (response.path("data").path("resultType").asText().equals("scalar")) {
            return isFinite(result.get(1).asText());
        }
        for (JsonNode series : result) {
            if (isFinite(series.path("value").get(1).asText())) {
                return true;
            }
        }
        return false;
    }

    static boolean isFinite(String value) {
        return !value.equals("NaN") && !value.contains("Inf");
    }

}
