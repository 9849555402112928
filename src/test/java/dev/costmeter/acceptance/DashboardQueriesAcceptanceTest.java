package dev.costmeter.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.tools.SyntheticUsage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
 * must return data, and a budget burnt fast must make BudgetFastBurn fire.
 *
 * <p>The rules are loaded with their {@code for} durations set to 0 s, so that an alert fires
 * within the test; {@link PrometheusRulesTest} tests the rules as written, durations included.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class DashboardQueriesAcceptanceTest extends KafkaAcceptanceTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL service;

    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void everyDashboardQueryReturnsDataAndAFastBurnFires(@TempDir Path dir) throws Exception {
        int port = freePort();
        Files.writeString(dir.resolve("rules.yml"), Files.readString(Path.of("deploy/prometheus/costmeter-rules.yml"))
                .replaceAll("for: \\d+m", "for: 0s"));
        Files.writeString(dir.resolve("prometheus.yml"), """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [rules.yml]
                scrape_configs:
                  - job_name: costmeter
                    metrics_path: /q/metrics
                    static_configs: [{targets: ["%s:%d"]}]
                """.formatted(service.getHost(), service.getPort()));
        Process prometheus;
        try {
            prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(new File(dir.toFile(), "prometheus.log")).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("prometheus is not installed: apt-get install --no-install-recommends prometheus", e);
        }
        String budgetId = null;
        try {
            String api = "http://127.0.0.1:" + port;
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> get(api + "/-/ready").contains("Ready"));

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

            List<String> empty = new ArrayList<>();
            for (String[] query : DashboardJsonTest.queries()) {
                String expr = query[1].replace("$source", ".*").replace("$budget", ".*");
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).until(() -> hasFiniteValue(api, expr));
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    empty.add(query[0] + ": " + expr);
                }
            }
            assertThat(empty).as("dashboard queries that returned no data").isEmpty();

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (JsonNode alert : JSON.readTree(get(api + "/api/v1/alerts")).path("data").path("alerts")) {
                    if (alert.path("labels").path("alertname").asText().equals("BudgetFastBurn")
                            && alert.path("labels").path("budget").asText().equals("dashboards test")
                            && alert.path("state").asText().equals("firing")) {
                        return true;
                    }
                }
                return false;
            });
        } finally {
            prometheus.destroy();
            prometheus.waitFor();
            if (budgetId != null) {
                given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).delete("/api/v1/budgets/" + budgetId);
            }
        }
    }

    boolean hasFiniteValue(String api, String expr) throws Exception {
        JsonNode response = JSON.readTree(get(api + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)));
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

    String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
