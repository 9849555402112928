package dev.costmeter.decoding;

import dev.costmeter.pricing.UsageEvent;
import dev.costmeter.tools.SyntheticUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain reader is a shortcut, never a second opinion: on every record, the decoder with it
 * gives what Jackson alone gives — the same event, or the same reason to reject it.
 */
class PlainInvocationReaderTest {

    private static final long MAX_QUANTITY = 1_000_000_000L;
    private static final String EXAMPLE = CloudEventDecoderTest.README_EXAMPLE;

    private final CloudEventDecoder decoder = new CloudEventDecoder(new CloudEventDecoder.Limits(1 << 16, MAX_QUANTITY, Duration.ofHours(1)),
            Clock.fixed(Instant.parse("2026-03-01T00:30:00Z"), ZoneOffset.UTC));
    private final PlainInvocationReader reader = new PlainInvocationReader(new RepeatedText(), MAX_QUANTITY);

    @Test
    void theCommonFormIsReadWithoutJacksonAndGivesWhatJacksonGives() throws Exception {
        SyntheticUsage usage = new SyntheticUsage(1, "run", Instant.parse("2026-03-01T00:00:00Z"), 10_000);
        for (int i = 0; i < 2_000; i++) {
            byte[] event = usage.event(i).getBytes(StandardCharsets.UTF_8);
            assertThat(accepted(event)).as("event %d is in the plain form", i).isTrue();
            assertThat(decoder.decode(event)).isEqualTo(decoder.decodeWithJackson(event));
        }
        assertThat(accepted(EXAMPLE)).isTrue(); // whitespace and newlines between tokens
        assertThat(decoder.decode(bytes(EXAMPLE))).isEqualTo(decoder.decodeWithJackson(bytes(EXAMPLE)));
    }

    @Test
    void fieldsInAnyOrderAndUnknownScalarsAreStillThePlainForm() throws Exception {
        String dataFirst = """
                {"data":{"usage":{"outputTokens":7,"inputTokens":3},"serviceTier":" Flex ","modelId":"amazon.nova-lite-v1:0",
                 "requestId":"r-1","cached":false,"latencyMs":120,"note":null},
                 "time":"2026-03-01T00:00:00.5Z","id":"x","datacontenttype":"application/json","type":"bedrock.invocation",
                 "source":"s","specversion":"1.0"}""";
        assertThat(accepted(dataFirst)).isTrue();
        UsageEvent event = decoder.decode(bytes(dataFirst));
        assertThat(event).isEqualTo(decoder.decodeWithJackson(bytes(dataFirst)));
        assertThat(event.serviceTier()).isEqualTo("flex");
        assertThat(event.subject()).isEmpty();
    }

    /** Each is outside the plain form; Jackson then reads it (and accepts or rejects it). */
    @ParameterizedTest
    @ValueSource(strings = {
            "\"subject\":\"tenant-42\"→\"subject\":\"tenant-\\u0034\"",           // an escape
            "\"subject\":\"tenant-42\"→\"subject\":\"tenant-é\"",                  // not ASCII
            "\"inputTokens\":2000→\"inputTokens\":2000.0",                         // a fraction
            "\"inputTokens\":2000→\"inputTokens\":2e3",                            // an exponent
            "\"inputTokens\":2000→\"inputTokens\":-2000",                          // negative
            "\"inputTokens\":2000→\"inputTokens\":02000",                          // a leading zero: not JSON
            "\"inputTokens\":2000→\"inputTokens\":2000000000000",                  // over the limit
            "\"inputTokens\":2000→\"inputTokens\":null",                           // null
            "\"inputTokens\":2000→\"inputTokens\":\"2000\"",                       // a string
            "\"outputTokens\":500→\"outputTokens\":500,\"outputTokens\":5",        // a name twice
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"x\":1,\"x\":2",   // an unknown name twice
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"x\":{}",          // an unknown object
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"x\":truefalse",   // not a literal: not JSON
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"x\":nul",         // not a literal either
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"images\":1",      // images: Jackson's path only
            "\"region\":\"us-east-1\"→\"region\":\"us-east-1\",\"trace\":{}",      // a trace: Jackson's path only
            "\"type\":\"bedrock.invocation\"→\"type\":\"bedrock.guardrail\"",      // another type
            "\"type\":\"bedrock.invocation\",→",                                   // no type
            "\"specversion\":\"1.0\"→\"specversion\":\"1.0\",\"schemaType\":\"ModelInvocationLog\"",
            "\"ttl\":\"1h\"→\"ttl\":\"2h\"",                                       // a TTL Bedrock has not
            "\"serviceTier\":\"default\"→\"serviceTier\":{\"type\":\"flex\"}",     // Converse's object form
            "\"serviceTier\":\"default\"→\"serviceTier\":\" \"",                   // blank
            "\"interactionId\":\"conv-8812\"}}→\"interactionId\":\"conv-8812\"}} x", // content after the event
            "\"interactionId\":\"conv-8812\"}}→\"interactionId\":\"conv-8812\"}",    // the record ends inside
    })
    void outsideThePlainFormJacksonDecides(String edit) throws Exception {
        String[] change = edit.split("→", -1);
        assertThat(EXAMPLE).contains(change[0]);
        String json = EXAMPLE.replace(change[0], change[1]);
        assertThat(accepted(json)).as("declined: %s", json).isFalse();
        assertThat(outcome(json, true)).isEqualTo(outcome(json, false));
    }

    /**
     * Thousands of records a byte or two away from valid ones (deleted, inserted, replaced and
     * swapped characters, chosen among those that matter to JSON): whatever the reader makes of
     * each, the decoder's answer is Jackson's.
     */
    @Test
    void recordsNearTheCommonFormDecodeAsJacksonDecodesThem() {
        SplittableRandom random = new SplittableRandom(20261202);
        SyntheticUsage usage = new SyntheticUsage(7, "fuzz", Instant.parse("2026-03-01T00:00:00Z"), 10_000);
        String significant = "\"{}[],: \t\n\\0123456789-+.eEnulltrfas/ué";
        int accepted = 0;
        int rejectedBoth = 0;
        int records = 20_000;
        for (int i = 0; i < records; i++) {
            StringBuilder json = new StringBuilder(i % 3 == 0 ? EXAMPLE : usage.event(i));
            for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
                int at = random.nextInt(json.length());
                char c = significant.charAt(random.nextInt(significant.length()));
                switch (random.nextInt(4)) {
                    case 0 -> json.deleteCharAt(at);
                    case 1 -> json.insert(at, c);
                    case 2 -> json.setCharAt(at, c);
                    default -> {
                        int other = random.nextInt(json.length());
                        char swapped = json.charAt(at);
                        json.setCharAt(at, json.charAt(other));
                        json.setCharAt(other, swapped);
                    }
                }
            }
            String record = json.toString();
            Outcome withReader = outcome(record, true);
            assertThat(withReader).as("record %d: %s", i, record).isEqualTo(outcome(record, false));
            accepted += accepted(record) ? 1 : 0;
            rejectedBoth += withReader.rejection() != null ? 1 : 0;
        }
        // The edits must reach both sides of the shortcut, or the comparison proves little.
        assertThat(accepted).as("records the reader read").isBetween(records / 20, records - records / 20);
        assertThat(rejectedBoth).as("records rejected").isGreaterThan(records / 4);
    }

    private record Outcome(UsageEvent event, String rejection, Class<?> kind) {
    }

    private Outcome outcome(String json, boolean withReader) {
        try {
            byte[] value = bytes(json);
            return new Outcome(withReader ? decoder.decode(value) : decoder.decodeWithJackson(value), null, null);
        } catch (InvalidEventException e) {
            return new Outcome(null, Objects.requireNonNull(e.getMessage()), e.getClass());
        }
    }

    private boolean accepted(String json) {
        return accepted(bytes(json));
    }

    private boolean accepted(byte[] json) {
        return reader.read(json, new CloudEventDecoder.Fields());
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
