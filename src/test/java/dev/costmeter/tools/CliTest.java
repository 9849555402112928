package dev.costmeter.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
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
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("(price | estimate | savings)");
    }

    // Sonnet 4.5 before: 120,000 calls a month × (3,000 input at $3/1M + 400 output at $15/1M) = $1,080 + $720 = $1,800.
    // Haiku 4.5 after: 150,000 calls × (600 input at $1/1M + 2,400 cache reads at $0.10/1M + 400 output at $5/1M) = $90 + $36 + $300 = $426.
    static final String[] REVIEW = {"scenarios/review/support-agent-before.yaml", "scenarios/review/support-agent-after.yaml"};

    @Test
    void aScenarioChangeIsPricedAsADiffForCodeReview() throws Exception {
        assertThat(cli.run(new String[] {"estimate", "--diff", REVIEW[0], REVIEW[1]}, System.in)).isZero();
        String md = out.toString(StandardCharsets.UTF_8);
        assertThat(md).contains("### Cost change: Support agent (a month)")
                .contains("| Total | 1800.00 | 426.00 | -1374.00 | -76.33% |")
                .contains("| Agent model calls | input_tokens | 360000000 | 90000000 | 1080.00 | 90.00 | -990.00 |")
                .contains("| Agent model calls | cache_read_input_tokens | 0 | 360000000 | 0.00 | 36.00 | +36.00 |")
                .contains("| Agent model calls | output_tokens | 48000000 | 60000000 | 720.00 | 300.00 | -420.00 |");
    }

    @Test
    void aRiseAboveTheAgreedPercentFailsTheBuild() throws Exception {
        // the other way round: $426 → $1,800 is +322.54%
        assertThat(cli.run(new String[] {"estimate", "--diff", "--fail-above", "50", REVIEW[1], REVIEW[0]}, System.in)).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("rose by more than 50% (--fail-above)");
        out.reset();
        assertThat(cli.run(new String[] {"estimate", "--diff", "--fail-above", "400", "--json", REVIEW[1], REVIEW[0]}, System.in)).isZero();
        JsonNode diff = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(diff.get("totals").get(0).get("delta_usd").asText()).isEqualTo("1374");
        assertThat(diff.get("totals").get(0).get("change_percent").asText()).isEqualTo("322.54");
    }

    @Test
    void aNewRateCardIsPricedAsADiffOfAScenarioAndOfEvents(@TempDir Path dir) throws Exception {
        // the bundled card with Claude Haiku 4.5's input price cut from $1.00 to $0.80, from March
        String bundled = new String(getClass().getClassLoader().getResourceAsStream("ratecards/2026-02.yaml").readAllBytes(), StandardCharsets.UTF_8);
        String cheaper = bundled.replace("version: \"2026-02\"", "version: \"2026-03-haiku\"")
                .replace("effectiveFrom: \"2026-02-01T00:00:00Z\"", "effectiveFrom: \"2026-03-01T00:00:00Z\"")
                .replace("name: \"Claude Haiku 4.5\",  input: \"1.00\"", "name: \"Claude Haiku 4.5\",  input: \"0.80\"");
        assertThat(cheaper).contains("input: \"0.80\"");
        Path card = dir.resolve("cheaper-haiku.yaml");
        Files.writeString(card, cheaper);
        // $90 of uncached input becomes $72, the $36 of cache reads (0.1 × input) $28.80: $426 → $400.80, -5.92%
        assertThat(cli.run(new String[] {"estimate", "--rate-card", card.toString(), "--diff-card", REVIEW[1]}, System.in)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Before: rate card 2026-02 · After: rate card 2026-03-haiku")
                .contains("| Total | 426.00 | 400.80 | -25.20 | -5.92% |");
        out.reset();
        // the same card over a file of events: only the Haiku 4.5 lines change
        assertThat(cli.run(new String[] {"price", "--diff-card", card.toString(), "--json", "examples/pricing-rules.jsonl"}, System.in))
                .isEqualTo(1); // the example of an unpriced model is reported and left out of both sides
        JsonNode diff = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        for (JsonNode line : diff.get("lines")) {
            boolean haiku = line.get("item").asText().contains("claude-haiku-4-5") && line.get("dimension").asText().contains("input_tokens");
            assertThat(new BigDecimal(line.get("delta_usd").asText()).signum() != 0).as(line.toString()).isEqualTo(haiku);
        }
        assertThat(new BigDecimal(diff.get("totals").get(0).get("delta_usd").asText())).isNegative();
    }

    @Test
    void theSavingsAdvisorRunsOfflineOnAFileOfEvents() throws Exception {
        // Nova Lite at the default tier: 1M input at $0.06/1M + 250K output at $0.24/1M = $0.12; batch (the guide: "halves the
        // bill") and Flex: $0.06; Nova Lite has no smaller sibling in the card
        String events = "{\"specversion\":\"1.0\",\"id\":\"n-1\",\"source\":\"summaries\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"2026-02-10T12:00:00Z\",\"data\":{\"modelId\":\"amazon.nova-lite-v1:0\","
                + "\"usage\":{\"inputTokens\":1000000,\"outputTokens\":250000}}}\n";
        assertThat(cli.run(new String[] {"savings", "--json", "-"}, new ByteArrayInputStream(events.getBytes(StandardCharsets.UTF_8)))).isZero();
        JsonNode advice = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        assertThat(advice.get("recommendations")).hasSize(2);
        for (JsonNode r : advice.get("recommendations")) {
            assertThat(r.get("cost_now_usd").asText()).isEqualTo("0.12");
            assertThat(r.get("saving_usd").asText()).isEqualTo("0.06");
            assertThat(r.get("saving_per_month_usd").asText()).isEqualTo("1.8"); // one event: a day, projected to 30
        }
        assertThat(advice.get("skipped").toString()).contains("names no smaller model of the same family for Nova Lite");
        out.reset();
        assertThat(cli.run(new String[] {"savings", "-"}, new ByteArrayInputStream(events.getBytes(StandardCharsets.UTF_8)))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("| summaries | amazon.nova-lite-v1:0 | batch | 0.12 | 0.06 | 0.06 | 1.80 |");
    }
}
