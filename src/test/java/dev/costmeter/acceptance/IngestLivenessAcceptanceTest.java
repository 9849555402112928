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
 * If the ingest loop ends for good, liveness says DOWN (and why) so that the orchestrator restarts
 * the process, instead of a service that answers every probe but no longer meters. The loop is
 * ended here the hard way, by stopping its thread (an Error no retry can mend), in an application
 * of its own so that no other test shares the dead loop.
 */
@QuarkusTest
@TestProfile(IngestLivenessAcceptanceTest.OwnApplication.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class IngestLivenessAcceptanceTest {

    /** A profile of its own: Quarkus starts a fresh application for this class and another after it. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    @Test
    void anIngestLoopThatHasEndedMakesLivenessDown() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop works up to Java 19");
        given().get("/q/health/live").then().statusCode(200);
        stopThread("costmeter-ingest");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                .body(containsString("costmeter-ingest-loop")).body(containsString("ingest loop stopped")));
        given().get("/q/health/ready").then().statusCode(503);
    }

    /** Ends one of the service's threads the hard way (Java 17: a ThreadDeath thrown wherever it is) and waits for its end. */
    @SuppressWarnings("removal")
    static void stopThread(String name) throws InterruptedException {
        Thread thread = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " thread"));
        thread.stop();
        thread.join(10_000);
    }
}
