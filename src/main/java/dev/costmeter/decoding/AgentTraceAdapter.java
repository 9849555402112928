package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One part of a Bedrock Agents InvokeAgent trace, as an application logs it ({@code agentId},
 * {@code sessionId}, {@code eventTime}, {@code trace}). Each {@code modelInvocationOutput} — in the
 * pre-processing, orchestration, post-processing, routing-classifier or custom-orchestration trace —
 * is one model call of the user's interaction: {@code metadata.usage} is its tokens and the session
 * is the interaction. Trace parts without a model call (rationale, observation, model input …) are
 * valid and cost nothing.
 *
 * <p>The usage part does not name the model: it is taken from {@code modelInvocationInput.foundationModel}
 * when the record has it, else from the agent's configured model; otherwise the call is
 * quarantined with the reason, never priced at $0.
 */
final class AgentTraceAdapter {

    static final String TYPE = "bedrock.invocation";
    static final String NO_USAGE_TYPE = "bedrock.agent_trace";
    /** The model id of a call whose agent has no configured model. */
    static final String UNRESOLVED = dev.costmeter.pricing.Pricer.UNRESOLVED_AGENT_MODEL;
    private static final List<String> STEPS = List.of("preProcessingTrace", "orchestrationTrace", "postProcessingTrace",
            "routingClassifierTrace", "customOrchestrationTrace");

    private final Attribution attribution;
    private final long maxQuantity;

    AgentTraceAdapter(Attribution attribution, long maxQuantity) {
        this.attribution = attribution;
        this.maxQuantity = maxQuantity;
    }

    static boolean matches(JsonNode record) {
        return record.has("agentId") && record.path("trace").isObject();
    }

    UsageEvent adapt(JsonNode part) throws InvalidEventException {
        String agentId = Fields.text(part, "agentId", true);
        String sessionId = Fields.text(part, "sessionId", true);
        Attribution.Agent agent = attribution.agent(agentId);
        String source = agent != null && agent.source() != null ? agent.source() : attribution.defaultSource();
        JsonNode trace = part.path("trace");
        for (String step : STEPS) {
            JsonNode stepTrace = trace.path(step);
            if (!stepTrace.isObject()) {
                continue;
            }
            JsonNode output = stepTrace.path("modelInvocationOutput");
            String at = "trace." + step + ".modelInvocationOutput";
            if (output.isObject()) {
                String traceId = Fields.text(output, "traceId", true);
                List<Quantity> quantities = new ArrayList<>(4);
                Fields.add(quantities, Dimension.INPUT_TOKENS, Fields.count(output, "metadata.usage.inputTokens", maxQuantity));
                Fields.add(quantities, Dimension.OUTPUT_TOKENS, Fields.count(output, "metadata.usage.outputTokens", maxQuantity));
                Fields.add(quantities, Dimension.CACHE_READ_INPUT_TOKENS, Fields.count(output, "metadata.usage.cacheReadInputTokens", maxQuantity));
                Fields.add(quantities, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, Fields.count(output, "metadata.usage.cacheWriteInputTokens", maxQuantity));
                if (!output.path("metadata").path("usage").isObject()) {
                    throw new InvalidEventException(at + ".metadata.usage: required object (the model call's tokens)");
                }
                return new UsageEvent(source, sessionId + ":" + traceId + ":" + step, TYPE, time(part), "",
                        model(stepTrace, agentId, agent), null, UsageEvent.DEFAULT_TIER, sessionId, List.copyOf(quantities));
            }
            // A step without a model call: an id per part kind, so that it never shadows the call of the same step.
            for (Map.Entry<String, JsonNode> kind : stepTrace.properties()) {
                String traceId = kind.getValue().path("traceId").asText(null);
                if (traceId != null) {
                    return new UsageEvent(source, sessionId + ":" + traceId + ":" + step + "." + kind.getKey(), NO_USAGE_TYPE,
                            time(part), "", UsageEvent.NO_MODEL, null, UsageEvent.NO_TIER, sessionId, List.of());
                }
            }
        }
        throw new InvalidEventException("trace: an agent trace part with no step costmeter knows ("
                + String.join(", ", STEPS) + ") or no traceId");
    }

    private static java.time.Instant time(JsonNode part) throws InvalidEventException {
        return Fields.time(part, "eventTime");
    }

    private String model(JsonNode stepTrace, String agentId, Attribution.Agent agent) throws InvalidEventException {
        String inThisRecord = Fields.text(stepTrace, "modelInvocationInput.foundationModel", false);
        if (inThisRecord != null) {
            return attribution.modelId(inThisRecord);
        }
        if (agent != null && agent.modelId() != null) {
            return attribution.modelId(agent.modelId());
        }
        return UNRESOLVED + agentId;
    }
}
