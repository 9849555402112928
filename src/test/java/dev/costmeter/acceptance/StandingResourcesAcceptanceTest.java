package dev.costmeter.acceptance;

import dev.costmeter.standing.StandingResourceAccrual;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Knowledge Base's OpenSearch Serverless collection declared once in configuration: the service
 * accrues it every hour, through Kafka and the pricer like any event, each hour exactly once.
 */
@QuarkusTest
@TestProfile(StandingResourcesAcceptanceTest.WithAnOpenSearchCollection.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class StandingResourcesAcceptanceTest {

    /** Declared three whole hours ago: three completed hours are due. */
    static final Instant SINCE = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);

    public static class WithAnOpenSearchCollection implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "costmeter.standing-resources.kb-search.type", "bedrock.kb.opensearch_serverless",
                    "costmeter.standing-resources.kb-search.source", "support-bot",
                    "costmeter.standing-resources.kb-search.data", "{\"ocus\": 1}",
                    "costmeter.standing-resources.kb-search.since", SINCE.toString());
        }
    }

    @Inject
    StandingResourceAccrual accrual;

    @BeforeEach
    void signIn() {
        ApiUsers.signInAsViewer();
    }

    @Test
    void everyCompletedHourIsChargedOnceAtTheTwoOcuFloor() throws Exception {
        String window = "from=" + SINCE.minus(1, ChronoUnit.HOURS) + "&to=" + Instant.now().plus(1, ChronoUnit.HOURS);
        // 3 hours × at least 2 OCUs × $0.24
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(new BigDecimal(
                given().get("/api/v1/spend?" + window + "&source=support-bot").then().statusCode(200).extract().jsonPath()
                        .getString("totalCostUsd"))).isEqualByComparingTo("1.44"));

        Map<String, Long> before = MeteringAcceptanceTest.outcomes();
        accrual.accrue(); // again, as every tick and on every instance: nothing new is due
        Thread.sleep(1500);
        assertThat(MeteringAcceptanceTest.outcomes()).isEqualTo(before);

        JsonPath byDimension = given().get("/api/v1/spend?" + window + "&source=support-bot&groupBy=dimension,subject")
                .then().statusCode(200).extract().jsonPath();
        assertThat(byDimension.getList("groups.dimension", String.class)).containsExactly("opensearch_serverless_ocu_hours");
        assertThat(byDimension.getList("groups.subject", String.class)).containsExactly("standing-resource/kb-search");
        assertThat(byDimension.getList("groups.quantity", String.class)).containsExactly("6");
        assertThat(byDimension.getList("groups.events", Long.class)).containsExactly(3L);
    }
}
