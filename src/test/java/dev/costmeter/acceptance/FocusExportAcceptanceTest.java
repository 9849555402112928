package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * costmeter's costs as FOCUS 1.2 through the API: every row conforms to the specification's MUST
 * statements, and BilledCost over the export is the spend API's total for the range, exactly.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class FocusExportAcceptanceTest extends KafkaAcceptanceTest {

    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String RANGE = "from=2026-02-09T00:00:00Z&to=2026-02-12T00:00:00Z";

    @Test
    void theExportConformsAndAddsUpToTheSpendApiExactly() throws Exception {
        String source = "focus-app-" + System.nanoTime();
        // $0.45 + $0.30 of input on the 10th (two hours), $1.50 of output on the 11th (100,000 tokens at $15/1M)
        kafka.send(USAGE, null, invocation(source, "f-1", "2026-02-10T10:15:00Z", SONNET_45, "default", 150_000, 0));
        kafka.send(USAGE, null, invocation(source, "f-2", "2026-02-10T11:20:00Z", SONNET_45, "default", 100_000, 0));
        kafka.send(USAGE, null, invocation(source, "f-3", "2026-02-11T08:00:00Z", SONNET_45, "default", 0, 100_000));
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + RANGE).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("2.25"));
        String spendTotal = given().get("/api/v1/spend?" + RANGE).then().statusCode(200).extract().jsonPath().getString("totalCostUsd");

        for (String granularity : List.of("hourly", "daily")) {
            Response response = given().get("/api/v1/export/focus?granularity=" + granularity + "&" + RANGE);
            response.then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("text/csv"));
            assertThat(response.header("X-Costmeter-Billed-Cost")).isEqualTo(spendTotal);
            List<List<String>> csv = dev.costmeter.export.FocusConformance.parseCsv(response.asString());
            List<String> header = csv.get(0);
            List<List<String>> rows = csv.subList(1, csv.size());
            assertThat(dev.costmeter.export.FocusConformance.problems(header, rows)).isEmpty();
            int billed = header.indexOf("BilledCost");
            BigDecimal sum = rows.stream().map(r -> new BigDecimal(r.get(billed))).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(sum).isEqualByComparingTo(new BigDecimal(spendTotal)); // exact: decimal strings summed as decimals
            List<List<String>> ours = rows.stream().filter(r -> r.get(header.indexOf("x_Source")).equals(source)).toList();
            assertThat(ours).hasSize(granularity.equals("hourly") ? 3 : 2);
            assertThat(ours.stream().map(r -> r.get(header.indexOf("ChargePeriodStart"))).toList()).isEqualTo(
                    granularity.equals("hourly") ? List.of("2026-02-10T10:00:00Z", "2026-02-10T11:00:00Z", "2026-02-11T08:00:00Z")
                            : List.of("2026-02-10T00:00:00Z", "2026-02-11T00:00:00Z"));
        }
    }

    @Test
    void parquetHoldsTheSameRowsTypedAsFocusSays() throws Exception {
        String source = "focus-parquet-" + System.nanoTime();
        kafka.send(USAGE, null, invocation(source, "p-1", "2026-02-10T09:00:00Z", SONNET_45, "default", 1_000, 1_000)); // $0.018
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given().get("/api/v1/spend?source=" + source
                + "&" + RANGE).then().statusCode(200).extract().jsonPath().getString("totalCostUsd"))).isEqualByComparingTo("0.018"));
        String csv = given().get("/api/v1/export/focus?granularity=hourly&" + RANGE).then().statusCode(200).extract().asString();
        Response response = given().get("/api/v1/export/focus?granularity=hourly&format=parquet&" + RANGE);
        response.then().statusCode(200).contentType("application/vnd.apache.parquet");
        java.nio.file.Path file = java.nio.file.Files.createTempFile("focus-it", ".parquet");
        java.nio.file.Files.write(file, response.asByteArray());
        List<List<String>> rows = dev.costmeter.export.FocusConformance.parseCsv(csv);
        try (java.sql.Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement s = duck.createStatement();
             java.sql.ResultSet rs = s.executeQuery("select count(*), sum(BilledCost), typeof(any_value(BilledCost)), "
                     + "typeof(any_value(ChargePeriodStart)) from read_parquet('" + file + "')")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(rows.size() - 1);
            assertThat(rs.getBigDecimal(2)).isEqualByComparingTo(new BigDecimal(response.header("X-Costmeter-Billed-Cost")));
            assertThat(rs.getString(3)).isEqualTo("DECIMAL(38,20)");
            assertThat(rs.getString(4)).isEqualTo("TIMESTAMP WITH TIME ZONE");
            try (java.sql.ResultSet columns = s.executeQuery("select * from read_parquet('" + file + "') limit 0")) {
                List<String> names = new java.util.ArrayList<>();
                for (int i = 1; i <= columns.getMetaData().getColumnCount(); i++) {
                    names.add(columns.getMetaData().getColumnName(i));
                }
                assertThat(names).isEqualTo(dev.costmeter.export.FocusColumns.ALL);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void gzipOnRequestAndClearRefusals() throws Exception {
        Response gzipped = given().header("Accept-Encoding", "gzip").get("/api/v1/export/focus?" + RANGE);
        gzipped.then().statusCode(200).header("Content-Encoding", "gzip");
        // RestAssured decodes gzip itself; the raw bytes must be a gzip stream of the same CSV
        byte[] raw = given().config(io.restassured.RestAssured.config().decoderConfig(
                        io.restassured.config.DecoderConfig.decoderConfig().noContentDecoders()))
                .header("Accept-Encoding", "gzip").get("/api/v1/export/focus?" + RANGE).asByteArray();
        String csv = new String(new GZIPInputStream(new ByteArrayInputStream(raw)).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(csv).startsWith("AvailabilityZone,BilledCost,BillingAccountId,");
        assertThat(csv).isEqualTo(given().get("/api/v1/export/focus?" + RANGE).asString());

        given().get("/api/v1/export/focus?granularity=weekly").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("granularity: must be hourly or daily"));
        given().get("/api/v1/export/focus?format=xlsx").then().statusCode(400).body("error", org.hamcrest.Matchers.startsWith("format:"));
        given().auth().none().get("/api/v1/export/focus").then().statusCode(401);
    }
}
