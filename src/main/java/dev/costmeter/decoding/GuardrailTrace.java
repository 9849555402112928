package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Bedrock's {@code GuardrailUsage}, wherever it appears: as an event's {@code data.usage}
 * (type bedrock.guardrail), or in a Converse response's guardrail trace
 * ({@code trace.guardrail.inputAssessment.<id>.invocationMetrics.usage} and each of
 * {@code trace.guardrail.outputAssessments.<id>[]}). Text units per policy become quantities; the
 * automated-reasoning units are multiplied by the number of policies (priced per policy).
 */
public final class GuardrailTrace {

    static final Map<String, Dimension> USAGE_FIELDS = Map.of(
            "contentPolicyUnits", Dimension.GUARDRAIL_CONTENT_POLICY_UNITS,
            "contentPolicyImageUnits", Dimension.GUARDRAIL_CONTENT_POLICY_IMAGE_UNITS,
            "topicPolicyUnits", Dimension.GUARDRAIL_TOPIC_POLICY_UNITS,
            "sensitiveInformationPolicyUnits", Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_UNITS,
            "sensitiveInformationPolicyFreeUnits", Dimension.GUARDRAIL_SENSITIVE_INFORMATION_POLICY_FREE_UNITS,
            "contextualGroundingPolicyUnits", Dimension.GUARDRAIL_CONTEXTUAL_GROUNDING_POLICY_UNITS,
            "wordPolicyUnits", Dimension.GUARDRAIL_WORD_POLICY_UNITS);

    private GuardrailTrace() {
    }

    /** The guardrail usage of a Converse {@code trace} object (empty when it has none). */
    public static List<Quantity> usage(JsonNode trace, long maxQuantity) throws InvalidEventException {
        EnumMap<Dimension, BigDecimal> sums = new EnumMap<>(Dimension.class);
        JsonNode guardrail = trace == null ? null : trace.get("guardrail");
        if (guardrail == null || !guardrail.isObject()) {
            return List.of();
        }
        JsonNode input = guardrail.get("inputAssessment");
        if (input != null && input.isObject()) {
            for (Map.Entry<String, JsonNode> assessment : input.properties()) {
                add(assessment.getValue(), "trace.guardrail.inputAssessment." + assessment.getKey(), sums, maxQuantity);
            }
        }
        JsonNode outputs = guardrail.get("outputAssessments");
        if (outputs != null && outputs.isObject()) {
            for (Map.Entry<String, JsonNode> perGuardrail : outputs.properties()) {
                JsonNode list = perGuardrail.getValue();
                for (int i = 0; list.isArray() && i < list.size(); i++) {
                    add(list.get(i), "trace.guardrail.outputAssessments." + perGuardrail.getKey() + "[" + i + "]", sums, maxQuantity);
                }
            }
        }
        List<Quantity> quantities = new ArrayList<>();
        sums.forEach((d, amount) -> {
            if (amount.signum() > 0) {
                quantities.add(new Quantity(d, amount));
            }
        });
        return quantities;
    }

    private static void add(JsonNode assessment, String at, EnumMap<Dimension, BigDecimal> sums, long maxQuantity)
            throws InvalidEventException {
        JsonNode usage = assessment.path("invocationMetrics").path("usage");
        if (usage.isObject()) {
            addUsage(usage, at + ".invocationMetrics.usage", sums, maxQuantity);
        }
    }

    /** Adds one GuardrailUsage object. */
    static void addUsage(JsonNode usage, String at, EnumMap<Dimension, BigDecimal> sums, long maxQuantity) throws InvalidEventException {
        for (Map.Entry<String, Dimension> field : USAGE_FIELDS.entrySet()) {
            Long units = count(usage, field.getKey(), at, maxQuantity);
            if (units != null) {
                sums.merge(field.getValue(), BigDecimal.valueOf(units), BigDecimal::add);
            }
        }
        Long reasoningUnits = count(usage, "automatedReasoningPolicyUnits", at, maxQuantity);
        Long policies = count(usage, "automatedReasoningPolicies", at, maxQuantity);
        if (reasoningUnits != null) {
            sums.merge(Dimension.GUARDRAIL_AUTOMATED_REASONING_POLICY_UNITS,
                    BigDecimal.valueOf(reasoningUnits).multiply(BigDecimal.valueOf(policies == null ? 1 : policies)), BigDecimal::add);
        }
    }

    private static Long count(JsonNode usage, String field, String at, long maxQuantity) throws InvalidEventException {
        return JsonQuantities.count(usage.get(field), at + "." + field, maxQuantity);
    }
}
