package dev.costmeter.acceptance;

import com.sun.net.httpserver.HttpServer;
import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.costmeter.testing.UsageEvents.invocation;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With costmeter.budgets.webhook-url set, each budget alert is also POSTed there, once. */
@QuarkusTest
@TestProfile(BudgetWebhookAcceptanceTest.WithAWebhook.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class BudgetWebhookAcceptanceTest extends KafkaAcceptanceTest {

    static final int PORT = freePort();

    public static class WithAWebhook implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("costmeter.budgets.webhook-url", "http://127.0.0.1:" + PORT + "/alerts");
        }
    }

    @Test
    void anAlertIsPostedToTheWebhook() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", PORT), 0);
        webhook.createContext("/alerts", exchange -> {
            received.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        try {
            String source = "webhook-app-" + System.nanoTime();
            given().auth().preemptive().basic(ApiUsers.ADMIN, ApiUsers.ADMIN_PASSWORD).contentType("application/json")
                    .body("{\"name\":\"" + source + "\",\"scope\":{\"source\":\"" + source + "\"},\"period\":\"day\",\"amountUsd\":\"0.10\","
                            + "\"thresholds\":[100],\"alertOnForecast\":false}")
                    .post("/api/v1/budgets").then().statusCode(201);
            // $0.30 of Sonnet 4.5 input: 300% of a $0.10 daily budget
            kafka.send(USAGE, null, invocation(source, "w-1", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    "anthropic.claude-sonnet-4-5-20250929-v1:0", "default", 100_000, 0));
            kafka.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> !received.isEmpty());
            Thread.sleep(2000); // further evaluations post nothing more
            assertThat(received).singleElement().asString()
                    .startsWith("application/cloudevents+json {")
                    .contains("\"type\":\"costmeter.budget.alert\"").contains("\"threshold\":\"100\"").contains("\"spentUsd\":\"0.3\"");
        } finally {
            webhook.stop(0);
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
