package dev.costmeter.decoding;

import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CloudEventDecoderTest {

    static final CloudEventDecoder DECODER = new CloudEventDecoder(
            new CloudEventDecoder.Limits(2048, 1_000_000_000L, Duration.ofHours(1)),
            Clock.fixed(Instant.parse("2026-02-10T12:30:00Z"), ZoneOffset.UTC));

    static final String README_EXAMPLE = """
            {"specversion":"1.0","id":"3f1c0a","source":"support-bot","type":"bedrock.invocation",
             "time":"2026-02-10T12:00:00Z","subject":"tenant-42",
             "data":{"modelId":"anthropic.claude-haiku-4-5-20251001-v1:0","region":"us-east-1",
                     "serviceTier":"default",
                     "usage":{"inputTokens":2000,"outputTokens":500,"totalTokens":2500,
                              "cacheReadInputTokens":0,"cacheWriteInputTokens":0,
                              "cacheDetails":[{"ttl":"1h","inputTokens":0}]},
                     "interactionId":"conv-8812"}}""";

    @Test
    void theReadmeExampleDecodes() throws Exception {
        UsageEvent event = decode(README_EXAMPLE);
        assertThat(event.source()).isEqualTo("support-bot");
        assertThat(event.id()).isEqualTo("3f1c0a");
        assertThat(event.subject()).isEqualTo("tenant-42");
        assertThat(event.time()).isEqualTo(Instant.parse("2026-02-10T12:00:00Z"));
        assertThat(event.serviceTier()).isEqualTo("default");
        assertThat(event.interactionId()).isEqualTo("conv-8812");
        assertThat(quantities(event)).containsExactlyInAnyOrderEntriesOf(Map.of(
                Dimension.INPUT_TOKENS, new BigDecimal(2000), Dimension.OUTPUT_TOKENS, new BigDecimal(500)));
    }

    @Test
    void cacheWritesAreSplitByTtlAndTheRestAreFiveMinuteWrites() throws Exception {
        UsageEvent event = decode(withUsage("""
                {"inputTokens":10,"cacheReadInputTokens":300,"cacheWriteInputTokens":5000,
                 "cacheDetails":[{"ttl":"1h","inputTokens":3000},{"ttl":"5m","inputTokens":500}]}"""));
        assertThat(quantities(event)).containsExactlyInAnyOrderEntriesOf(Map.of(
                Dimension.INPUT_TOKENS, new BigDecimal(10),
                Dimension.CACHE_READ_INPUT_TOKENS, new BigDecimal(300),
                Dimension.CACHE_WRITE_1H_INPUT_TOKENS, new BigDecimal(3000),
                Dimension.CACHE_WRITE_5M_INPUT_TOKENS, new BigDecimal(2000)));
    }

    @Test
    void withoutCacheDetailsAllWritesAreFiveMinuteWrites() throws Exception {
        UsageEvent event = decode(withUsage("{\"inputTokens\":10,\"cacheWriteInputTokens\":1500}"));
        assertThat(quantities(event)).containsEntry(Dimension.CACHE_WRITE_5M_INPUT_TOKENS, new BigDecimal(1500))
                .doesNotContainKey(Dimension.CACHE_WRITE_1H_INPUT_TOKENS);
    }

    @Test
    void serviceTierMayBeConversesObjectAndDefaultsToStandard() throws Exception {
        assertThat(decode(README_EXAMPLE.replace("\"serviceTier\":\"default\"", "\"serviceTier\":{\"type\":\"Flex\"}")).serviceTier()).isEqualTo("flex");
        assertThat(decode(README_EXAMPLE.replace("\"serviceTier\":\"default\",", "")).serviceTier()).isEqualTo("default");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not json                 | {"specversion":                     | malformed JSON
            trailing garbage         | {"specversion":"1.0"} xyz           | malformed JSON
            an array                 | [1,2]                               | expected a JSON object (a CloudEvent), got an array
            wrong specversion        | {"specversion":"0.3"}               | specversion must be "1.0", was "0.3"
            missing id               | {"specversion":"1.0","source":"a"}  | id: required non-empty string
            """)
    void envelopeProblems(String name, String json, String reason) {
        assertRejected(json, reason);
    }

    @Test
    void fieldProblemsNameTheField() {
        assertRejected(README_EXAMPLE.replace("\"source\":\"support-bot\"", "\"source\":42"), "source: must be a string, got the number 42");
        assertRejected(README_EXAMPLE.replace("\"type\":\"bedrock.invocation\"", "\"type\":\"bedrock.telepathy\""), "unknown type \"bedrock.telepathy\"");
        assertRejected(README_EXAMPLE.replace("2026-02-10T12:00:00Z", "yesterday"), "time: \"yesterday\" is not an RFC 3339 timestamp");
        assertRejected(README_EXAMPLE.replace("2026-02-10T12:00:00Z", "2026-02-11T12:00:00Z"), "in the future");
        assertRejected(README_EXAMPLE.replace("\"modelId\":\"anthropic.claude-haiku-4-5-20251001-v1:0\",", ""), "data.modelId: required non-empty string");
        assertRejected(withUsage("{\"inputTokens\":\"2000\"}"), "data.usage.inputTokens: must be a whole number, got the string \"2000\"");
        assertRejected(withUsage("{\"inputTokens\":-5}"), "data.usage.inputTokens: must not be negative, was -5");
        assertRejected(withUsage("{\"inputTokens\":12.5}"), "must be a whole number, got the number 12.5");
        assertRejected(withUsage("{\"inputTokens\":2000000000}"), "data.usage.inputTokens: 2000000000 is more than the 1000000000 one call can plausibly use");
        assertRejected(withUsage("{\"outputTokens\":5}"), "data.usage.inputTokens: required whole number");
        assertRejected(withUsage("{\"inputTokens\":1,\"cacheWriteInputTokens\":10,\"cacheDetails\":[{\"ttl\":\"1h\",\"inputTokens\":20}]}"),
                "TTL split of 20 tokens exceeds cacheWriteInputTokens 10");
        assertRejected(withUsage("{\"inputTokens\":1,\"cacheDetails\":[{\"ttl\":\"2h\",\"inputTokens\":20}]}"),
                "data.usage.cacheDetails[0].ttl: must be \"5m\" or \"1h\", was \"2h\"");
        assertRejected(README_EXAMPLE.replace("\"data\":{", "\"datum\":{"), "data: required JSON object, got nothing");
    }

    /**
     * A field given twice is ambiguous — which of two token counts is the bill? — so the record is
     * rejected, never priced on either value: in the envelope, in an invocation's usage (read as a
     * stream), and in the data of the other types (read as a tree).
     */
    @Test
    void aFieldGivenTwiceIsRejectedNotPricedOnEitherValue() {
        assertRejected(README_EXAMPLE.replace("\"id\":\"3f1c0a\",", "\"id\":\"3f1c0a\",\"id\":\"3f1c0b\","), "malformed JSON: Duplicate field 'id'");
        assertRejected(withUsage("{\"inputTokens\":10,\"outputTokens\":5,\"inputTokens\":1000000}"), "malformed JSON: Duplicate field 'inputTokens'");
        assertRejected(README_EXAMPLE.replace("\"region\":\"us-east-1\",", "\"region\":\"us-east-1\",\"region\":\"eu-west-1\","),
                "malformed JSON: Duplicate field 'region'");
        assertRejected("""
                {"specversion":"1.0","id":"g1","source":"support-bot","type":"bedrock.guardrail","time":"2026-02-10T12:00:00Z",
                 "data":{"textCharacters":10,"policies":["content"],"textCharacters":990000}}""", "malformed JSON: Duplicate field 'textCharacters'");
    }

    /**
     * costmeter, not Jackson, tells names given twice apart on the hot path (FieldNames): wherever
     * they are — inside values it skips unread, in an element of cacheDetails, in data read as a tree
     * because it came before its type — and only within one object: the same name in two objects is
     * fine. An object of many names is checked to its last, a record of 50,000 names in one pass, and
     * a record refused deep inside leaves nothing behind for the next.
     */
    @Test
    void aFieldGivenTwiceIsRejectedAtAnyDepthButTheSameNameInTwoObjectsIsNot() throws Exception {
        assertRejected(README_EXAMPLE.replace("\"subject\":\"tenant-42\",", "\"subject\":\"tenant-42\",\"ext\":{\"a\":[1,{\"b\":1,\"c\":{},\"b\":2}]},"),
                "malformed JSON: Duplicate field 'b'");
        assertRejected(withUsage("{\"inputTokens\":10,\"extra\":{\"x\":1,\"y\":{\"x\":1},\"x\":2}}"), "malformed JSON: Duplicate field 'x'");
        assertRejected(withUsage("{\"inputTokens\":1,\"cacheWriteInputTokens\":20,\"cacheDetails\":[{\"ttl\":\"1h\",\"inputTokens\":20,\"ttl\":\"5m\"}]}"),
                "malformed JSON: Duplicate field 'ttl'");
        assertRejected(README_EXAMPLE.replace("\"serviceTier\":\"default\"", "\"serviceTier\":{\"type\":\"flex\",\"type\":\"priority\"}"),
                "malformed JSON: Duplicate field 'type'");
        assertRejected("""
                {"specversion":"1.0","id":"d1","source":"app","data":{"modelId":"amazon.nova-lite-v1:0","usage":{"inputTokens":1},
                 "modelId":"anthropic.claude-haiku-4-5-20251001-v1:0"},"type":"bedrock.invocation","time":"2026-02-10T12:00:00Z"}""",
                "malformed JSON: Duplicate field 'modelId'");
        assertRejected(README_EXAMPLE.replace("\"data\":{", "\"x\":{\"d\":{\"e\":{\"f\":[{\"g\":1,\"g\":1}]}}},\"data\":{"), "Duplicate field 'g'");
        // The decoder refused that record four objects deep; the next one reads as if it were the first.
        UsageEvent next = decode(README_EXAMPLE);
        assertThat(next.id()).isEqualTo("3f1c0a");

        UsageEvent sameNamesInTwoObjects = decode(withUsage("""
                {"inputTokens":10,"outputTokens":5,"cacheWriteInputTokens":30,
                 "cacheDetails":[{"ttl":"5m","inputTokens":10},{"ttl":"1h","inputTokens":20}],"extra":{"inputTokens":{"inputTokens":1}}}"""));
        assertThat(quantities(sameNamesInTwoObjects)).containsEntry(Dimension.CACHE_WRITE_5M_INPUT_TOKENS, new BigDecimal("10"))
                .containsEntry(Dimension.CACHE_WRITE_1H_INPUT_TOKENS, new BigDecimal("20"));

        CloudEventDecoder roomy = new CloudEventDecoder(new CloudEventDecoder.Limits(4 << 20, 1_000_000_000L, Duration.ofHours(1)),
                Clock.fixed(Instant.parse("2026-02-10T12:30:00Z"), ZoneOffset.UTC));
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 50_000; i++) {
            many.append("\"n").append(i).append("\":").append(i).append(',');
        }
        String manyNames = many.append("\"last\":0}").toString();
        UsageEvent wide = roomy.decode(README_EXAMPLE.replace("\"data\":{", "\"ext\":" + manyNames + ",\"data\":{").getBytes(StandardCharsets.UTF_8));
        assertThat(wide.id()).isEqualTo("3f1c0a");
        String manyNamesTwice = manyNames.replace("\"last\":0}", "\"n49999\":0}");
        assertThatThrownBy(() -> roomy.decode(README_EXAMPLE.replace("\"data\":{", "\"ext\":" + manyNamesTwice + ",\"data\":{")
                .getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("malformed JSON: Duplicate field 'n49999'");
        String fortyNames = manyNames.substring(0, manyNames.indexOf("\"n40\"")) + "\"n0\":1}"; // 40 names, then the first again
        assertThatThrownBy(() -> roomy.decode(README_EXAMPLE.replace("\"data\":{", "\"ext\":" + fortyNames + ",\"data\":{")
                .getBytes(StandardCharsets.UTF_8))).hasMessageStartingWith("malformed JSON: Duplicate field 'n0'");
    }

    @Test
    void oversizedAndEmptyRecordsAreRejectedUnread() {
        assertThatThrownBy(() -> DECODER.decode(new byte[4096])).hasMessage("record value of 4096 bytes exceeds the limit of 2048 bytes");
        assertThatThrownBy(() -> DECODER.decode(new byte[0])).hasMessageStartingWith("empty record value");
        assertThatThrownBy(() -> DECODER.decode(null)).hasMessageStartingWith("empty record value");
    }

    static void assertRejected(String json, String reason) {
        assertThatThrownBy(() -> decode(json)).isInstanceOf(InvalidEventException.class).hasMessageContaining(reason);
    }

    static String withUsage(String usage) {
        return README_EXAMPLE.replaceAll("(?s)\"usage\":\\{.*?]}", "\"usage\":" + java.util.regex.Matcher.quoteReplacement(usage));
    }

    @Test
    void valuesThatRecurAreOneStringAndEveryValueReadsBackExactly() throws Exception {
        CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(4096, 1_000_000_000L, Duration.ofHours(1)),
                Clock.fixed(Instant.parse("2026-02-10T12:30:00Z"), ZoneOffset.UTC));
        String longSubject = "tenant-" + "x".repeat(200); // longer than the cache keeps
        List<String> subjects = new ArrayList<>(List.of("tenant-42", "tenant-é", "tenant-😀", "", longSubject));
        for (int i = 0; i < 10_000; i++) {
            subjects.add("user-" + i); // more distinct values than the cache has slots: they replace one another
        }
        Map<String, UsageEvent> first = new HashMap<>();
        for (int round = 0; round < 2; round++) {
            for (String subject : subjects) {
                UsageEvent event = decoder.decode(README_EXAMPLE.replace("tenant-42", subject)
                        .replace("\"id\":\"3f1c0a\"", "\"id\":\"e-" + round + "-" + subject.hashCode() + "\"")
                        .getBytes(StandardCharsets.UTF_8));
                assertThat(event.subject()).isEqualTo(subject);
                assertThat(event.source()).isEqualTo("support-bot");
                assertThat(event.modelId()).isEqualTo("anthropic.claude-haiku-4-5-20251001-v1:0");
                assertThat(event.id()).isEqualTo("e-" + round + "-" + subject.hashCode());
                first.putIfAbsent(subject, event);
            }
        }
        // After the churn above, the values of the next event are kept again for the one after it.
        UsageEvent a = decoder.decode(README_EXAMPLE.getBytes(StandardCharsets.UTF_8));
        UsageEvent b = decoder.decode(README_EXAMPLE.replace("3f1c0a", "3f1c0b").getBytes(StandardCharsets.UTF_8));
        assertThat(b.source()).isSameAs(a.source());
        assertThat(b.modelId()).isSameAs(a.modelId());
        assertThat(b.region()).isSameAs(a.region());
        assertThat(b.serviceTier()).isSameAs(a.serviceTier());
        assertThat(b.subject()).isSameAs(a.subject()).isEqualTo("tenant-42");
        assertThat(b.id()).isNotSameAs(a.id()); // ids and times are never kept
        assertThat(first.keySet()).as("every subject read back as itself").hasSameSizeAs(subjects);
    }

    static UsageEvent decode(String json) throws InvalidEventException {
        return DECODER.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    static Map<Dimension, BigDecimal> quantities(UsageEvent event) {
        return event.quantities().stream().collect(Collectors.toMap(Quantity::dimension, Quantity::amount));
    }
}
