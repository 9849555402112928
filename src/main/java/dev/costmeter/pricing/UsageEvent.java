package dev.costmeter.pricing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * The one canonical usage event. Every input format is turned into this at the edge; the pricer
 * knows nothing else.
 *
 * @param source        the spending application (the budget scope)
 * @param id            unique per source; (source, id) is the idempotency key
 * @param type          the CloudEvents type, e.g. {@code bedrock.invocation}
 * @param time          when the usage happened; prices are those in effect at this instant
 * @param subject       the end customer, or "" when not given
 * @param modelId       the model id as published, possibly with a cross-region prefix; "" for
 *                      account-wide usage (guardrails, flows, Knowledge Base infrastructure …)
 * @param region        the AWS region, or null for the rate card's region
 * @param serviceTier   Bedrock's tier name for model inference (default, priority, flex, reserved,
 *                      batch); "" where tiers do not apply
 * @param interactionId ties the model calls of one agent interaction together, or null
 * @param quantities    what was used, by dimension
 * @param periodHours   for time-based usage (OCU-hours, model-unit hours), the hours it covers, or
 *                      null; per-hour minimums of the rate card apply to it
 */
public record UsageEvent(
        String source,
        String id,
        String type,
        Instant time,
        String subject,
        String modelId,
        String region,
        String serviceTier,
        String interactionId,
        List<Quantity> quantities,
        BigDecimal periodHours) {

    public static final String DEFAULT_TIER = "default";
    public static final String NO_TIER = "";
    public static final String NO_MODEL = "";

    public UsageEvent(String source, String id, String type, Instant time, String subject, String modelId, String region,
                      String serviceTier, String interactionId, List<Quantity> quantities) {
        this(source, id, type, time, subject, modelId, region, serviceTier, interactionId, quantities, null);
    }
}
