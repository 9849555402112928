package dev.costmeter.pricing;

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
 * @param modelId       the model id as published, possibly with a cross-region prefix
 * @param region        the AWS region, or null for the rate card's region
 * @param serviceTier   Bedrock's tier name: default, priority, flex, reserved, or batch
 * @param interactionId ties the model calls of one agent interaction together, or null
 * @param quantities    what was used, by dimension
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
        List<Quantity> quantities) {

    public static final String DEFAULT_TIER = "default";
}
