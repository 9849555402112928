package dev.costmeter.decoding;

import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Pricer;
import dev.costmeter.pricing.PricingResult;
import dev.costmeter.pricing.RateCard;
import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.ratecard.RateCardCatalog;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each AWS record format, from realistic sample records (src/test/resources/aws), to exact prices. */
class AwsFormatsTest {

    static final RateCard CARD = RateCardCatalog.loadBundled().get(0);
    static final Pricer PRICER = new Pricer();
    static final String HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0";
    static final String SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    static final String APP_PROFILE = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3x9q2lmn0pz";
    static final CloudEventDecoder.Limits LIMITS = new CloudEventDecoder.Limits(65536, 1_000_000_000L, Duration.ofHours(1));

    static final Attribution ATTRIBUTION = new Attribution("unattributed", "application", "tenant",
            Map.of("arn:aws:sts::123456789012:assumed-role/rag-search-*", "rag-search",
                    "arn:aws:sts::123456789012:assumed-role/*", "some-team"),
            Map.of(APP_PROFILE, "amazon.nova-lite-v1:0"),
            Map.of("AGT7QX2P9L", new Attribution.Agent(SONNET_45, "support-agent")));
    final UsageRecordDecoder decoder = decoder(ATTRIBUTION);

    static UsageRecordDecoder decoder(Attribution attribution) {
        return new UsageRecordDecoder(new CloudEventDecoder(LIMITS, Clock.fixed(Instant.parse("2026-02-10T12:30:00Z"), ZoneOffset.UTC)),
                LIMITS, attribution);
    }

    @Test
    void aConverseInvocationLog() throws Exception {
        UsageEvent event = decode("invocation-log-converse.json");
        assertThat(event.id()).isEqualTo("5b0a3c1e-8f2d-4a8e-9f61-2b3c4d5e6f70");
        assertThat(event.time()).isEqualTo(Instant.parse("2026-02-10T12:00:00Z"));
        assertThat(event.source()).isEqualTo("support-bot"); // requestMetadata.application
        assertThat(event.subject()).isEqualTo("acme-corp");  // requestMetadata.tenant
        assertThat(event.region()).isEqualTo("us-east-1");
        // Haiku 4.5: 2,000 in $0.002 + 500 out $0.0025 + 4,000 cache reads $0.0004 + 2,000 5-minute writes $0.0025
        PricedEvent priced = priced(event);
        assertThat(priced.totalUsd()).isEqualByComparingTo("0.0074");
        assertThat(priced.lines()).extracting(CostLine::dimension).containsExactly(Dimension.INPUT_TOKENS, Dimension.OUTPUT_TOKENS,
                Dimension.CACHE_READ_INPUT_TOKENS, Dimension.CACHE_WRITE_5M_INPUT_TOKENS);
    }

    @Test
    void anInferenceProfileArnIsPricedAsItsBaseModelAndThePrincipalPaysByPattern() throws Exception {
        UsageEvent event = decode("invocation-log-inference-profile.json");
        assertThat(event.source()).isEqualTo("rag-search"); // the most specific pattern wins
        assertThat(event.modelId()).isEqualTo("us." + SONNET_45); // the prefix stays as a label
        PricedEvent priced = priced(event);
        assertThat(priced.baseModelId()).isEqualTo(SONNET_45);
        // 12,000 × $3/1M + 900 × $15/1M
        assertThat(priced.totalUsd()).isEqualByComparingTo("0.0495");
    }

    @Test
    void anApplicationInferenceProfileIsPricedAsTheModelItIsMappedTo() throws Exception {
        UsageEvent event = decode("invocation-log-application-profile.json");
        assertThat(event.source()).isEqualTo("some-team");
        // Nova Lite: 4,000 × $0.06/1M + 1,000 × $0.24/1M
        assertThat(priced(event).totalUsd()).isEqualByComparingTo("0.00048");

        UsageEvent unmapped = decoder(Attribution.defaults()).decode(fixture("invocation-log-application-profile.json")).event();
        assertThat(unmapped.source()).isEqualTo("unattributed");
        PricingResult result = PRICER.price(unmapped, CARD);
        assertThat(((PricingResult.Unpriced) result).reason()).isEqualTo("model '" + APP_PROFILE + "' has no price in rate card 2026-02: "
                + "an application inference profile; map it to its model with costmeter.models.application-inference-profiles.\""
                + APP_PROFILE + "\"");
    }

    @Test
    void aFailedCallCostsNothing() throws Exception {
        UsageEvent event = decode("invocation-log-error.json");
        assertThat(event.quantities()).isEmpty();
        PricedEvent priced = priced(event);
        assertThat(priced.totalUsd()).isEqualByComparingTo("0");
        assertThat(priced.lines()).isEmpty();
    }

    @Test
    void videoSecondsOfNovaReelAreQuarantinedUntilACardPricesThem() throws Exception {
        UsageEvent event = decode("invocation-log-nova-reel.json");
        assertThat(event.quantities()).singleElement().satisfies(q -> {
            assertThat(q.dimension()).isEqualTo(Dimension.VIDEO_SECONDS);
            assertThat(q.amount()).isEqualByComparingTo("6");
        });
        assertThat(PRICER.price(event, CARD)).isInstanceOf(PricingResult.Unpriced.class);
    }

    @Test
    void aConverseResponsesGuardrailTraceIsPricedAsGuardrailUsage() throws Exception {
        PricedEvent priced = priced(decode("converse-with-guardrail-trace.json"));
        // Haiku 1,800 in + 300 out = $0.0033; guardrails input + output: topics 3 and content 3 units × $0.15/1K,
        // contextual grounding 1 × $0.10/1K, word filters and regex PII free
        assertThat(priced.totalUsd()).isEqualByComparingTo("0.0043");
        assertThat(priced.lines()).filteredOn(l -> l.dimension() == Dimension.GUARDRAIL_TOPIC_POLICY_UNITS)
                .singleElement().satisfies(l -> assertThat(l.quantity()).isEqualByComparingTo("3"));
        assertThat(priced.lines()).filteredOn(l -> l.dimension() == Dimension.GUARDRAIL_WORD_POLICY_UNITS)
                .singleElement().satisfies(l -> assertThat(l.costUsd()).isEqualByComparingTo("0"));
    }

    @Test
    void eachModelCallOfAnAgentTraceIsACallOfTheSessionsInteraction() throws Exception {
        UsageEvent call = decode("agent-trace-model-output.json");
        assertThat(call.source()).isEqualTo("support-agent");
        assertThat(call.interactionId()).isEqualTo("sess-20260210-0042");
        assertThat(call.modelId()).isEqualTo(SONNET_45);
        assertThat(call.id()).isEqualTo("sess-20260210-0042:e2b7c6a4-91f0-4d3e-8a55-0c1d2e3f4a5b-0:orchestrationTrace");
        // 3,000 × $3/1M + 800 × $15/1M
        assertThat(priced(call).totalUsd()).isEqualByComparingTo("0.021");

        // the model input and the rationale of the same step cost nothing, and do not share the call's id
        for (String part : new String[] {"agent-trace-model-input.json", "agent-trace-rationale.json"}) {
            UsageEvent free = decode(part);
            assertThat(free.id()).isNotEqualTo(call.id());
            assertThat(free.quantities()).isEmpty();
            assertThat(priced(free).totalUsd()).isEqualByComparingTo("0");
        }
    }

    @Test
    void anAgentWithoutAKnownModelIsQuarantinedWithWhatToConfigure() throws Exception {
        UsageEvent call = decoder(Attribution.defaults()).decode(fixture("agent-trace-model-output.json")).event();
        assertThat(((PricingResult.Unpriced) PRICER.price(call, CARD)).reason())
                .endsWith("the agent's trace does not name its model; configure costmeter.agents.\"AGT7QX2P9L\".model-id");
    }

    @Test
    void anOpenTelemetrySpanCostsTheSameAsTheSameCallReportedByBedrock() throws Exception {
        UsageEvent span = decode("otel-genai-span.json");
        assertThat(span.id()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7");
        assertThat(span.time()).isEqualTo(Instant.parse("2026-02-10T12:00:09.250Z"));
        assertThat(span.interactionId()).isEqualTo("conv-8812");
        // gen_ai.usage.input_tokens 8,000 includes 4,000 cache reads and 2,000 cache writes: 2,000 uncached
        UsageEvent bedrock = decode("invocation-log-converse.json"); // the same call, as Bedrock logs it
        assertThat(span.quantities()).isEqualTo(bedrock.quantities());
        assertThat(priced(span).totalUsd()).isEqualByComparingTo(priced(bedrock).totalUsd()).isEqualByComparingTo("0.0074");
    }

    @Test
    void longContextIsDecidedOnTheWholePromptInEveryFormat() throws Exception {
        // Sonnet 4.5, 100,000 uncached input + 150,000 cache reads + 500 output: a 250K prompt, 50K beyond 200K
        // 50,000 × $3/1M + 50,000 × $6/1M + 150,000 × $0.30/1M + 500 × $15/1M = $0.15 + $0.30 + $0.045 + $0.0075 = $0.5025
        String sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        UsageEvent log = decoder.decode(new String(fixture("invocation-log-converse.json"), StandardCharsets.UTF_8)
                .replace("anthropic.claude-haiku-4-5-20251001-v1:0", sonnet).replace("\"inputTokenCount\": 2000", "\"inputTokenCount\": 100000")
                .replace("\"cacheReadInputTokenCount\": 4000", "\"cacheReadInputTokenCount\": 150000")
                .replace("\"cacheWriteInputTokenCount\": 2000", "\"cacheWriteInputTokenCount\": 0").getBytes(StandardCharsets.UTF_8)).event();
        UsageEvent span = decoder.decode(new String(fixture("otel-genai-span.json"), StandardCharsets.UTF_8)
                .replace("anthropic.claude-haiku-4-5-20251001-v1:0", sonnet).replace("\"gen_ai.usage.input_tokens\":8000", "\"gen_ai.usage.input_tokens\":250000")
                .replace("\"gen_ai.usage.cache_read.input_tokens\":4000", "\"gen_ai.usage.cache_read.input_tokens\":150000")
                .replace("\"gen_ai.usage.cache_creation.input_tokens\":2000", "\"gen_ai.usage.cache_creation.input_tokens\":0")
                .getBytes(StandardCharsets.UTF_8)).event();
        assertThat(priced(log).totalUsd()).isEqualByComparingTo("0.5025");
        assertThat(priced(span).totalUsd()).isEqualByComparingTo("0.5025");
        assertThat(priced(log).lines()).extracting(l -> l.dimension().id()).contains("long_context_input_tokens");
    }

    @Test
    void aBinaryModeCloudEventIsTheSameEventAsItsStructuredForm() throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_id", "bin-1".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_source", "support-bot".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_type", "bedrock.invocation".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_time", "2026-02-10T12:00:00Z".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_subject", "tenant \"42\"".getBytes(StandardCharsets.UTF_8));
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        byte[] data = ("{\"modelId\":\"" + HAIKU_45 + "\",\"usage\":{\"inputTokens\":2000,\"outputTokens\":500}}").getBytes(StandardCharsets.UTF_8);
        UsageRecordDecoder.Decoded binary = decoder.decode(headers, data);
        UsageEvent structured = decoder.decode(("{\"specversion\":\"1.0\",\"id\":\"bin-1\",\"source\":\"support-bot\",\"type\":\"bedrock.invocation\","
                + "\"time\":\"2026-02-10T12:00:00Z\",\"subject\":\"tenant \\\"42\\\"\",\"data\":" + new String(data, StandardCharsets.UTF_8) + "}")
                .getBytes(StandardCharsets.UTF_8)).event();
        assertThat(binary.event()).isEqualTo(structured);
        assertThat(decoder.decode(binary.selfContained()).event()).isEqualTo(structured); // re-pricing needs no headers
        assertThat(priced(binary.event()).totalUsd()).isEqualByComparingTo("0.0045");

        headers.remove("ce_id");
        assertThatThrownBy(() -> decoder.decode(headers, data)).isInstanceOf(InvalidEventException.class).hasMessage("id: required non-empty string");
        RecordHeaders xml = new RecordHeaders(headers.toArray());
        xml.remove("content-type");
        xml.add("content-type", "application/xml".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> decoder.decode(xml, data)).hasMessageStartingWith("content-type: a binary-mode CloudEvent's data must be application/json");
    }

    @Test
    void aRecordOfNoKnownFormatIsRejectedWithTheFormatsItCouldHaveBeen() throws Exception {
        assertThatThrownBy(() -> decoder.decode("{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8)))
                .hasMessage(UsageRecordDecoder.NO_FORMAT);
        assertThatThrownBy(() -> decoder.decode(fixture("otel-genai-span.json", "aws.bedrock", "openai")))
                .hasMessage("gen_ai.provider.name: \"openai\" is not Bedrock usage (aws.bedrock)");
        assertThatThrownBy(() -> decoder.decode(fixture("invocation-log-converse.json", "\"schemaVersion\": \"1.0\"", "\"schemaVersion\": \"2.0\"")))
                .hasMessage("schemaVersion: \"2.0\" is not a model invocation log version costmeter reads (1.0)");
        assertThatThrownBy(() -> decoder.decode(fixture("invocation-log-converse.json", "\"inputTokenCount\": 2000", "\"inputTokenCount\": -5")))
                .hasMessage("input.inputTokenCount: must not be negative, was -5");
        assertThatThrownBy(() -> decoder.decode(fixture("otel-genai-span.json", "\"gen_ai.usage.input_tokens\":8000", "\"gen_ai.usage.input_tokens\":5000")))
                .hasMessageStartingWith("gen_ai.usage.input_tokens: 5000 is less than its cached part");
        assertThatThrownBy(() -> decoder.decode(fixture("agent-trace-model-output.json", "\"eventTime\":\"2026-02-10T12:00:07Z\",", "")))
                .hasMessage("eventTime: required non-empty string");
        // a count given twice is ambiguous: rejected, never priced on either value
        assertThatThrownBy(() -> decoder.decode(fixture("invocation-log-converse.json", "\"inputTokenCount\": 2000", "\"inputTokenCount\": 2000, \"inputTokenCount\": 9")))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("malformed JSON: Duplicate field 'inputTokenCount'");
        assertThatThrownBy(() -> decoder.decode(fixture("otel-genai-span.json", "\"gen_ai.usage.input_tokens\":8000", "\"gen_ai.usage.input_tokens\":8000,\"gen_ai.usage.input_tokens\":1")))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("malformed JSON: Duplicate field 'gen_ai.usage.input_tokens'");
        // and what follows a record is not part of it
        byte[] log = fixture("invocation-log-converse.json");
        assertThatThrownBy(() -> decoder.decode((new String(log, StandardCharsets.UTF_8) + " {\"outputTokenCount\": 1}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("malformed JSON: Trailing token");
    }

    UsageEvent decode(String name) throws Exception {
        return decoder.decode(fixture(name)).event();
    }

    static PricedEvent priced(UsageEvent event) {
        PricingResult result = PRICER.price(event, CARD);
        assertThat(result).as(event.id()).isInstanceOf(PricingResult.Priced.class);
        return ((PricingResult.Priced) result).pricedEvent();
    }

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = AwsFormatsTest.class.getClassLoader().getResourceAsStream("aws/" + name)) {
            return in.readAllBytes();
        }
    }

    static byte[] fixture(String name, String replace, String with) throws IOException {
        String text = new String(fixture(name), StandardCharsets.UTF_8);
        assertThat(text).contains(replace);
        return text.replace(replace, with).getBytes(StandardCharsets.UTF_8);
    }
}
