package dev.costmeter.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The offline price and estimate commands: no Kafka, no PostgreSQL. */
class CliTest {

    static final ObjectMapper JSON = new ObjectMapper();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    final Cli cli = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    @Test
    void priceWritesOneLinePerEventAndReportsBadLinesWithTheirNumbers() throws Exception {
        String input = String.join("\n",
                "{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"app\",\"type\":\"bedrock.invocation\",\"time\":\"2026-02-10T12:00:00Z\","
                        + "\"data\":{\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\",\"usage\":{\"inputTokens\":2000,\"outputTokens\":500}}}",
                "not json",
                "",
                "{\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"app\",\"type\":\"bedrock.invocation\",\"time\":\"2026-02-10T12:00:00Z\","
                        + "\"data\":{\"modelId\":\"acme.mystery\",\"usage\":{\"inputTokens\":1}}}",
                "{\"specversion\":\"1.0\",\"id\":\"c\",\"source\":\"app\",\"type\":\"bedrock.flow\",\"time\":\"2026-02-10T12:00:00Z\","
                        + "\"data\":{\"nodeTransitions\":25}}");
        int code = cli.run(new String[] {"price", "-"}, new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));

        assertThat(code).isEqualTo(1);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode a = JSON.readTree(lines.get(0));
        assertThat(a.get("id").asText()).isEqualTo("a");
        assertThat(a.get("cost_usd").asText()).isEqualTo("0.0045");
        assertThat(a.get("rate_card_version").asText()).isEqualTo("2026-02");
        assertThat(a.get("lines").get(0).get("dimension").asText()).isEqualTo("input_tokens");
        assertThat(a.get("lines").get(0).get("cost_usd").asText()).isEqualTo("0.002");
        assertThat(JSON.readTree(lines.get(1)).get("cost_usd").asText()).isEqualTo("0.000875");
        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(errors).contains("line 2: invalid: malformed JSON")
                .contains("line 4: unpriced (id b): model 'acme.mystery' has no price in rate card 2026-02")
                .contains("priced 2 event(s), total 0.005375 USD; 2 line(s) could not be priced");
    }

    @Test
    void theExamplesOfThePricingRulesPriceAsTheReadmeSays() throws Exception {
        int code = cli.run(new String[] {"price", "examples/pricing-rules.jsonl"}, new ByteArrayInputStream(new byte[0]));

        assertThat(code).isEqualTo(1);
        java.util.Map<String, String> costs = new java.util.HashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            JsonNode priced = JSON.readTree(line);
            costs.put(priced.get("id").asText(), priced.get("cost_usd").asText());
        }
        assertThat(costs).containsOnly(
                java.util.Map.entry("haiku45-1h-write", "0.0055"),
                java.util.Map.entry("long-context-whole-prompt", "0.495"),
                java.util.Map.entry("long-context-tail", "0.825"),
                java.util.Map.entry("opensearch-zero-ocus", "1.44"),
                java.util.Map.entry("rerank-queries-and-sources", "0.003"),
                java.util.Map.entry("global-profile-without-region", "0.0045"));
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("line 1: unpriced (id nova-cache-read): rate card 2026-02 has no price for cache_read_input_tokens of model 'amazon.nova-lite-v1:0'")
                .contains("line 2: unpriced (id opus46-1h-write): rate card 2026-02 has no price for cache_write_1h_input_tokens")
                .contains("line 8: invalid: data.policies: policy \"content\" is listed twice")
                .contains("line 9: unpriced (id eu-profile-without-region): model 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' is a geographic")
                .contains("priced 6 event(s), total 2.773 USD; 4 line(s) could not be priced");
    }

    @Test
    void pricePrettyPrintedRecordsAsTheyAreAndSaysWhenAFileIsMissing() throws Exception {
        StringBuilder input = new StringBuilder();
        for (String fixture : List.of("invocation-log-converse.json", "otel-genai-span.json")) {
            try (var in = CliTest.class.getClassLoader().getResourceAsStream("aws/" + fixture)) {
                input.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n'); // as AWS writes them, many lines each
            }
        }
        input.append("not json\n");
        int code = cli.run(new String[] {"price", "-"}, new ByteArrayInputStream(input.toString().getBytes(StandardCharsets.UTF_8)));

        assertThat(code).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(2)
                .allSatisfy(line -> assertThat(JSON.readTree(line).get("cost_usd").asText()).isEqualTo("0.0074"));
        long lines = input.toString().lines().count();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("line " + lines + ": invalid: malformed JSON");

        assertThat(cli.run(new String[] {"price", "no/such/events.jsonl"}, new ByteArrayInputStream(new byte[0]))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("price: no/such/events.jsonl: no such file");
    }

    @Test
    void priceReadsAwsFormatsToo() throws Exception {
        StringBuilder input = new StringBuilder();
        for (String fixture : List.of("invocation-log-converse.json", "otel-genai-span.json", "invocation-log-nova-reel.json")) {
            try (var in = CliTest.class.getClassLoader().getResourceAsStream("aws/" + fixture)) {
                input.append(JSON.readTree(in).toString()).append('\n'); // one record per line
            }
        }
        int code = cli.run(new String[] {"price", "-"}, new ByteArrayInputStream(input.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(code).isEqualTo(1);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(0)).get("id").asText()).isEqualTo("5b0a3c1e-8f2d-4a8e-9f61-2b3c4d5e6f70");
        assertThat(JSON.readTree(lines.get(0)).get("source").asText()).isEqualTo("support-bot");
        assertThat(JSON.readTree(lines.get(0)).get("cost_usd").asText()).isEqualTo("0.0074");
        assertThat(JSON.readTree(lines.get(1)).get("cost_usd").asText()).isEqualTo("0.0074"); // the same call, as an OpenTelemetry span
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("line 3: unpriced (id reel-0001-4a4a-9b9b-abcdefabcdef): model 'amazon.nova-reel-v1:1' has no price in rate card 2026-02");
    }

    @Test
    void priceWithAnotherRateCard(@TempDir Path dir) throws Exception {
        Path card = dir.resolve("card.yaml");
        Files.writeString(card, """
                version: "custom"
                effectiveFrom: "2026-01-01T00:00:00Z"
                currency: USD
                regions: [us-east-1]
                tokenPricesPer: 1000000
                serviceTiers: { default: "1" }
                tokenDimensions: { input_tokens: { basedOn: input, multiplier: "1" } }
                models: [ { id: "acme.mystery", input: "7" } ]
                """);
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, "{\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"app\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"2026-02-10T12:00:00Z\",\"data\":{\"modelId\":\"acme.mystery\",\"usage\":{\"inputTokens\":1000}}}\n");
        assertThat(cli.run(new String[] {"price", "--rate-card", card.toString(), events.toString()}, System.in)).isZero();
        assertThat(JSON.readTree(out.toString(StandardCharsets.UTF_8)).get("cost_usd").asText()).isEqualTo("0.007");
    }

    @Test
    void estimateAsJson() throws Exception {
        assertThat(cli.run(new String[] {"estimate", "--json", "scenarios/customer-service-agent.yaml"}, System.in)).isZero();
        JsonNode estimate = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(estimate.get("rate_card_version").asText()).isEqualTo("2026-02");
        assertThat(estimate.get("totals").get(0).get("name").asText()).isEqualTo("Total");
        assertThat(estimate.get("totals").get(0).get("monthly_usd").asText()).isEqualTo("19035");
    }

    @Test
    void estimateAsATable() throws Exception {
        assertThat(cli.run(new String[] {"estimate", "scenarios/rag-chatbot.yaml"}, System.in)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .containsPattern("Claude Haiku 4.5 inference\\s+300000 events\\s+1350.00")
                .containsPattern("Total \\(with OpenSearch \\+ reranking\\)\\s+2012.40");
    }

    @Test
    void usageErrorsExitWith2() throws Exception {
        assertThat(cli.run(new String[] {"price"}, System.in)).isEqualTo(2);
        assertThat(cli.run(new String[] {"teleport", "x"}, System.in)).isEqualTo(2);
    }

    @Test
    void usageErrorsSayWhatIsWrongAndEachCommandHasHelp() throws Exception {
        assertThat(cli.run(new String[] {"price", "--rate-crad", "x.yaml", "-"}, System.in)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Unknown options: '--rate-crad'").contains("Possible solutions: --rate-card");
        assertThat(cli.run(new String[] {"price", "--help"}, System.in)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--rate-card=FILE").contains("FILE|-");
        assertThat(cli.run(new String[] {"estimate", "--help"}, System.in)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--json").contains("SCENARIO.yaml");
        assertThat(cli.run(new String[] {}, System.in)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("(price | estimate)");
    }
}
