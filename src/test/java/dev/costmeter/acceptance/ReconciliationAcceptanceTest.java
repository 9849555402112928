package dev.costmeter.acceptance;

import dev.costmeter.reconcile.BillFixtures;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/**
 * "Does it match the bill?": July's usage published through Kafka and priced into PostgreSQL, then
 * the July bill (BillFixtures: CUR 2.0 and FOCUS 1.2, CSV, gzip CSV and Parquet, uploaded or named
 * by path) reconciled against it through the API. Every planted difference is found, and only those.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class ReconciliationAcceptanceTest extends KafkaAcceptanceTest {

    static final String NOVA_LITE = "amazon.nova-lite-v1:0";
    static final String HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String JULY = "from=2026-07-01T00:00:00Z&to=2026-08-01T00:00:00Z";

    @BeforeEach
    void signIn() {
        ApiUsers.signInAsViewer();
    }

    @Test
    void everyPlantedDifferenceIsFoundInEveryFormat() throws Exception {
        // July 20: Nova Lite 1M input ($0.06) + 500K output ($0.12); Haiku 4.5 2M input ($2.00), 100K output ($0.50), 1M cache reads ($0.10)
        kafka.send(USAGE, null, invocation("recon-app", "recon-1", "2026-07-20T09:30:00Z", NOVA_LITE, "default", 1_000_000, 500_000));
        kafka.send(USAGE, null, invocation("recon-app", "recon-2", "2026-07-20T11:30:00Z", HAIKU, "default", 2_000_000, 100_000, 1_000_000, 0, 0));
        // July 21: Nova Lite with cache reads, which the card does not price for Nova: quarantined
        kafka.send(USAGE, null, invocation("recon-app", "recon-3", "2026-07-21T08:30:00Z", NOVA_LITE, "default", 0, 0, 1000, 0, 0));
        // July 22: Nova Lite 2,000 input ($0.00012) + 1,000 output ($0.00024)
        kafka.send(USAGE, null, invocation("recon-app", "recon-4", "2026-07-22T07:30:00Z", NOVA_LITE, "default", 2000, 1000));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(new BigDecimal(given().get("/api/v1/spend?source=recon-app&" + JULY).then().statusCode(200).extract().jsonPath()
                    .getString("totalCostUsd"))).isEqualByComparingTo("2.78036");
            assertThat(given().get("/api/v1/unpriced?limit=10000").then().statusCode(200).extract().jsonPath()
                    .getList("events.id", String.class)).contains("recon-3");
        });

        Map<String, Path> bills = BillFixtures.writeAll(Files.createTempDirectory("costmeter-bills-"));
        long runsBefore = given().get("/api/v1/reconciliations?limit=1000").then().statusCode(200).extract().jsonPath().getList("id").size();
        long lastRun = 0;
        for (Map.Entry<String, Path> bill : bills.entrySet()) {
            boolean upload = bill.getKey().endsWith(".csv") || bill.getKey().endsWith(".gz");
            JsonPath run = (upload
                    ? given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/octet-stream")
                    .body(Files.readAllBytes(bill.getValue())).post("/api/v1/reconciliations?file=" + bill.getKey())
                    : given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/octet-stream")
                    .post("/api/v1/reconciliations?path=" + bill.getValue()))
                    .then().statusCode(201).extract().jsonPath();
            String label = bill.getKey();
            assertThat(run.getString("run.billFile")).as(label).isEqualTo(upload ? label : bill.getValue().toString());
            assertThat(run.getString("run.billFormat")).as(label).isEqualTo(label.startsWith("cur") ? "CUR 2.0" : "FOCUS 1.2");
            assertThat(run.getString("run.runBy")).isEqualTo("admin");
            assertThat(run.getString("run.from")).isEqualTo("2026-07-20");
            assertThat(run.getString("run.to")).isEqualTo("2026-08-01");
            assertThat(run.getString("summary.billedCostUsd")).as(label).isEqualTo("2.483126");
            assertThat(run.getString("summary.meteredCostUsd")).as(label).isEqualTo("2.78036");
            assertThat(run.getString("summary.differenceUsd")).as(label).isEqualTo("-0.297234");
            assertThat(run.getString("summary.nonUsageBedrockCostUsd")).isEqualTo("0.25");
            assertThat(run.getBoolean("summary.bySource")).isEqualTo(label.startsWith("cur"));
            assertThat(run.getInt("summary.byClassification.MATCHED.keys")).isEqualTo(4);
            assertThat(run.getString("summary.byClassification.MATCHED.billedCost")).isEqualTo("0.68012");
            assertThat(run.getInt("summary.byClassification.PRICE_DIFFERS.keys")).isEqualTo(1);
            assertThat(run.getString("summary.byClassification.PRICE_DIFFERS.costDifference")).isEqualTo("-0.4");
            assertThat(run.getInt("summary.byClassification.QUANTITY_DIFFERS.keys")).isEqualTo(1);
            assertThat(run.getInt("summary.byClassification.NOT_METERED.keys")).isEqualTo(3);
            assertThat(run.getString("summary.byClassification.NOT_METERED.billedCost")).isEqualTo("0.083006");
            assertThat(run.getInt("summary.byClassification.NOT_BILLED_YET.keys")).isEqualTo(1);
            assertThat(run.getString("summary.byClassification.NOT_BILLED_YET.meteredCost")).isEqualTo("0.00024");

            List<Map<String, Object>> differences = run.getList("report.differences");
            assertThat(differences).hasSize(10);
            Map<String, Object> quarantined = differences.stream().filter(d -> "cache_read_input_tokens".equals(key(d).get("dimension"))
                    && "2026-07-21".equals(key(d).get("day"))).findFirst().orElseThrow();
            assertThat(quarantined).containsEntry("classification", "NOT_METERED");
            assertThat((String) quarantined.get("explanation")).startsWith("1 events of this model on this day are in the quarantine");
            Map<String, Object> price = differences.stream().filter(d -> "PRICE_DIFFERS".equals(d.get("classification"))).findFirst().orElseThrow();
            assertThat(key(price)).containsEntry("modelId", HAIKU).containsEntry("dimension", "input_tokens")
                    .containsEntry("source", label.startsWith("cur") ? "recon-app" : "");
            assertThat(price).containsEntry("billedUnitPrice", "0.0000008").containsEntry("cardUnitPrice", "0.000001");
            assertThat(run.getBoolean("run.draftRateCard")).isTrue();
            lastRun = run.getLong("run.id");
        }

        List<Map<String, Object>> runs = given().get("/api/v1/reconciliations").then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(runs).hasSize((int) runsBefore + 6);
        assertThat(((Number) runs.get(0).get("id")).longValue()).isEqualTo(lastRun);
        assertThat(runs.get(0)).containsEntry("billedCostUsd", "2.483126").containsEntry("meteredCostUsd", "2.78036");
        given().get("/api/v1/reconciliations/" + lastRun + "/draft-rate-card").then().statusCode(200)
                .body(containsString("version: \"2026-02-reconciled-" + lastRun + "\""))
                .body(containsString("name: \"Claude Haiku 4.5\",  input: \"0.8\",  output: \"5.00\""));
        given().get("/api/v1/reconciliations/" + lastRun).then().statusCode(200).body("run.id", org.hamcrest.Matchers.equalTo((int) lastRun));
        given().get("/api/v1/reconciliations/999999").then().statusCode(404).body("error", startsWith("no reconciliation run"));
        // as text, for a terminal (what ./costmeter reconcile prints): the classes, then every key that does not match
        String text = given().accept("text/plain").get("/api/v1/reconciliations/" + lastRun).then().statusCode(200).extract().asString();
        assertThat(text).contains("billed 2.483126 USD, metered 2.78036 USD, billed - metered -0.297234 USD")
                .containsPattern("price differs\\s+1\\s+1.6\\s+2\\s+-0.4")
                .contains("2026-07-20 us-east-1 " + HAIKU + " input_tokens default: price differs")
                .contains("1 events of this model on this day are in the quarantine")
                .contains("2026-07-22 us-east-1 " + NOVA_LITE + " output_tokens default: not billed yet")
                .doesNotContain(NOVA_LITE + " input_tokens default: matched")
                .contains("draft-rate-card");

        // the last run's classifications on /q/metrics: billed and metered per classification
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(gauge(metrics, "price_differs", "billed")).isEqualByComparingTo("1.6");
        assertThat(gauge(metrics, "price_differs", "metered")).isEqualByComparingTo("2.0");
        assertThat(gauge(metrics, "not_billed_yet", "metered")).isEqualByComparingTo("0.00024");
        assertThat(gauge(metrics, "matched", "billed")).isEqualByComparingTo("0.68012");
    }

    @Test
    void aBadBillIsRefusedNamingTheFileAndChangesNothing() throws Exception {
        Map<String, Path> bills = BillFixtures.writeAll(Files.createTempDirectory("costmeter-bad-bills-"));
        int runs = given().get("/api/v1/reconciliations?limit=1000").then().statusCode(200).extract().jsonPath().getList("id").size();
        byte[] gz = Files.readAllBytes(bills.get("cur.csv.gz"));
        upload("truncated.csv.gz", Arrays.copyOf(gz, gz.length / 2)).then().statusCode(422).body("error", startsWith("truncated.csv.gz: "));
        upload("sales.csv", "region,product,amount\neu,shoes,3\n".getBytes()).then().statusCode(422)
                .body("error", startsWith("sales.csv: is not a CUR 2.0 or FOCUS 1.2 export"));
        upload("eur.csv", Files.readString(bills.get("cur.csv")).replace(",USD,", ",EUR,").getBytes()).then().statusCode(422)
                .body("error", containsString("are in EUR"));
        upload("empty.csv", new byte[0]).then().statusCode(422).body("error", startsWith("no bill"));
        given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/octet-stream")
                .post("/api/v1/reconciliations?path=/nonexistent/bill.parquet").then().statusCode(422)
                .body("error", startsWith("/nonexistent/bill.parquet: the service cannot read this file"));
        upload("cur.csv", Files.readAllBytes(bills.get("cur.csv")), "&from=2026-07-22&to=2026-07-20").then().statusCode(422)
                .body("error", containsString("must be before"));
        upload("cur.csv", Files.readAllBytes(bills.get("cur.csv")), "&from=July").then().statusCode(400)
                .body("error", startsWith("from must be a UTC day"));
        // a viewer may read the runs but not start one
        given().contentType("application/octet-stream").body(Files.readAllBytes(bills.get("cur.csv"))).post("/api/v1/reconciliations")
                .then().statusCode(403);
        assertThat(given().get("/api/v1/reconciliations?limit=1000").then().statusCode(200).extract().jsonPath().getList("id")).hasSize(runs);
    }

    private static io.restassured.response.Response upload(String name, byte[] body) {
        return upload(name, body, "");
    }

    private static io.restassured.response.Response upload(String name, byte[] body, String query) {
        return given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/octet-stream")
                .body(body).post("/api/v1/reconciliations?file=" + name + query);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> key(Map<String, Object> difference) {
        return (Map<String, Object>) difference.get("key");
    }

    private static BigDecimal gauge(String metrics, String classification, String side) {
        return metrics.lines().filter(l -> l.startsWith("costmeter_reconciliation_cost_usd{") && l.contains("classification=\"" + classification
                        + "\"") && l.contains("side=\"" + side + "\"")).map(l -> new BigDecimal(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no gauge for " + classification + "/" + side));
    }
}
