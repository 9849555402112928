package dev.costmeter.decoding;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costmeter.pricing.Dimension;
import dev.costmeter.pricing.Quantity;
import dev.costmeter.pricing.UsageEvent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Bedrock model invocation log record, as written to CloudWatch Logs or S3
 * ({@code "schemaType": "ModelInvocationLog"}, {@code schemaVersion} "1.0"). {@code requestId} is
 * the id, {@code timestamp} the time; who pays comes from the {@link Attribution} rules. Cache
 * writes carry no TTL in the log and are 5-minute writes (Bedrock's default). A record with an
 * {@code errorCode} and no tokens costs nothing.
 */
final class InvocationLogAdapter {

    static final String TYPE = "bedrock.invocation";

    private final Attribution attribution;
    private final long maxQuantity;

    InvocationLogAdapter(Attribution attribution, long maxQuantity) {
        this.attribution = attribution;
        this.maxQuantity = maxQuantity;
    }

    static boolean matches(JsonNode record) {
        return "ModelInvocationLog".equals(record.path("schemaType").asText(null));
    }

    UsageEvent adapt(JsonNode log) throws InvalidEventException {
        String version = Fields.text(log, "schemaVersion", true);
        if (!version.equals("1.0")) {
            throw new InvalidEventException("schemaVersion: \"" + version + "\" is not a model invocation log version costmeter reads (1.0)");
        }
        String id = Fields.text(log, "requestId", true);
        JsonNode metadata = log.path("requestMetadata");
        String source = attribution.source(metadata, Fields.text(log, "identity.arn", false));
        List<Quantity> quantities = new ArrayList<>(5);
        Fields.add(quantities, Dimension.INPUT_TOKENS, Fields.count(log, "input.inputTokenCount", maxQuantity));
        Fields.add(quantities, Dimension.OUTPUT_TOKENS, Fields.count(log, "output.outputTokenCount", maxQuantity));
        Fields.add(quantities, Dimension.CACHE_READ_INPUT_TOKENS, Fields.count(log, "input.cacheReadInputTokenCount", maxQuantity));
        Fields.add(quantities, Dimension.CACHE_WRITE_5M_INPUT_TOKENS, Fields.count(log, "input.cacheWriteInputTokenCount", maxQuantity));
        BigDecimal video = Fields.decimal(log, "output.outputVideoDurationSeconds", maxQuantity);
        if (video != null && video.signum() > 0) {
            quantities.add(new Quantity(Dimension.VIDEO_SECONDS, video));
        }
        String tier = serviceTier(log);
        return new UsageEvent(source, id, TYPE, Fields.time(log, "timestamp"), attribution.subject(metadata),
                attribution.modelId(Fields.text(log, "modelId", true)), Fields.text(log, "region", false), tier, null,
                List.copyOf(quantities));
    }

    /** Logs name no tier unless Bedrock adds one: then as a string or {"type": …}. */
    private static String serviceTier(JsonNode log) {
        JsonNode tier = log.path("serviceTier");
        String name = tier.isTextual() ? tier.asText() : tier.path("type").asText(null);
        return name == null || name.isBlank() ? UsageEvent.DEFAULT_TIER : name.strip().toLowerCase(Locale.ROOT);
    }
}
