package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenTelemetry GenAI span's attributes as a flat JSON object ({@code gen_ai.provider.name} =
 * {@code aws.bedrock}, or the older {@code gen_ai.system}). In OpenTelemetry
 * {@code gen_ai.usage.input_tokens} counts cached tokens too, while Bedrock's {@code inputTokens}
 * does not: uncached input = input_tokens − cache_read − cache_creation, so the same call costs the
 * same reported either way. Cache creation is a 5-minute write (Bedrock's default TTL).
 *
 * <p>Id: {@code trace_id}:{@code span_id} (or {@code gen_ai.response.id}); time: {@code end_time},
 * else {@code start_time} (RFC 3339 or Unix nanoseconds); source: {@code service.name}, else the
 * attribution default; interaction: {@code gen_ai.conversation.id}; subject: {@code enduser.id}.
 */
final class OtelGenAiAdapter {

    static final String TYPE = "bedrock.invocation";

    private final Attribution attribution;
    private final long maxQuantity;

    OtelGenAiAdapter(Attribution attribution, long maxQuantity) {
        this.attribution = attribution;
        this.maxQuantity = maxQuantity;
    }

    static boolean matches(JsonNode record) {
        return record.has("gen_ai.provider.name") || record.has("gen_ai.system");
    }

    UsageEvent adapt(JsonNode span) throws InvalidEventException {
        String provider = span.has("gen_ai.provider.name") ? attr(span, "gen_ai.provider.name", true) : attr(span, "gen_ai.system", true);
        if (!"aws.bedrock".equals(provider)) {
            throw new InvalidEventException("gen_ai.provider.name: \"" + provider + "\" is not Bedrock usage (aws.bedrock)");
        }
        String id = attr(span, "trace_id", false) != null && attr(span, "span_id", false) != null
                ? attr(span, "trace_id", true) + ":" + attr(span, "span_id", true) : attr(span, "gen_ai.response.id", false);
        if (id == null) {
            throw new InvalidEventException("trace_id and span_id (or gen_ai.response.id): required to identify the call");
        }
        String model = attr(span, "gen_ai.response.model", false);
        model = model != null ? model : attr(span, "gen_ai.request.model", true);
        long input = count(span, "gen_ai.usage.input_tokens");
        long cacheRead = count(span, "gen_ai.usage.cache_read.input_tokens");
        long cacheCreation = count(span, "gen_ai.usage.cache_creation.input_tokens");
        long uncached = input - cacheRead - cacheCreation;
        if (uncached < 0) {
            throw new InvalidEventException("gen_ai.usage.input_tokens: " + input + " is less than its cached part (cache_read "
                    + cacheRead + " + cache_creation " + cacheCreation + "); in OpenTelemetry input tokens include cached tokens");
        }
        List<Quantity> quantities = new ArrayList<>(4);
        Fields.add(quantities, Dimension.INPUT_TOKENS, uncached);
        Fields.add(quantities, Dimension.OUTPUT_TOKENS, count(span, "gen_ai.usage.output_tokens"));
        Fields.add(quantities, Dimension.CACHE_READ_INPUT_TOKENS, cacheRead);
        Fields.add(quantities, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, cacheCreation);
        String source = attr(span, "service.name", false);
        String subject = attr(span, "enduser.id", false);
        return new UsageEvent(source == null ? attribution.defaultSource() : source, id, TYPE, time(span),
                subject == null ? "" : subject, attribution.modelId(model), attr(span, "cloud.region", false),
                UsageEvent.DEFAULT_TIER, attr(span, "gen_ai.conversation.id", false), List.copyOf(quantities));
    }

    private static Instant time(JsonNode span) throws InvalidEventException {
        JsonNode end = span.get("end_time");
        return Fields.time(span, end != null && !end.isNull() ? "end_time" : "start_time");
    }

    /** Attribute names contain dots: they are looked up whole, not as paths. */
    private static String attr(JsonNode span, String name, boolean required) throws InvalidEventException {
        return Fields.textOf(span.get(name), name, required);
    }

    private long count(JsonNode span, String name) throws InvalidEventException {
        return Fields.countOf(span.get(name), name, maxQuantity);
    }
}
