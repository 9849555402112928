package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One cell of a sharded deployment: an instance given {@code costmeter.ingest.partitions=0,1} reads
 * those two partitions and no other, and its PostgreSQL holds their offsets and nothing of the
 * others (another cell, with its own database, reads 2 and 3). On a topic of its own, in an
 * application of its own, so that no other test shares it.
 */
@QuarkusTest
@TestProfile(FixedPartitionsAcceptanceTest.CellOfPartitionsZeroAndOne.class)
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class FixedPartitionsAcceptanceTest extends KafkaAcceptanceTest {

    static final String CELL_TOPIC = "bedrock.usage.cell-test";
    static final String GROUP = "cell-0-1";

    public static class CellOfPartitionsZeroAndOne implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("costmeter.ingest.partitions", "0,1", "costmeter.ingest.consumer-group", GROUP,
                    "costmeter.topics.usage", CELL_TOPIC, "costmeter.topics.partitions", "4");
        }
    }

    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource dataSource;

    @Test
    void aCellReadsItsPartitionsAndNoOther() throws Exception {
        Instant time = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        String run = Long.toString(System.nanoTime());
        // the other cell's records first: had this instance read every partition, they would be in before its own
        for (int partition : new int[] {2, 3}) {
            kafka.send(CELL_TOPIC, partition, null, event("other-cell-" + run, "o" + partition + "-" + run, time));
        }
        kafka.flush();
        for (int partition : new int[] {0, 1, 0, 1}) {
            kafka.send(CELL_TOPIC, partition, null, event("this-cell-" + run, "t" + partition + "-" + System.nanoTime(), time));
        }
        kafka.flush();

        String window = "from=" + time.minus(1, ChronoUnit.HOURS) + "&to=" + time.plus(1, ChronoUnit.HOURS);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new BigDecimal(given()
                .get("/api/v1/spend?" + window + "&source=this-cell-" + run).then().statusCode(200).extract().jsonPath()
                .getString("totalCostUsd"))).isEqualByComparingTo("0.044")); // 4 × (1,000 × $1/1M + 2,000 × $5/1M): Claude Haiku 4.5
        Thread.sleep(1_000); // a flush or two more: anything read from partitions 2 and 3 would be committed by now
        JsonPath other = given().get("/api/v1/spend?" + window + "&source=other-cell-" + run).then().statusCode(200).extract().jsonPath();
        assertThat(new BigDecimal(other.getString("totalCostUsd"))).isZero();

        List<Integer> stored = new ArrayList<>();
        try (var c = dataSource.getConnection(); var select = c.prepareStatement(
                "select partition from consumer_offset where consumer_group = ? and topic = ? order by partition")) {
            select.setString(1, GROUP);
            select.setString(2, CELL_TOPIC);
            try (var rs = select.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getInt(1));
                }
            }
        }
        assertThat(stored).as("offsets this cell's PostgreSQL holds").containsExactly(0, 1);
    }

    static String event(String source, String id, Instant time) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"" + source + "\",\"type\":\"bedrock.invocation\",\"time\":\""
                + time + "\",\"data\":{\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\",\"region\":\"us-east-1\","
                + "\"usage\":{\"inputTokens\":1000,\"outputTokens\":2000}}}";
    }
}
