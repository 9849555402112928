package dev.costmeter.tools;

import dev.costmeter.testing.RealKafkaBroker;
import dev.costmeter.testing.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** publish, dlq and read against a real broker: Kafka from the launcher, without a Kafka distribution. */
class TopicToolTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final TopicTool tool = new TopicTool(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    @Test
    void publishesPrettyPrintedRecordsOneEachAndReadsTheDlqWithReasons() throws Exception {
        try (RealKafkaBroker.Broker broker = RealKafkaBroker.startBroker()) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic("bedrock.usage", 1, (short) 1), new NewTopic("bedrock.usage.dlq", 1, (short) 1)))
                        .all().get();
            }
            String twoRecords = """
                    {"specversion": "1.0", "id": "p-1", "source": "app", "type": "bedrock.invocation",
                     "time": "2026-02-10T12:00:00Z",
                     "data": {"modelId": "anthropic.claude-haiku-4-5-20251001-v1:0", "usage": {"inputTokens": 1, "outputTokens": 1}}}
                    {"specversion": "1.0", "id": "p-2", "source": "app", "type": "bedrock.invocation", "time": "2026-02-10T12:00:00Z", "data": {}}
                    """;
            assertThat(tool.run(new String[] {"publish", "--bootstrap", bootstrap, "-"},
                    new ByteArrayInputStream(twoRecords.getBytes(StandardCharsets.UTF_8)))).isZero();
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("published 2 record(s) to bedrock.usage");

            assertThat(tool.run(new String[] {"read", "bedrock.usage", "--bootstrap", bootstrap}, null)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"id\": \"p-1\"").contains("\"id\": \"p-2\"");

            try (TestKafka kafka = new TestKafka(bootstrap)) { // what the service writes to the DLQ
                kafka.send("bedrock.usage.dlq", null, "{\"nope\":1}".getBytes(StandardCharsets.UTF_8),
                        Map.of("costmeter.reason", "matches no format costmeter reads", "costmeter.origin", "bedrock.usage/0@7"));
                kafka.flush();
            }
            out.reset();
            assertThat(tool.run(new String[] {"dlq", "--bootstrap", bootstrap}, null)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("origin: bedrock.usage/0@7")
                    .contains("reason: matches no format costmeter reads").contains("{\"nope\":1}");

            // a record the broker refuses (larger than the producer's 1 MB request limit) is reported, never counted as published
            err.reset();
            String tooLarge = "{\"pad\": \"" + "x".repeat(1_100_000) + "\"}";
            assertThat(tool.run(new String[] {"publish", "--bootstrap", bootstrap, "-"},
                    new ByteArrayInputStream((twoRecords + tooLarge).getBytes(StandardCharsets.UTF_8)))).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("publish: the broker did not take 1 of 3 record(s)")
                    .contains("RecordTooLargeException").doesNotContain("published 3");

            assertThat(tool.run(new String[] {"publish", "--bootstrap", bootstrap, "no/such/file.json"}, null)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("publish: no/such/file.json: no such file");
        }
    }

    @Test
    void eachCommandHasHelpAndTheDlqReadsOnlyTheDlq() throws Exception {
        assertThat(tool.run(new String[] {"dlq", "--help"}, null)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--follow").contains("--bootstrap=HOST:PORT");
        assertThat(tool.run(new String[] {"publish", "--help"}, null)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--topic=TOPIC");
        assertThat(tool.run(new String[] {"dlq", "bedrock.usage"}, null)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("dlq: reads bedrock.usage.dlq only");
        assertThat(tool.run(new String[] {"publish"}, null)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required parameter: 'FILE|-'");
    }
}
