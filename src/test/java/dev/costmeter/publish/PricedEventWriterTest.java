package dev.costmeter.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costmeter.config.CostmeterConfig.PricedPayload;
import dev.costmeter.pricing.CostLine;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.PricedEvent;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PricedEventWriterTest {

    final PricedEventWriter writer = new PricedEventWriter(PricedPayload.FULL);
    final ObjectMapper json = new ObjectMapper();

    @Test
    void writesACloudEventWithExactDecimalsAndTheOriginalEvent() throws Exception {
        byte[] original = "{\"specversion\":\"1.0\",\"id\":\"e-1\",\"data\":{\"modelId\":\"x\"}}\n".getBytes(StandardCharsets.UTF_8);
        JsonNode out = json.readTree(writer.write(priced("e-1", "support-bot", "tenant-1", "conv-1"), original, "bedrock.usage", 3, 12345));

        assertThat(out.get("specversion").asText()).isEqualTo("1.0");
        assertThat(out.get("type").asText()).isEqualTo("costmeter.priced");
        assertThat(out.get("id").asText()).isEqualTo("e-1");
        assertThat(out.get("source").asText()).isEqualTo("support-bot");
        assertThat(out.get("subject").asText()).isEqualTo("tenant-1");
        assertThat(out.get("time").asText()).isEqualTo("2026-02-10T12:00:00Z");
        JsonNode data = out.get("data");
        assertThat(data.get("costUsd").asText()).isEqualTo("0.00000000175");
        assertThat(data.get("rateCardVersion").asText()).isEqualTo("2026-02");
        assertThat(data.get("interactionId").asText()).isEqualTo("conv-1");
        assertThat(data.get("lines").get(0).get("unitPriceUsd").asText()).isEqualTo("0.00000000175");
        assertThat(data.get("lines").get(0).get("dimension").asText()).isEqualTo("cache_read_input_tokens");
        assertThat(data.get("event")).isEqualTo(json.readTree(original));
        assertThat(data.get("origin").asText()).isEqualTo("bedrock.usage/3@12345");
    }

    @Test
    void theLinesPayloadLeavesOutTheOriginalEventAndTheReferencePayloadAlsoTheLines() throws Exception {
        byte[] original = "{\"id\":\"e-1\"}".getBytes(StandardCharsets.UTF_8);
        JsonNode lines = json.readTree(new PricedEventWriter(PricedPayload.LINES).write(priced("e-1", "bot", "t", null), original, "u", 0, 7));
        assertThat(lines.get("data").has("event")).isFalse();
        assertThat(lines.get("data").get("lines").get(0).get("costUsd").asText()).isEqualTo("0.00000000175");
        assertThat(lines.get("data").get("region").asText()).isEqualTo("us-east-1");
        assertThat(lines.get("data").get("origin").asText()).isEqualTo("u/0@7");

        JsonNode reference = json.readTree(new PricedEventWriter(PricedPayload.REFERENCE).write(priced("e-1", "bot", "t", null), original, "u", 0, 7));
        assertThat(reference.get("data").fieldNames()).toIterable().containsExactly("costUsd", "currency", "rateCardVersion", "origin");
        assertThat(reference.get("id").asText()).isEqualTo("e-1");
        assertThat(reference.get("subject").asText()).isEqualTo("t");

        JsonNode repriced = json.readTree(new PricedEventWriter(PricedPayload.LINES).write(priced("e-1", "bot", "t", null), original));
        assertThat(repriced.get("data").has("origin")).isFalse();
    }

    @Test
    void oneWriterKeepsEachRecordsOwnOriginAcrossTopicsAndOffsets() throws Exception {
        PricedEventWriter reused = new PricedEventWriter(PricedPayload.REFERENCE);
        byte[] original = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(json.readTree(reused.write(priced("e", "s", "", null), original, "a", 0, 0)).get("data").get("origin").asText()).isEqualTo("a/0@0");
        assertThat(json.readTree(reused.write(priced("e", "s", "", null), original, "b", 12, Long.MAX_VALUE)).get("data").get("origin").asText())
                .isEqualTo("b/12@" + Long.MAX_VALUE);
        assertThat(json.readTree(reused.write(priced("e", "s", "", null), original, "a", 7, 10)).get("data").get("origin").asText()).isEqualTo("a/7@10");
        assertThat(json.readTree(reused.write(priced("e", "s", "", null), original)).get("data").has("origin")).isFalse();
        java.util.Random random = new java.util.Random(2026_12_02);
        for (long power = 1, width = 1; width <= 19; width++, power = power <= Long.MAX_VALUE / 10 ? power * 10 : power) {
            long offset = width == 19 ? Long.MAX_VALUE - random.nextInt(1000) : power + (long) (random.nextDouble() * 9 * power);
            int partition = random.nextInt(100_000);
            assertThat(json.readTree(reused.write(priced("e", "s", "", null), original, "t", partition, offset)).get("data").get("origin").asText())
                    .as("offset of %d digits", width).isEqualTo("t/" + partition + "@" + offset);
        }
    }

    @Test
    void anOriginTopicIsEscapedLikeAnyString() throws Exception {
        JsonNode out = json.readTree(new PricedEventWriter(PricedPayload.REFERENCE).write(priced("e", "s", "", null), "{}".getBytes(), "we\"ird", 1, 2));
        assertThat(out.get("data").get("origin").asText()).isEqualTo("we\"ird/1@2");
    }

    @Test
    void escapesEverythingAnEventCanCarry() throws Exception {
        String nasty = "q\"uote back\\slash tab\t nl\n bell\u0007 é ü 日本 😀 end";
        JsonNode out = json.readTree(writer.write(priced(nasty, nasty, "", null), "{}".getBytes(StandardCharsets.UTF_8)));
        assertThat(out.get("id").asText()).isEqualTo(nasty);
        assertThat(out.get("source").asText()).isEqualTo(nasty);
        assertThat(out.has("subject")).isFalse();
        assertThat(out.get("data").has("interactionId")).isFalse();
    }

    @Test
    void theWriterCanBeReusedForEventsOfAnySize() throws Exception {
        String longId = "x".repeat(5000);
        assertThat(json.readTree(writer.write(priced(longId, "a", "", null), "{}".getBytes())).get("id").asText()).isEqualTo(longId);
        assertThat(json.readTree(writer.write(priced("short", "a", "", null), "{}".getBytes())).get("id").asText()).isEqualTo("short");
    }

    @Test
    void everyDecimalIsWrittenExactlyAsMoneyPlainWritesIt() throws Exception {
        List<BigDecimal> values = new java.util.ArrayList<>();
        for (String text : List.of("0", "0E-8", "0.000", "1", "10", "12300", "1.2300E+4", "0.01755000", "1.75E-9", "3.000", "-0.0042",
                "-12", "999999999999999999", "123456789012345678.9", "0.123456789012345678901234", "1E+30", "7E-40", "100.00100")) {
            values.add(new BigDecimal(text));
        }
        java.util.Random random = new java.util.Random(20261130);
        for (int i = 0; i < 5_000; i++) { // unscaled values of every length up to 21 digits, scales -3 to 30
            BigDecimal unscaled = new BigDecimal(new java.math.BigInteger(1 + random.nextInt(70), random));
            values.add(unscaled.scaleByPowerOfTen(-(random.nextInt(34) - 3)).multiply(BigDecimal.valueOf(random.nextBoolean() ? 1 : -1)));
        }
        PricedEventWriter lines = new PricedEventWriter(PricedPayload.LINES);
        for (BigDecimal value : values) {
            JsonNode data = json.readTree(lines.write(pricedAt(value), "{}".getBytes(StandardCharsets.UTF_8), "u", 0, 1)).get("data");
            String expected = dev.costmeter.pricing.Money.plain(value);
            assertThat(data.get("costUsd").asText()).as("cost %s", value).isEqualTo(expected);
            assertThat(data.get("lines").get(0).get("quantity").asText()).as("quantity %s", value).isEqualTo(expected);
            assertThat(data.get("lines").get(0).get("unitPriceUsd").asText()).isEqualTo(expected);
            assertThat(data.get("lines").get(0).get("costUsd").asText()).isEqualTo(expected);
        }
    }

    @Test
    void everyTimeIsWrittenExactlyAsInstantToStringWritesIt() throws Exception {
        List<Instant> times = new java.util.ArrayList<>(List.of(Instant.parse("2026-02-10T12:00:00Z"), Instant.parse("2026-02-10T12:00:00.100Z"),
                Instant.parse("2026-02-10T12:00:00.000100Z"), Instant.parse("2026-02-10T12:00:00.000000100Z"), Instant.parse("2024-02-29T23:59:59.999999999Z"),
                Instant.EPOCH, Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.5Z"), Instant.parse("-0001-12-31T23:59:59Z"),
                Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.999Z")));
        java.util.Random random = new java.util.Random(20261130);
        for (int i = 0; i < 5_000; i++) { // any second from year 1 to 9999, with no, milli-, micro- or nanosecond fractions
            long second = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond() + (long) (random.nextDouble() * 315_500_000_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            times.add(Instant.ofEpochSecond(second, nanos));
        }
        PricedEventWriter reference = new PricedEventWriter(PricedPayload.REFERENCE);
        for (Instant time : times) {
            JsonNode out = json.readTree(reference.write(pricedAt(BigDecimal.ONE, time), "{}".getBytes(StandardCharsets.UTF_8), "u", 0, 1));
            assertThat(out.get("time").asText()).as("time %s", time).isEqualTo(time.toString());
        }
    }

    @Test
    void aValueRememberedFromTheRecordBeforeIsNeverWrittenForAnotherValue() throws Exception {
        PricedEventWriter reused = new PricedEventWriter(PricedPayload.LINES);
        for (String region : List.of("us-east-1", "us-east-1", "eu-west-1", "us-east-1", "ap-\"south\"-1")) {
            PricedEvent event = priced("e", region + "-app", "", null);
            PricedEvent inRegion = new PricedEvent(event.event(), event.baseModelId(), region, event.rateCardVersion(), event.lines(), event.totalUsd());
            JsonNode out = json.readTree(reused.write(inRegion, "{}".getBytes(StandardCharsets.UTF_8), "u", 0, 1));
            assertThat(out.get("data").get("region").asText()).isEqualTo(region);
            assertThat(out.get("source").asText()).isEqualTo(region + "-app");
        }
    }

    /** An event whose cost, quantity and unit price are all {@code value} (the writer does not check arithmetic). */
    static PricedEvent pricedAt(BigDecimal value) {
        return pricedAt(value, Instant.parse("2026-02-10T12:00:00Z"));
    }

    static PricedEvent pricedAt(BigDecimal value, Instant time) {
        UsageEvent event = new UsageEvent("s", "e", "bedrock.invocation", time, "",
                "amazon.nova-micro-v1:0", "us-east-1", "standard", null, List.of(new Quantity(Dimension.INPUT_TOKENS, BigDecimal.ONE)));
        return new PricedEvent(event, "amazon.nova-micro-v1:0", "us-east-1", "2026-02",
                List.of(new CostLine(Dimension.INPUT_TOKENS, value, value, value)), value);
    }

    static PricedEvent priced(String id, String source, String subject, String interaction) {
        UsageEvent event = new UsageEvent(source, id, "bedrock.invocation", Instant.parse("2026-02-10T12:00:00Z"), subject,
                "amazon.nova-micro-v1:0", "us-east-1", "batch", interaction,
                List.of(new Quantity(Dimension.CACHE_READ_INPUT_TOKENS, BigDecimal.ONE)));
        BigDecimal cost = new BigDecimal("1.75E-9");
        return new PricedEvent(event, "amazon.nova-micro-v1:0", "us-east-1", "2026-02",
                List.of(new CostLine(Dimension.CACHE_READ_INPUT_TOKENS, BigDecimal.ONE, cost, cost)), cost);
    }
}
