package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.UsageEvents;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * The priced records are written and sent on a thread of their own ({@code costmeter-publish}); no
 * commit can succeed without it. If it ends for good, liveness says DOWN and why, so that the
 * orchestrator restarts the process instead of a service whose every commit fails. The thread is
 * ended the hard way, as {@link IngestLivenessAcceptanceTest} ends the ingest loop, in an application
 * of its own. The events read after it ended are not the cause of the failing commits: none of them
 * may be set aside in the DLQ as a bad record.
 */
@QuarkusTest
@TestProfile(PricedPublisherLivenessAcceptanceTest.OwnApplication.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class PricedPublisherLivenessAcceptanceTest extends KafkaAcceptanceTest {

    /** A profile of its own: Quarkus starts a fresh application for this class and another after it. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    @Test
    void aPublisherThatHasEndedMakesLivenessDown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop works up to Java 19");
        given().get("/q/health/live").then().statusCode(200);
        IngestLivenessAcceptanceTest.stopThread("costmeter-publish");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(containsString("costmeter-ingest-loop")).body(containsString("the priced-event publisher stopped")));
        given().get("/q/health/ready").then().statusCode(503);

        for (int i = 0; i < 5; i++) {
            kafka.send(USAGE, "after-publisher-" + i, UsageEvents.invocation("acc-publisher", "p-" + i, MeteringAcceptanceTest.T + "10Z",
                    MeteringAcceptanceTest.HAIKU_45, "default", 2000, 500));
        }
        kafka.flush();
        // The first commit that needs the publisher finds it gone: a failure only a restart mends, so the loop ends.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(containsString("ingest loop stopped")).body(containsString("the priced-event publisher stopped")));
        assertThat(kafka.readAll("bedrock.usage.dlq", r -> r.key() != null && new String(r.key()).startsWith("after-publisher-")))
                .as("good events set aside as bad records while the publisher was gone").isEmpty();
    }
}
