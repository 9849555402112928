package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

/**
 * Input that no query, row or label can hold is refused with a reason before it reaches
 * PostgreSQL (each of these was a 500, or was accepted and broke something later), and a 4xx body
 * stays small however much is wrong.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class HostileApiInputAcceptanceTest extends KafkaAcceptanceTest {

    @Test
    void aNulCharacterInAnyFilterIsA400() {
        for (String query : new String[] {"source=a%00b", "model=%00", "subject=x%00", "groupBy=source%00"}) {
            given().urlEncodingEnabled(false).get("/api/v1/spend?" + query).then().statusCode(400)
                    .body("error", containsString("NUL character"));
        }
        given().urlEncodingEnabled(false).get("/api/v1/interactions?source=a%00").then().statusCode(400);
        given().urlEncodingEnabled(false).get("/api/v1/budgets/a%00b").then().statusCode(400);
        given().get("/api/v1/spend?source=" + "s".repeat(1500)).then().statusCode(400).body("error", containsString("longer than 1024"));
    }

    @Test
    void instantsOutsidePostgresRangeAreA400() {
        for (String instant : new String[] {"-290000-01-01T00:00:00Z", Instant.MIN.toString(), Instant.MAX.toString(), "0001-01-01T00:00:00Z"}) {
            given().queryParam("from", instant).get("/api/v1/spend").then().statusCode(400).body("error", containsString("is outside"));
            given().queryParam("to", instant).get("/api/v1/interactions").then().statusCode(400).body("error", containsString("is outside"));
            given().queryParam("at", instant).get("/api/v1/rate-cards/active").then().statusCode(400);
        }
    }

    @Test
    void aBudgetThatCannotBeStoredIsA400() {
        admin().contentType("application/json").body("{\"name\":\"huge\",\"amountUsd\":1e999999999}")
                .post("/api/v1/budgets").then().statusCode(400).body("error", startsWith("amountUsd:"));
        admin().contentType("application/json").body("{\"name\":\"huge\",\"amountUsd\":\"1e999999999\"}")
                .post("/api/v1/budgets").then().statusCode(400).body("error", containsString("out of range"));
        admin().contentType("application/json").body("{\"name\":\"a\\u0000b\",\"amountUsd\":\"100\"}")
                .post("/api/v1/budgets").then().statusCode(400).body("error", containsString("name: contains a NUL character"));
        admin().contentType("application/json").body("{\"name\":\"ok\",\"amountUsd\":\"100\",\"scope\":{\"source\":\"x\\u0000\"}}")
                .post("/api/v1/budgets").then().statusCode(400).body("error", containsString("source: contains a NUL character"));
        admin().contentType("application/json").body("{\"name\":\"ok\",\"amountUsd\":\"100\",\"thresholds\":[1e999999999]}")
                .post("/api/v1/budgets").then().statusCode(400);
        // "1e400" would export +Inf to Prometheus
        admin().contentType("application/json").body("{\"name\":\"inf\",\"amountUsd\":\"1e400\"}")
                .post("/api/v1/budgets").then().statusCode(400).body("error", containsString("out of range"));
    }

    @Test
    void aMalformedBodyIsA400ThatSaysWhereAndProblemsAreListedOnce() {
        admin().contentType("application/json").body("{\"name\": \"x\", \"amountUsd\": ")
                .post("/api/v1/budgets").then().statusCode(400).body("error", startsWith("the request body is not valid JSON at line 1"));
        // two amounts: which one is the budget? Refused, never the last one taken
        admin().contentType("application/json").body("{\"name\": \"twice\", \"amountUsd\": \"10\", \"amountUsd\": \"10000\"}")
                .post("/api/v1/budgets").then().statusCode(400)
                .body("error", startsWith("the request body is not valid JSON at line 1")).body("error", containsString("Duplicate field 'amountUsd'"));
        admin().contentType("application/json").body("{\"name\": \"\", \"amountUsd\": \"10\"}")
                .post("/api/v1/budgets").then().statusCode(422).body("error", org.hamcrest.Matchers.equalTo("name: must be a non-empty string"));
    }

    @Test
    void aBudgetSaysWhatIsWrongOrDoubtful() {
        // "no" is not false
        admin().contentType("application/json").body("{\"name\":\"flag\",\"amountUsd\":\"10\",\"alertOnForecast\":\"no\"}")
                .post("/api/v1/budgets").then().statusCode(422).body("error", containsString("alertOnForecast: must be true or false"));
        // a misspelt source is accepted, with a warning: it would stay at $0 for ever
        String id = admin().contentType("application/json").body("{\"name\":\"typo " + System.nanoTime()
                        + "\",\"amountUsd\":\"10\",\"scope\":{\"source\":\"supprot-bot\"}}")
                .post("/api/v1/budgets").then().statusCode(201).body("warnings[0]", containsString("no spend so far matches this scope"))
                .extract().jsonPath().getString("id");
        admin().delete("/api/v1/budgets/" + id).then().statusCode(204);
    }

    @Test
    void aMisspeltQueryParameterOrFieldIsRefusedNotIgnored() {
        // ?sorce= would otherwise answer the whole bill as if it were one application's
        given().get("/api/v1/spend?sorce=support-bot").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.equalTo("unknown query parameter 'sorce'; this endpoint takes adjustments, dimension, from, groupBy, model, source, subject, tier, to"));
        given().get("/api/v1/rate-cards?limit=3").then().statusCode(400).body("error", containsString("takes no query parameters"));
        given().get("/api/v1/spend?source=support-bot&groupBy=model").then().statusCode(200);
        admin().contentType("application/json").body("{\"name\":\"typo\",\"amountUSD\":\"10\"}")
                .post("/api/v1/budgets").then().statusCode(422)
                .body("error", org.hamcrest.Matchers.equalTo("amountUSD: unknown; use alertOnForecast, amountUsd, name, period, scope, thresholds"));
        admin().contentType("application/json").body("{\"name\":\"typo\",\"amountUsd\":\"10\",\"scope\":{\"app\":\"x\"}}")
                .post("/api/v1/budgets").then().statusCode(422).body("error", startsWith("scope.app: unknown; use dimension, model, source"));
        admin().contentType("application/json").body("{\"name\":\"t\",\"amountUsd\":\"ten\"}")
                .post("/api/v1/budgets").then().statusCode(422).body("error", startsWith("amountUsd: must be a decimal number"));
        admin().contentType("application/json").body("[1, 2]").post("/api/v1/budgets").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.equalTo("the request body must be a JSON object"));
        // every problem once, named by its field
        admin().contentType("application/json").body("{\"thresholds\":[50, 2000], \"period\":\"fortnight\"}")
                .post("/api/v1/budgets").then().statusCode(422).body("error", org.hamcrest.Matchers.equalTo(
                        "amountUsd: required, e.g. \"5000\"; name: required, e.g. \"support-bot monthly\"; "
                                + "period: must be day, week or month (UTC), was 'fortnight'; "
                                + "thresholds[1]: 2000 is not a percentage from 0 (exclusive) to 1000"));
    }

    @Test
    void rateCardFootgunsAreRefusedWithSmallBodies() {
        String far = card("far-future", "9999-12-31T00:00:00Z", "0.5");
        admin().contentType("application/yaml").body(far).post("/api/v1/rate-cards").then().statusCode(422)
                .body("error", containsString("ahead (costmeter.rate-cards.max-future)"));
        admin().contentType("application/yaml").body(card("absurd-price", "2026-12-01T00:00:00Z", "1e999999999"))
                .post("/api/v1/rate-cards").then().statusCode(422).body("problems[0]", containsString("is out of range"));
        Response longName = admin().contentType("application/yaml").body(card("v".repeat(100_000), "2026-12-01T00:00:00Z", "0.5"))
                .post("/api/v1/rate-cards");
        assertThat(longName.statusCode()).isEqualTo(422);
        assertThat(longName.asString()).contains("must be 1 to 64 letters").hasSizeLessThan(4_000);

        StringBuilder manyProblems = new StringBuilder(card("many", "2026-12-01T00:00:00Z", "0.5"));
        for (int i = 0; i < 2000; i++) {
            manyProblems.append("  - { id: \"broken-").append(i).append("\", input: \"-1\" }\n");
        }
        Response many = admin().contentType("application/yaml").body(manyProblems.toString()).post("/api/v1/rate-cards");
        assertThat(many.statusCode()).isEqualTo(422);
        assertThat(many.jsonPath().getList("problems")).hasSize(21).last().asString().isEqualTo("… and 1980 more problems");
        assertThat(many.asString()).hasSizeLessThan(20_000);
    }

    static String card(String version, String effectiveFrom, String price) {
        return """
                version: "%s"
                effectiveFrom: "%s"
                currency: USD
                regions: [us-east-1]
                tokenPricesPer: 1000000
                serviceTiers: { default: "1" }
                tokenDimensions:
                  input_tokens:  { basedOn: input,  multiplier: "1" }
                  output_tokens: { basedOn: output, multiplier: "1" }
                models:
                  - { id: "test.model-v1", input: "%s", output: "1" }
                """.formatted(version, effectiveFrom, price);
    }

    static RequestSpecification admin() {
        return given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD);
    }
}
