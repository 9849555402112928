package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * A cell given a partition its topic does not have cannot do what it was told: liveness says DOWN
 * and names the partition, instead of an instance that reads part of what it should.
 */
@QuarkusTest
@TestProfile(FixedPartitionsMisconfiguredAcceptanceTest.PartitionThatDoesNotExist.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class FixedPartitionsMisconfiguredAcceptanceTest {

    public static class PartitionThatDoesNotExist implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("costmeter.ingest.partitions", "0,99", "costmeter.ingest.consumer-group", "cell-misconfigured",
                    "costmeter.topics.usage", "bedrock.usage.cell-misconfigured", "costmeter.topics.partitions", "4");
        }
    }

    @Test
    void aPartitionTheTopicLacksMakesLivenessDownWithTheReason() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(containsString("costmeter.ingest.partitions names partitions [99]"))
                .body(containsString("bedrock.usage.cell-misconfigured does not have (it has 4)")));
    }
}
