package dev.costmeter.estimate;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * A workload to estimate, as a YAML file (see {@code scenarios/}): components, each one usage event
 * (the same {@code type} and {@code data} as on Kafka) and how many of them happen per day, month
 * or hour; and the totals to report.
 *
 * @param at    the instant whose rate card prices the scenario (default: now)
 * @param month how long a month is: days (for per-day volumes) and hours (for hourly resources)
 */
public record Scenario(String name, String description, String at, Month month, List<Component> components, List<Total> totals) {

    /** A key given twice (a volume, a token count) is refused: which of the two is the workload? */
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    public record Month(BigDecimal days, BigDecimal hours) {
    }

    /**
     * One cost component. Exactly one of perDay, perMonth, perHour says how often {@code data}
     * happens; or {@code declaredMonthlyUsd} states a cost the rate card cannot price (e.g. the
     * guide's S3 Vectors estimate), shown as declared.
     *
     * <p>What a team changes in review can be written as plain fields, so that a diff of two scenario
     * files reads as the change: {@code model} (the data's modelId), {@code tier} (its serviceTier),
     * {@code cacheHitRate} (the share of {@code usage.inputTokens} read from the prompt cache instead,
     * 0 to 1) and {@code callsPerInteraction} (model calls per interaction: the volume counts
     * interactions, each making this many calls).
     */
    public record Component(String name, String type, JsonNode data, BigDecimal perDay, BigDecimal perMonth, BigDecimal perHour,
                            BigDecimal declaredMonthlyUsd, String note, String model, String tier, BigDecimal cacheHitRate,
                            BigDecimal callsPerInteraction) {

        public Component(String name, String type, JsonNode data, BigDecimal perDay, BigDecimal perMonth, BigDecimal perHour,
                         BigDecimal declaredMonthlyUsd, String note) {
            this(name, type, data, perDay, perMonth, perHour, declaredMonthlyUsd, note, null, null, null, null);
        }
    }

    /** A named total over some components (all when {@code components} is absent). */
    public record Total(String name, List<String> components) {
    }

    public static Scenario parse(String yaml) throws IOException {
        return YAML.readValue(yaml, Scenario.class);
    }
}
