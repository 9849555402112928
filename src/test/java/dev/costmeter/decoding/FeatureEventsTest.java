package dev.costmeter.decoding;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.ratecard.RateCardCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every event type of docs/input.md, decoded and priced under the bundled card, exactly. */
class FeatureEventsTest {

    static final RateCard CARD = RateCardCatalog.loadBundled().get(0);
    static final Pricer PRICER = new Pricer();

    static final Map<String, String> EXPECTED_COST = FeatureEventsTestFixture.EXPECTED_COST;


    @Test
    void everyEventTypeOfTheFixtureIsPricedExactly() throws Exception {
        List<String> lines = fixture("events/every-type.jsonl");
        assertThat(lines).hasSize(EXPECTED_COST.size());
        Map<String, BigDecimal> costs = new LinkedHashMap<>();
        for (String line : lines) {
            UsageEvent event = CloudEventDecoderTest.decode(line);
            PricingResult result = PRICER.price(event, CARD);
            assertThat(result).as(event.id()).isInstanceOf(PricingResult.Priced.class);
            costs.put(event.id(), ((PricingResult.Priced) result).pricedEvent().totalUsd());
        }
        assertThat(costs.keySet()).containsExactlyElementsOf(EXPECTED_COST.keySet());
        EXPECTED_COST.forEach((id, cost) -> assertThat(costs.get(id)).as(id).isEqualByComparingTo(cost));
    }

    @Test
    void guardrailUsageIsBedrocksObjectVerbatim() throws Exception {
        UsageEvent event = CloudEventDecoderTest.decode(fixture("events/every-type.jsonl").get(4));
        assertThat(event.modelId()).isEmpty();
        assertThat(event.serviceTier()).isEmpty();
        assertThat(event.interactionId()).isEqualTo("conv-1");
        assertThat(quantities(event)).containsExactly(
                Map.entry(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "3"),
                Map.entry(Dimension.GUARDRAIL_TOPIC_POLICY_UNITS, "3"),
                Map.entry(Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_FREE_UNITS, "3"),
                Map.entry(Dimension.GUARDRAIL_WORD_POLICY_UNITS, "3"),
                Map.entry(Dimension.GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS, "4"));
    }

    @Test
    void aTextUnitIsUpTo1000Characters() throws Exception {
        assertThat(quantities(guardrailText(1))).containsExactly(Map.entry(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "1"));
        assertThat(quantities(guardrailText(1000))).containsExactly(Map.entry(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "1"));
        assertThat(quantities(guardrailText(1001))).containsExactly(Map.entry(Dimension.GUARDRAIL_CONTENT_POLICY_UNITS, "2"));
    }

    @Test
    void anInvocationWhoseDataComesBeforeItsTypeDecodesTheSame() throws Exception {
        String typeFirst = fixture("events/every-type.jsonl").get(0);
        String dataFirst = "{\"data\":{\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\",\"usage\":{\"inputTokens\":2000,\"outputTokens\":500},"
                + "\"interactionId\":\"conv-1\"},\"specversion\":\"1.0\",\"id\":\"inv-1\",\"source\":\"support-bot\","
                + "\"type\":\"bedrock.invocation\",\"time\":\"2026-02-10T12:00:00Z\",\"subject\":\"tenant-42\"}";
        assertThat(CloudEventDecoderTest.decode(dataFirst)).isEqualTo(CloudEventDecoderTest.decode(typeFirst));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "bedrock.flow | {} | data.nodeTransitions: required whole number",
            "bedrock.flow | {\"nodeTransitions\":-1} | data.nodeTransitions: must not be negative, was -1",
            "bedrock.flow | {\"nodeTransitions\":2.5} | data.nodeTransitions: must be a whole number, got 2.5",
            "bedrock.rerank | {\"modelId\":\"amazon.rerank-v1:0\"} | data.queries or data.sources: one is required (a query reranks up to 100 document chunks)",
            "bedrock.rerank | {\"queries\":1} | data.modelId: required non-empty string",
            "bedrock.guardrail | {\"textCharacters\":10,\"policies\":[\"content\",\"vibes\"]} | data.policies: unknown policy \"vibes\"; known: content, topic, sensitiveInformation, sensitiveInformationRegex, contextualGrounding, word, automatedReasoning",
            "bedrock.guardrail | {\"textCharacters\":10} | data.policies: required with data.textCharacters, a non-empty array of content, topic, sensitiveInformation, sensitiveInformationRegex, contextualGrounding, word, automatedReasoning",
            "bedrock.guardrail | {} | data.usage (Bedrock's GuardrailUsage) or data.textCharacters with data.policies: one is required",
            "bedrock.data_automation | {\"pages\":1,\"output\":\"fancy\"} | data.output: must be \"standard\" or \"custom\", was \"fancy\"",
            "bedrock.provisioned_throughput | {\"modelId\":\"m\",\"modelUnits\":1,\"hours\":1,\"commitment\":\"1_year\"} | data.commitment: must be \"none\", \"1_month\" or \"6_month\", was \"1_year\"",
            "bedrock.agent_hours | {\"modelId\":\"amazon.nova-act-v1:0\",\"hours\":\"soon\"} | data.hours: must be a decimal number, got \"soon\"",
            "bedrock.customization | {\"modelId\":\"m\",\"trainingTokens\":5} | data.epochs: required whole number",
            "bedrock.kb.opensearch_serverless | {\"ocus\":2} | data.hours: required decimal number",
            "bedrock.guardrail | {\"textCharacters\":10,\"policies\":[\"content\",\"topic\",\"content\"]} | data.policies: policy \"content\" is listed twice; each policy evaluates the text once (for several automated-reasoning policies use data.automatedReasoningPolicies)",
            "bedrock.teleport | {} | unknown type \"bedrock.teleport\"; known types: bedrock.invocation, bedrock.guardrail, bedrock.flow, bedrock.rerank, bedrock.kb.generate_query, bedrock.data_automation, bedrock.prompt_routing, bedrock.prompt_optimization, bedrock.evaluation.human, bedrock.agent_hours, bedrock.customization, bedrock.provisioned_throughput, bedrock.kb.opensearch_serverless, bedrock.kb.s3_vectors, bedrock.cloudwatch_logs",
    })
    void badFeatureEventsAreRejectedWithTheFieldAtFault(String type, String data, String reason) {
        CloudEventDecoderTest.assertRejected(event(type, data), reason);
    }

    @Test
    void invocationImagesAndVideoNeedNoTokenUsage() throws Exception {
        UsageEvent video = CloudEventDecoderTest.decode(event("bedrock.invocation", "{\"modelId\":\"amazon.nova-reel-v1:1\",\"videoSeconds\":6}"));
        assertThat(quantities(video)).containsExactly(Map.entry(Dimension.VIDEO_SECONDS, "6"));
        assertThatThrownBy(() -> CloudEventDecoderTest.decode(event("bedrock.invocation", "{\"modelId\":\"m\"}")))
                .hasMessage("data.usage: required JSON object (Bedrock's Converse usage), got nothing");
    }

    @Test
    void rerankBillsTheLargerOfTheQueriesAndTheQueriesItsChunksNeed() throws Exception {
        // "$1.00 per 1,000 queries (up to 100 document chunks per query)": 1 query over 250 chunks is 3 queries
        UsageEvent oneQueryManyChunks = CloudEventDecoderTest.decode(event("bedrock.rerank",
                "{\"modelId\":\"amazon.rerank-v1:0\",\"queries\":1,\"sources\":250}"));
        assertThat(quantities(oneQueryManyChunks)).containsExactly(Map.entry(Dimension.RERANK_QUERIES, "3"));
        assertThat(cost(oneQueryManyChunks)).isEqualByComparingTo("0.003");
        UsageEvent manyQueriesFewChunks = CloudEventDecoderTest.decode(event("bedrock.rerank",
                "{\"modelId\":\"amazon.rerank-v1:0\",\"queries\":5,\"sources\":120}"));
        assertThat(quantities(manyQueriesFewChunks)).containsExactly(Map.entry(Dimension.RERANK_QUERIES, "5"));
    }

    @Test
    void openSearchServerlessBillsTheTwoOcuFloorEvenAtZeroOcus() throws Exception {
        // the floor applies whatever the reported OCUs: 2 OCUs × 3 h × $0.24 = $1.44
        UsageEvent idle = CloudEventDecoderTest.decode(event("bedrock.kb.opensearch_serverless", "{\"ocus\":0,\"hours\":3}"));
        assertThat(quantities(idle)).containsExactly(Map.entry(Dimension.OPENSEARCH_SERVERLESS_OCU_HOURS, "0"));
        PricingResult.Priced priced = (PricingResult.Priced) PRICER.price(idle, CARD);
        assertThat(priced.pricedEvent().lines()).singleElement().satisfies(line -> {
            assertThat(line.quantity()).isEqualByComparingTo("6");
            assertThat(line.costUsd()).isEqualByComparingTo("1.44");
        });
    }

    static BigDecimal cost(UsageEvent event) {
        return ((PricingResult.Priced) PRICER.price(event, CARD)).pricedEvent().totalUsd();
    }

    static UsageEvent guardrailText(int characters) throws InvalidEventException {
        return CloudEventDecoderTest.decode(event("bedrock.guardrail", "{\"textCharacters\":" + characters + ",\"policies\":[\"content\"]}"));
    }

    static String event(String type, String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"app\",\"type\":\"" + type
                + "\",\"time\":\"2026-02-10T12:00:00Z\",\"data\":" + data + "}";
    }

    static Map<Dimension, String> quantities(UsageEvent event) {
        Map<Dimension, String> out = new LinkedHashMap<>();
        for (Quantity q : event.quantities()) {
            out.put(q.dimension(), q.amount().toPlainString());
        }
        return out;
    }

    static List<String> fixture(String name) throws IOException {
        return FeatureEventsTestFixture.lines(name);
    }
}
