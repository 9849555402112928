package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

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
                .then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("applying a re-rate is not available in this version"));
        admin().contentType("application/json").body(request.replace(",\"reason\":\"the February card had Haiku 4.5 input at $1.00 instead of $0.80\"", ""))
                .post("/api/v1/rerates").then().statusCode(422).body("error", org.hamcrest.Matchers.equalTo("reason: required: why the history is re-rated"));
        admin().contentType("application/json").body(request.replace("2026-02-19T00:00:00Z", "2026-06-19T00:00:00Z")).post("/api/v1/rerates")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.containsString("longer than 93 days"));
        admin().contentType("application/json").body(request.replace(version, "no-such-card")).post("/api/v1/rerates")
                .then().statusCode(422).body("error", org.hamcrest.Matchers.startsWith("targetVersion: no rate card version 'no-such-card'"));
        given().contentType("application/json").body(request).post("/api/v1/rerates").then().statusCode(403); // the viewer
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD);
    }
}
