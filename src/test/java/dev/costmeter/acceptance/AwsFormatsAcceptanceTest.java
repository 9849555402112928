package dev.costmeter.acceptance;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.RealPostgres;
import dev.costmeter.testing.TestKafka;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AWS's own record shapes on the usage topic, through the real broker and PostgreSQL: model
 * invocation logs attributed by requestMetadata and IAM principal, a Converse guardrail trace,
 * Bedrock Agents trace parts, an OpenTelemetry span, a binary-mode CloudEvent — and a record of no
 * known format, which goes to the DLQ with the reason.
 */
@QuarkusTest
@QuarkusTestResource(value = RealKafkaBroker.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = RealPostgres.class, restrictToAnnotatedClass = false)
class AwsFormatsAcceptanceTest extends KafkaAcceptanceTest {


    @Test
    void awsRecordsArePricedLikeCanonicalEvents() throws Exception {
        Map<String, Long> before = MeteringAcceptanceTest.outcomes();
        long withoutUsageBefore = withoutUsage();
        for (String fixture : List.of("invocation-log-converse.json", "invocation-log-inference-profile.json",
                "invocation-log-application-profile.json", "invocation-log-error.json", "invocation-log-nova-reel.json",
                "converse-with-guardrail-trace.json", "agent-trace-model-input.json", "agent-trace-model-output.json",
                "agent-trace-rationale.json", "otel-genai-span.json")) {
            kafka.send(USAGE, null, fixture(fixture));
        }
        Map<String, String> ce = new LinkedHashMap<>();
        ce.put("ce_specversion", "1.0");
        ce.put("ce_id", "binary-1");
        ce.put("ce_source", "support-bot");
        ce.put("ce_type", "bedrock.invocation");
        ce.put("ce_time", "2026-02-10T12:00:10Z");
        ce.put("content-type", "application/json");
        kafka.send(USAGE, "binary-1", ("{\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\","
                + "\"usage\":{\"inputTokens\":2000,\"outputTokens\":500}}").getBytes(StandardCharsets.UTF_8), ce);
        kafka.send(USAGE, "mystery", "{\"hello\":\"world\",\"tokens\":12}".getBytes(StandardCharsets.UTF_8));
        kafka.flush();

        Map<String, Long> after = MeteringAcceptanceTest.awaitRead(before, 12);
        assertThat(after.get("priced") - before.get("priced")).isEqualTo(10); // the failed call and 2 trace parts cost $0
        assertThat(after.get("unpriced") - before.get("unpriced")).isEqualTo(1); // Nova Reel: no price in the guide
        assertThat(after.get("invalid") - before.get("invalid")).isEqualTo(1);
        assertThat(withoutUsage() - withoutUsageBefore).isEqualTo(3); // counted as such
        assertThat(io.restassured.RestAssured.given().auth().none().get("/q/metrics").asString())
                .containsPattern("costmeter_events_without_usage_total [1-9]");

        JsonPath bySource = MeteringAcceptanceTest.spend("groupBy=source");
        // invocation log $0.0074 + Converse with guardrails $0.0043 + OpenTelemetry span $0.0074 + binary CloudEvent $0.0045
        assertThat(MeteringAcceptanceTest.costOf(bySource, "source", "support-bot")).isEqualByComparingTo("0.0236");
        assertThat(MeteringAcceptanceTest.costOf(bySource, "source", "rag-search")).isEqualByComparingTo("0.0495");
        assertThat(MeteringAcceptanceTest.costOf(bySource, "source", "some-team")).isEqualByComparingTo("0.00048");
        assertThat(MeteringAcceptanceTest.costOf(bySource, "source", "support-agent")).isEqualByComparingTo("0.021");

        List<ConsumerRecord<byte[], byte[]>> dlq = kafka.readAll("bedrock.usage.dlq", r -> "mystery".equals(key(r)));
        assertThat(dlq).hasSize(1);
        assertThat(TestKafka.header(dlq.get(0), "costmeter.reason")).startsWith("matches no format costmeter reads");

        // the priced event of an invocation log points at the log as it arrived (the default payload, lines)
        List<ConsumerRecord<byte[], byte[]>> priced = kafka.readAll("bedrock.usage.priced",
                r -> TestKafka.value(r).contains("\"id\":\"0d4f6a2b-1c3e-4f5a-8b7c-9d0e1f2a3b4c\""));
        assertThat(priced).hasSize(1);
        ConsumerRecord<byte[], byte[]> log = kafka.readAll(USAGE, r -> TestKafka.value(r).contains("0d4f6a2b-1c3e-4f5a-8b7c-9d0e1f2a3b4c")).get(0);
        assertThat(TestKafka.value(log)).contains("\"schemaType\": \"ModelInvocationLog\"");
        assertThat(TestKafka.value(priced.get(0))).contains("\"costUsd\":\"0.0495\"")
                .contains("\"origin\":\"" + USAGE + "/" + log.partition() + "@" + log.offset() + "\"")
                .doesNotContain("ModelInvocationLog");
    }

    static long withoutUsage() {
        return io.restassured.RestAssured.given().get("/api/v1/pipeline/outcomes").then().statusCode(200).extract().jsonPath()
                .getLong("pricedWithoutUsage");
    }

    static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    }

    static byte[] fixture(String name) throws Exception {
        try (InputStream in = AwsFormatsAcceptanceTest.class.getClassLoader().getResourceAsStream("aws/" + name)) {
            return in.readAllBytes();
        }
    }
}
