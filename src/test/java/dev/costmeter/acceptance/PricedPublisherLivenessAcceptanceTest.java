package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * The priced records are written and sent on a thread of their own ({@code costmeter-publish}); no
 * commit can succeed without it. If it ends for good, liveness says DOWN and why, so that the
 * orchestrator restarts the process instead of a service whose every commit fails. The thread is
 * ended the hard way, as {@link IngestLivenessAcceptanceTest} ends the ingest loop, in an application
 * of its own.
 */
@QuarkusTest
@TestProfile(PricedPublisherLivenessAcceptanceTest.OwnApplication.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class PricedPublisherLivenessAcceptanceTest {

    /** A profile of its own: Quarkus starts a fresh application for this class and another after it. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    @Test
    @SuppressWarnings("removal")
    void aPublisherThatHasEndedMakesLivenessDown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop works up to Java 19");
        given().get("/q/health/live").then().statusCode(200);
        Thread publisher = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("costmeter-publish"))
                .findFirst().orElseThrow(() -> new AssertionError("no costmeter-publish thread"));
        publisher.stop(); // Java 17: throws ThreadDeath in the publisher's loop
        publisher.join(10_000);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(containsString("costmeter-ingest-loop")).body(containsString("the priced-event publisher stopped")));
        given().get("/q/health/ready").then().statusCode(503);
    }
}
